"""Durable intake: raw updates are stored (unique ``update_id``) before Telegram is told we have them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, exists, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.db.delivery_tables import IntakeUpdate
from bot.db.models import utcnow
from bot.db.repo import session_scope

MAX_ATTEMPTS = 3
_older = IntakeUpdate.__table__.alias("older")  # type: ignore[attr-defined]


LEASE = timedelta(seconds=60)


def chat_of(payload: str) -> int:
    """The chat an update belongs to (0 when it has none): updates of one chat are worked in order."""
    try:
        data = json.loads(payload)
    except ValueError:
        return 0
    for key in ("message", "edited_message", "channel_post", "my_chat_member", "chat_member"):
        chat = (data.get(key) or {}).get("chat") or {}
        if "id" in chat:
            return int(chat["id"])
    query = data.get("callback_query") or {}
    chat = (query.get("message") or {}).get("chat") or query.get("from") or {}
    return int(chat.get("id", 0))


def store(engine: Engine, *, update_id: int, payload: str, now: datetime | None = None) -> bool:
    """Store one raw update; False if it was already stored (Telegram delivered it twice)."""
    try:
        with session_scope(engine) as s:
            if s.get(IntakeUpdate, update_id) is not None:
                return False
            s.add(IntakeUpdate(update_id=update_id, chat_id=chat_of(payload), payload=payload,
                               received_at=now or utcnow()))  # fmt: skip
        return True
    except IntegrityError:
        return False


def claim(engine: Engine, *, worker: str, now: datetime | None = None) -> IntakeUpdate | None:
    """Take the next update to process: the oldest pending update of a chat nobody is working on.

    On PostgreSQL several processes share the table: the row is claimed with ``FOR UPDATE SKIP
    LOCKED`` and leased for a while, and only a chat's oldest pending update can be claimed, so
    each chat is worked by one process at a time, in order. A crashed process's lease runs out
    and another takes the update over. SQLite serves one process, which simply takes the oldest.
    """
    now = now or utcnow()
    head = ~exists().where(
        IntakeUpdate.__table__.c.chat_id == _older.c.chat_id,  # type: ignore[attr-defined]
        _older.c.status == "pending",
        _older.c.update_id < IntakeUpdate.__table__.c.update_id,  # type: ignore[attr-defined]
    )
    free = or_(col(IntakeUpdate.locked_until).is_(None), col(IntakeUpdate.locked_until) < now)
    with session_scope(engine) as s:
        stmt = (
            select(IntakeUpdate)
            .where(IntakeUpdate.status == "pending", free, head)
            .order_by(col(IntakeUpdate.update_id))
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = s.exec(stmt).first()
        if row is None:
            return None
        if s.get_bind().dialect.name != "sqlite":
            row.locked_by, row.locked_until = worker, now + LEASE
            s.add(row)
        return row


def pending(engine: Engine, *, limit: int = 100) -> Sequence[IntakeUpdate]:
    """Updates not yet processed, oldest first (also those a crash interrupted)."""
    with session_scope(engine) as s:
        stmt = (
            select(IntakeUpdate)
            .where(IntakeUpdate.status == "pending")
            .order_by(col(IntakeUpdate.update_id))
            .limit(limit)
        )
        return s.exec(stmt).all()


def renew(engine: Engine, *, update_id: int, worker: str, now: datetime | None = None) -> None:
    """Extend this worker's lease on an update it is still working on."""
    with session_scope(engine) as s:
        row = s.get(IntakeUpdate, update_id)
        if row is not None and row.locked_by == worker and row.status == "pending":
            row.locked_until = (now or utcnow()) + LEASE
            s.add(row)


def begin(engine: Engine, *, update_id: int) -> int:
    """Count an attempt before processing; returns the attempt number."""
    with session_scope(engine) as s:
        row = s.get(IntakeUpdate, update_id)
        if row is None:
            return 0
        row.attempts += 1
        s.add(row)
        return row.attempts


def finish(engine: Engine, *, update_id: int, status: str = "done", error: str | None = None) -> None:
    with session_scope(engine) as s:
        row = s.get(IntakeUpdate, update_id)
        if row is not None:
            row.status, row.error, row.processed_at = status, (error or None) and error[:500], utcnow()
            row.locked_until = None  # locked_by stays: which process handled it
            s.add(row)


def next_offset(engine: Engine) -> int | None:
    """The getUpdates offset that confirms everything already stored."""
    with session_scope(engine) as s:
        highest = s.exec(select(func.max(IntakeUpdate.update_id))).one()
        return int(highest) + 1 if highest is not None else None


def backlog(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.exec(select(func.count()).select_from(IntakeUpdate).where(IntakeUpdate.status == "pending")).one())
