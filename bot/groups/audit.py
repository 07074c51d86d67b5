"""The audit log: every action by every person through any channel, appended in the action's
own transaction (so an action and its record never part)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from bot.db.models import AuditEntry, utcnow
from bot.groups.access import Actor


def record(
    s: Session,
    actor: Actor,
    action: str,
    *,
    ticket_id: int | None = None,
    join_request_id: int | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> int:
    """Append one entry; returns its id (a natural key for the notices the action causes)."""
    entry = AuditEntry(
        channel=actor.channel,
        actor_id=actor.id,
        actor_name=actor.name[:128] or None,
        action=action,
        ticket_id=ticket_id,
        join_request_id=join_request_id,
        detail=(detail or None) and detail[:500],
        created_at=now or utcnow(),
    )
    s.add(entry)
    s.flush()
    assert entry.id is not None
    return entry.id


def entries(
    s: Session,
    *,
    channel: str | None = None,
    action: str | None = None,
    actor_id: int | None = None,
    actor_name: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> Sequence[AuditEntry]:
    stmt = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if channel:
        stmt = stmt.where(AuditEntry.channel == channel)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if actor_name:
        stmt = stmt.where(col(AuditEntry.actor_name).contains(actor_name, autoescape=True))
    if since is not None:
        stmt = stmt.where(col(AuditEntry.created_at) >= since)
    if until is not None:
        stmt = stmt.where(col(AuditEntry.created_at) < until)
    return s.exec(stmt).all()
