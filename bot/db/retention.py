"""Retention: processed raw updates and delivered messages hold people's words; they go after a while.
Tickets, their threads and history stay: they are the federation's case records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col

from bot.db.models import IntakeUpdate, OutboxMessage


def prune(s: Session, *, older_than: datetime) -> tuple[int, int]:
    """Delete processed raw updates and delivered (or refused) messages older than a date."""
    updates = s.execute(
        delete(IntakeUpdate).where(col(IntakeUpdate.status) != "pending", col(IntakeUpdate.received_at) < older_than)
    ).rowcount  # type: ignore[attr-defined]
    messages = s.execute(
        delete(OutboxMessage).where(col(OutboxMessage.status) != "pending", col(OutboxMessage.created_at) < older_than)
    ).rowcount  # type: ignore[attr-defined]
    return int(updates or 0), int(messages or 0)
