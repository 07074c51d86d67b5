"""Staff accounts, sessions and failed sign-ins. Keyword-only functions on a Session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from bot.db.models import LoginAttempt, StaffAccount, StaffSession


def account_by_email(s: Session, *, email: str) -> StaffAccount | None:
    return s.exec(select(StaffAccount).where(StaffAccount.email == email.strip().lower())).first()


def account(s: Session, *, staff_id: int) -> StaffAccount | None:
    return s.get(StaffAccount, staff_id)


def accounts(s: Session) -> Sequence[StaffAccount]:
    return s.exec(select(StaffAccount).order_by(col(StaffAccount.id))).all()


def add_account(s: Session, row: StaffAccount) -> StaffAccount:
    s.add(row)
    s.flush()
    return row


def session_by_hash(s: Session, *, token_hash: str) -> StaffSession | None:
    return s.get(StaffSession, token_hash)


def drop_sessions(s: Session, *, staff_id: int, keep: str | None = None) -> None:
    """End the account's sessions (all but ``keep``, a token hash, when given)."""
    stmt = delete(StaffSession).where(col(StaffSession.staff_id) == staff_id)
    if keep is not None:
        stmt = stmt.where(col(StaffSession.token_hash) != keep)
    s.execute(stmt)


def drop_expired(s: Session, *, now: datetime) -> None:
    s.execute(delete(StaffSession).where(col(StaffSession.expires_at) <= now))


def failures(s: Session, *, since: datetime, email: str | None = None, ip: str | None = None) -> int:
    stmt = select(func.count()).select_from(LoginAttempt).where(col(LoginAttempt.at) >= since)
    if email is not None:
        stmt = stmt.where(LoginAttempt.email == email)
    if ip is not None:
        stmt = stmt.where(LoginAttempt.ip == ip)
    return int(s.exec(stmt).one())


def record_failure(s: Session, *, email: str, ip: str, now: datetime) -> None:
    s.add(LoginAttempt(email=email[:254], ip=ip[:64], at=now))


def clear_failures(s: Session, *, email: str) -> None:
    s.execute(delete(LoginAttempt).where(col(LoginAttempt.email) == email))


def advance_totp_step(s: Session, *, staff_id: int, step: int) -> bool:
    """Record ``step`` as the account's last accepted TOTP step, only if it is later (atomically)."""
    last = col(StaffAccount.totp_last_step)
    result = s.execute(
        update(StaffAccount)
        .where(col(StaffAccount.id) == staff_id, or_(last.is_(None), last < step))
        .values(totp_last_step=step)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def end_session(s: Session, *, token_hash: str) -> bool:
    """Delete one session row; False when it was already gone (another request ended it)."""
    result = s.execute(delete(StaffSession).where(col(StaffSession.token_hash) == token_hash))
    return bool(result.rowcount)  # type: ignore[attr-defined]
