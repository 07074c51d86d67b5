"""Join requests: a short form filled in the chat, then pending until the association decides."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import col, select

from bot.db.models import utcnow
from bot.db.repo import session_scope
from bot.db.ticket_tables import JoinRequest


def start(engine: Engine, *, user_id: int, chat_id: int, association_id: str, language: str) -> JoinRequest:
    """Begin the form (an unfinished one for any association is replaced)."""
    with session_scope(engine) as s:
        for old in s.exec(select(JoinRequest).where(JoinRequest.user_id == user_id, JoinRequest.status == "draft")):
            s.delete(old)
        s.flush()
        row = JoinRequest(nonce=secrets.token_hex(12), association_id=association_id, user_id=user_id,
                          chat_id=chat_id, language=language)  # fmt: skip
        s.add(row)
        return row


def draft_of(engine: Engine, *, user_id: int) -> JoinRequest | None:
    with session_scope(engine) as s:
        return s.exec(select(JoinRequest).where(JoinRequest.user_id == user_id, JoinRequest.status == "draft")).first()


def save(engine: Engine, *, row: JoinRequest) -> None:
    with session_scope(engine) as s:
        s.merge(row)


def discard(engine: Engine, *, user_id: int) -> bool:
    with session_scope(engine) as s:
        rows = s.exec(select(JoinRequest).where(JoinRequest.user_id == user_id, JoinRequest.status == "draft")).all()
        for row in rows:
            s.delete(row)
        return bool(rows)


def submit(engine: Engine, *, request_id: int, now: datetime | None = None) -> JoinRequest | None:
    """draft → pending, once; returns the request (also when it was already submitted)."""
    with session_scope(engine) as s:
        row = s.get(JoinRequest, request_id)
        if row is None:
            return None
        if row.status == "draft":
            row.status, row.created_at = "pending", now or utcnow()
            s.add(row)
        return row


def decide(
    engine: Engine, *, request_id: int, approve: bool, by: int, now: datetime | None = None
) -> JoinRequest | None:
    """pending → approved/declined, once; None if there was nothing pending to decide."""
    with session_scope(engine) as s:
        row = s.get(JoinRequest, request_id)
        if row is None or row.status != "pending":
            return None
        row.status = "approved" if approve else "declined"
        row.decided_by, row.decided_at = by, now or utcnow()
        s.add(row)
        return row


def get(engine: Engine, *, request_id: int) -> JoinRequest | None:
    with session_scope(engine) as s:
        return s.get(JoinRequest, request_id)


def for_user(engine: Engine, *, user_id: int) -> Sequence[JoinRequest]:
    with session_scope(engine) as s:
        stmt = select(JoinRequest).where(JoinRequest.user_id == user_id, JoinRequest.status != "draft")
        return s.exec(stmt.order_by(col(JoinRequest.id).desc())).all()


def mark_sent_to(engine: Engine, *, request_id: int, chat_id: int) -> None:
    with session_scope(engine) as s:
        row = s.get(JoinRequest, request_id)
        if row is not None:
            row.sent_to = chat_id
            s.add(row)


def unsent(engine: Engine) -> Sequence[JoinRequest]:
    """Pending requests whose card no group has received yet (nothing was bound when they came)."""
    with session_scope(engine) as s:
        stmt = select(JoinRequest).where(JoinRequest.status == "pending", col(JoinRequest.sent_to).is_(None))
        return s.exec(stmt.order_by(col(JoinRequest.id))).all()
