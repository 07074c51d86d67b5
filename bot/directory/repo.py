"""Join requests: sent (pending) until the association's officers decide."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from bot.db.models import JoinRequest
from bot.db.uow import locked


def create(s: Session, row: JoinRequest) -> JoinRequest:
    s.add(row)
    s.flush()
    assert row.id is not None
    return row


def by_nonce(s: Session, *, nonce: str) -> JoinRequest | None:
    return s.exec(select(JoinRequest).where(JoinRequest.nonce == nonce)).first()


def get(s: Session, *, request_id: int) -> JoinRequest | None:
    return s.get(JoinRequest, request_id)


def lock(s: Session, *, request_id: int) -> JoinRequest | None:
    """The request, locked for this transaction (two officers pressing at once decide it once)."""
    return locked(s, JoinRequest, request_id)


def for_user(s: Session, *, user_id: int) -> Sequence[JoinRequest]:
    stmt = select(JoinRequest).where(JoinRequest.user_id == user_id)
    return s.exec(stmt.order_by(col(JoinRequest.id).desc())).all()


def unsent(s: Session) -> Sequence[JoinRequest]:
    """Pending requests whose card no group has received yet (nothing was bound when they came)."""
    stmt = select(JoinRequest).where(JoinRequest.status == "pending", col(JoinRequest.sent_to).is_(None))
    return s.exec(stmt.order_by(col(JoinRequest.id))).all()


def pending(s: Session) -> Sequence[JoinRequest]:
    stmt = select(JoinRequest).where(JoinRequest.status == "pending")
    return s.exec(stmt.order_by(col(JoinRequest.id))).all()
