"""Tickets: filing (idempotent), changes, the thread, lookups. Keyword-only functions on a Session."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.db.models import AuditEntry, StaffPost, Ticket, TicketMessage, utcnow
from bot.db.uow import locked
from bot.reports.rules import OPEN, UNCLAIMED, Status


def by_nonce(s: Session, *, nonce: str) -> Ticket | None:
    return s.exec(select(Ticket).where(Ticket.nonce == nonce)).first()


def get(s: Session, *, ticket_id: int) -> Ticket | None:
    return s.get(Ticket, ticket_id)


def lock(s: Session, *, ticket_id: int) -> Ticket | None:
    """The ticket, locked for this transaction (a concurrent action on it waits for ours)."""
    return locked(s, Ticket, ticket_id)


def create(s: Session, ticket: Ticket) -> Ticket:
    s.add(ticket)
    s.flush()
    assert ticket.id is not None
    return ticket


def for_user(s: Session, *, user_id: int) -> Sequence[Ticket]:
    return s.exec(select(Ticket).where(Ticket.user_id == user_id).order_by(col(Ticket.id).desc())).all()


def listing(
    s: Session, *, queue_id: str | None = None, status: str | None = None, open_only: bool = False
) -> Sequence[Ticket]:
    stmt = select(Ticket).order_by(col(Ticket.id))
    if open_only:
        stmt = stmt.where(col(Ticket.status).in_([str(x) for x in OPEN]))
    if queue_id:
        stmt = stmt.where(Ticket.queue_id == queue_id)
    if status:
        stmt = stmt.where(Ticket.status == status)
    return s.exec(stmt).all()


def add_message(
    s: Session,
    *,
    ticket_id: int,
    direction: str,
    author_id: int | None,
    author_name: str | None,
    text: str,
    attachments: list[dict[str, str]] | None = None,
    now: datetime | None = None,
) -> int:
    row = TicketMessage(
        ticket_id=ticket_id,
        direction=direction,
        author_id=author_id,
        author_name=author_name,
        text=text,
        attachments=json.dumps(attachments or [], ensure_ascii=False),
        created_at=now or utcnow(),
    )
    s.add(row)
    s.flush()
    assert row.id is not None
    return row.id


def thread(s: Session, *, ticket_id: int) -> Sequence[TicketMessage]:
    stmt = select(TicketMessage).where(TicketMessage.ticket_id == ticket_id).order_by(col(TicketMessage.id))
    return s.exec(stmt).all()


def history(s: Session, *, ticket_id: int) -> Sequence[AuditEntry]:
    return s.exec(select(AuditEntry).where(AuditEntry.ticket_id == ticket_id).order_by(col(AuditEntry.id))).all()


CONVERSATION = timedelta(minutes=15)


def waiting_for_user(s: Session, *, user_id: int, now: datetime | None = None) -> Ticket | None:
    """The open ticket a user's message belongs to, if they are in a conversation with staff.

    That is a ticket waiting for them, or one where staff have written and the user answered
    less than 15 minutes ago (so a second and third message join the first).
    """
    now = now or utcnow()
    stmt = select(Ticket).where(Ticket.user_id == user_id, Ticket.status == Status.WAITING)
    waiting = s.exec(stmt.order_by(col(Ticket.updated_at).desc())).first()
    if waiting is not None:
        return waiting
    recent = s.exec(
        select(TicketMessage)
        .join(Ticket, col(Ticket.id) == col(TicketMessage.ticket_id))
        .where(
            Ticket.user_id == user_id,
            col(Ticket.status).in_([str(x) for x in OPEN]),
            TicketMessage.direction == "in",
            col(TicketMessage.created_at) > now - CONVERSATION,
        )
        .order_by(col(TicketMessage.id).desc())
    ).first()
    if recent is None:
        return None
    staff_wrote = s.exec(
        select(TicketMessage.id).where(TicketMessage.ticket_id == recent.ticket_id, TicketMessage.direction == "out")
    ).first()
    return s.get(Ticket, recent.ticket_id) if staff_wrote is not None else None


def overdue(s: Session, *, now: datetime) -> Sequence[int]:
    stmt = select(Ticket.id).where(col(Ticket.status).in_([str(x) for x in UNCLAIMED]), col(Ticket.escalate_at) <= now)
    return [i for i in s.exec(stmt.order_by(col(Ticket.id))).all() if i is not None]


def ticket_for_post(s: Session, *, chat_id: int, message_id: int) -> int | None:
    post = s.exec(select(StaffPost).where(StaffPost.chat_id == chat_id, StaffPost.message_id == message_id)).first()
    return post.ticket_id if post else None
