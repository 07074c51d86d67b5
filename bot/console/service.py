"""Staff accounts and signing in to the console: passwords (argon2), TOTP (pyotp), server-side
sessions that expire, failed sign-ins rate-limited per e-mail and per address. Every account change
is written to the audit log in the caller's transaction. Nothing here commits."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from bot.console import repo
from bot.db.models import StaffAccount, StaffSession
from bot.groups import audit
from bot.groups.access import Actor
from bot.reports.federation import Federation

ROLES = ("agent", "lead", "admin")
Role = Literal["agent", "lead", "admin"]
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{1,60}")
MIN_PASSWORD = 10
WINDOW = timedelta(minutes=15)  # failed sign-ins are counted over this window…
MAX_PER_EMAIL = 5  # …at most this many per e-mail address…
MAX_PER_IP = 20  # …and this many per client address; then sign-in waits
ISSUER = "Qiaolian console"
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class AccountError(Exception):
    """A staff account change that cannot be made; the message says why (shown to the operator)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def one_time_password() -> str:
    return secrets.token_urlsafe(12)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_of(account: StaffAccount) -> Actor:
    """The console account as the plain Actor every service function takes."""
    return Actor(
        "console",
        account.id,
        account.email,
        queue=account.queue_id,
        role=account.role,
        is_admin=account.role == "admin",
    )


# -- accounts (the CLI) ----------------------------------------------------------------------


def add_account(
    s: Session,
    actor: Actor,
    federation: Federation,
    *,
    email: str,
    queue_id: str,
    role: str,
    password: str,
    now: datetime,
) -> StaffAccount:
    email = email.strip().lower()
    if not EMAIL.fullmatch(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if queue_id not in federation.by_id:
        raise AccountError(f"unknown queue {queue_id!r}; queues: {', '.join(q.id for q in federation.queues)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if repo.account_by_email(s, email=email) is not None:
        raise AccountError(f"{email} already has an account")
    row = repo.add_account(
        s,
        StaffAccount(
            email=email,
            password_hash=hash_password(password),
            role=role,
            queue_id=queue_id,
            must_change_password=True,
            created_at=now,
        ),
    )
    audit.record(s, actor, "staff_add", detail=f"{email} role={role} queue={queue_id}", now=now)
    return row


def disable_account(s: Session, actor: Actor, *, email: str, now: datetime) -> StaffAccount:
    row = _existing(s, email)
    row.disabled = True
    s.add(row)
    assert row.id is not None
    repo.drop_sessions(s, staff_id=row.id)
    audit.record(s, actor, "staff_disable", detail=row.email, now=now)
    return row


def reset_password(s: Session, actor: Actor, *, email: str, password: str, now: datetime) -> StaffAccount:
    """A new one-time password (changed at the next sign-in); every session of the account ends."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    row = _existing(s, email)
    row.password_hash, row.must_change_password, row.disabled = hash_password(password), True, False
    s.add(row)
    assert row.id is not None
    repo.drop_sessions(s, staff_id=row.id)
    audit.record(s, actor, "staff_reset_password", detail=row.email, now=now)
    return row


def list_accounts(s: Session) -> list[StaffAccount]:
    return list(repo.accounts(s))


def _existing(s: Session, email: str) -> StaffAccount:
    row = repo.account_by_email(s, email=email)
    if row is None:
        raise AccountError(f"no account for {email.strip().lower()}")
    return row


# -- signing in ------------------------------------------------------------------------------


@dataclass
class SignIn:
    """What a sign-in attempt did: ``token`` is the new session's cookie value when it succeeded."""

    outcome: Literal["ok", "bad", "limited"]
    token: str | None = None
    stage: str = "full"


def rate_limited(s: Session, *, email: str, ip: str, now: datetime) -> bool:
    since = now - WINDOW
    return (
        repo.failures(s, since=since, email=email) >= MAX_PER_EMAIL
        or repo.failures(s, since=since, ip=ip) >= MAX_PER_IP
    )


def sign_in(s: Session, *, email: str, password: str, ip: str, now: datetime, lifetime: timedelta) -> SignIn:
    """Check a password; on success open a session (still waiting for a TOTP code, or for an admin
    to enrol one, when that applies). Failures count towards the limits, successes clear them."""
    email = email.strip().lower()[:254]
    if rate_limited(s, email=email, ip=ip, now=now):
        return SignIn("limited")
    row = repo.account_by_email(s, email=email)
    if row is None or row.disabled or not check_password(row.password_hash, password):
        if row is None:
            check_password(_DUMMY_HASH.value(), password)  # the same work whether or not the account exists
        repo.record_failure(s, email=email, ip=ip, now=now)
        return SignIn("bad")
    stage = "totp" if row.totp_secret else "enrol" if row.role == "admin" else "full"
    token = open_session(s, row, stage=stage, now=now, lifetime=lifetime)
    if stage == "full":
        _signed_in(s, row, now)
    return SignIn("ok", token, stage)


class _Dummy:
    _hash: str | None = None

    def value(self) -> str:
        if self._hash is None:
            self._hash = hash_password(secrets.token_hex(8))
        return self._hash


_DUMMY_HASH = _Dummy()


def open_session(s: Session, row: StaffAccount, *, stage: str, now: datetime, lifetime: timedelta) -> str:
    assert row.id is not None
    token = secrets.token_urlsafe(32)
    s.add(
        StaffSession(
            token_hash=token_hash(token),
            staff_id=row.id,
            stage=stage,
            csrf=secrets.token_urlsafe(24),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def _signed_in(s: Session, row: StaffAccount, now: datetime) -> None:
    row.last_login_at = now
    s.add(row)
    repo.clear_failures(s, email=row.email)
    audit.record(s, actor_of(row), "sign_in", now=now)


@dataclass
class Current:
    account: StaffAccount
    session: StaffSession

    @property
    def actor(self) -> Actor:
        return actor_of(self.account)


def current(s: Session, *, token: str | None, now: datetime) -> Current | None:
    """The signed-in account behind a cookie, or None (no cookie, unknown, expired, disabled)."""
    if not token:
        return None
    row = repo.session_by_hash(s, token_hash=token_hash(token))
    if row is None:
        return None
    if row.expires_at <= now:
        s.delete(row)
        return None
    account = repo.account(s, staff_id=row.staff_id)
    if account is None or account.disabled:
        return None
    return Current(account, row)


def sign_out(s: Session, *, token: str | None, now: datetime) -> None:
    if not token:
        return
    row = repo.session_by_hash(s, token_hash=token_hash(token))
    if row is not None:
        account = repo.account(s, staff_id=row.staff_id)
        s.delete(row)
        if account is not None:
            audit.record(s, actor_of(account), "sign_out", now=now)
    repo.drop_expired(s, now=now)


def csrf_ok(session: StaffSession, given: str) -> bool:
    return bool(given) and hmac.compare_digest(session.csrf.encode(), given.encode())


# -- two-factor ------------------------------------------------------------------------------


def code_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step whose code this is (now, or one step either side for clock drift), or None."""
    # NFKC first, as pyotp does: a Chinese input method in full-width mode types ４０９６２１.
    code = "".join(ch for ch in unicodedata.normalize("NFKC", code) if ch in "0123456789")
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_code(secret: str, code: str, now: datetime) -> bool:
    return code_step(secret, code, now) is not None


def _use_code(s: Session, account: StaffAccount, secret: str, code: str, now: datetime) -> bool:
    """Accept a code once: its step must be later than the last accepted one (RFC 6238 §5.2).

    One conditional UPDATE, so two requests racing with the same code cannot both pass.
    """
    step = code_step(secret, code, now)
    if step is None or account.id is None:
        return False
    if not repo.advance_totp_step(s, staff_id=account.id, step=step):
        return False
    account.totp_last_step = step
    return True


def second_factor(s: Session, current: Current, *, code: str, ip: str, now: datetime, lifetime: timedelta) -> SignIn:
    """The TOTP code after the password: a full session replaces the half-signed-in one (a new
    token, so a token seen before the second factor is worth nothing after it)."""
    account, session = current.account, current.session
    if rate_limited(s, email=account.email, ip=ip, now=now):
        return SignIn("limited")
    if session.stage != "totp" or not account.totp_secret or not _use_code(s, account, account.totp_secret, code, now):
        repo.record_failure(s, email=account.email, ip=ip, now=now)
        return SignIn("bad")
    token = _renew(s, current, now=now, lifetime=lifetime)
    if token is None:
        return SignIn("bad")
    _signed_in(s, account, now)
    return SignIn("ok", token)


def _renew(s: Session, current: Current, *, now: datetime, lifetime: timedelta) -> str | None:
    """End the current session and open a full one for the same account: the new cookie's value,
    or None when another request (a double submit) ended this session first."""
    if not repo.end_session(s, token_hash=current.session.token_hash):
        return None
    s.expunge(current.session)
    return open_session(s, current.account, stage="full", now=now, lifetime=lifetime)


def enrolment_secret(s: Session, current: Current) -> str:
    """The secret being enrolled in this session (made once, kept until confirmed)."""
    if current.session.pending_secret is None:
        current.session.pending_secret = pyotp.random_base32()
        s.add(current.session)
    return current.session.pending_secret


def otpauth_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def confirm_enrolment(s: Session, current: Current, *, code: str, now: datetime, lifetime: timedelta) -> SignIn:
    """The first code from the authenticator app proves the secret was taken: 2FA is on.

    When this completes a sign-in (an admin's first), a full session replaces the current one, as
    after a second factor: ``token`` is the new cookie value; from the account page it is None.
    """
    account, session = current.account, current.session
    secret = session.pending_secret
    if secret is None or not _use_code(s, account, secret, code, now):
        return SignIn("bad")
    account.totp_secret, session.pending_secret = secret, None
    s.add(account)
    audit.record(s, current.actor, "staff_totp_on", detail=account.email, now=now)
    if session.stage != "enrol":
        return SignIn("ok")
    token = _renew(s, current, now=now, lifetime=lifetime)
    if token is None:
        return SignIn("bad")
    _signed_in(s, account, now)
    return SignIn("ok", token)


def change_password(s: Session, current: Current, *, old: str, new: str, now: datetime) -> str | None:
    """None when changed; else the catalogue key of the reason."""
    account = current.account
    if not check_password(account.password_hash, old):
        return "pw_wrong"
    if len(new) < MIN_PASSWORD:
        return "pw_short"
    if new == old:
        return "pw_same"
    account.password_hash, account.must_change_password = hash_password(new), False
    s.add(account)
    assert account.id is not None
    repo.drop_sessions(s, staff_id=account.id, keep=current.session.token_hash)  # a stolen one ends here
    audit.record(s, current.actor, "staff_password", detail=account.email, now=now)
    return None
