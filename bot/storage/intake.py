"""Durable intake: raw updates are stored (unique ``update_id``) before Telegram is told we have them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.storage.delivery_tables import IntakeUpdate
from bot.storage.models import utcnow
from bot.storage.repo import session_scope

MAX_ATTEMPTS = 3


def store(engine: Engine, *, update_id: int, payload: str, now: datetime | None = None) -> bool:
    """Store one raw update; False if it was already stored (Telegram delivered it twice)."""
    try:
        with session_scope(engine) as s:
            if s.get(IntakeUpdate, update_id) is not None:
                return False
            s.add(IntakeUpdate(update_id=update_id, payload=payload, received_at=now or utcnow()))
        return True
    except IntegrityError:
        return False


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
            s.add(row)


def next_offset(engine: Engine) -> int | None:
    """The getUpdates offset that confirms everything already stored."""
    with session_scope(engine) as s:
        highest = s.exec(select(func.max(IntakeUpdate.update_id))).one()
        return int(highest) + 1 if highest is not None else None


def backlog(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.exec(select(func.count()).select_from(IntakeUpdate).where(IntakeUpdate.status == "pending")).one())
