"""Tickets: filing (idempotent), changes, the thread, lookups. Keyword-only functions on a Session."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_
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
    less than 15 minutes ago (so a second and third message join the first). Every message in a
    private chat asks this: one query when the person has no open ticket (nearly always).
    """
    mine = s.exec(_OPEN_TICKETS, params={"user_id": user_id}).all()
    if not mine:
        return None
    waiting = next((ticket for ticket in mine if ticket.status == Status.WAITING), None)
    if waiting is not None:
        return waiting
    by_id = {ticket.id: ticket for ticket in mine}
    recent = s.exec(
        select(TicketMessage)
        .where(
            col(TicketMessage.ticket_id).in_(list(by_id)),
            TicketMessage.direction == "in",
            col(TicketMessage.created_at) > (now or utcnow()) - CONVERSATION,
        )
        .order_by(col(TicketMessage.id).desc())
    ).first()
    if recent is None:
        return None
    staff_wrote = s.exec(
        select(TicketMessage.id).where(TicketMessage.ticket_id == recent.ticket_id, TicketMessage.direction == "out")
    ).first()
    return by_id[recent.ticket_id] if staff_wrote is not None else None


# Built once (asked on every private message): the person's open tickets, newest change first.
_OPEN_TICKETS = (
    select(Ticket)
    .where(Ticket.user_id == bindparam("user_id"), col(Ticket.status).in_(sorted(str(x) for x in OPEN)))
    .order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc())
)


def overdue(s: Session, *, now: datetime) -> Sequence[int]:
    stmt = select(Ticket.id).where(col(Ticket.status).in_([str(x) for x in UNCLAIMED]), col(Ticket.escalate_at) <= now)
    return [i for i in s.exec(stmt.order_by(col(Ticket.id))).all() if i is not None]


def ticket_for_post(s: Session, *, chat_id: int, message_id: int) -> int | None:
    post = s.exec(select(StaffPost).where(StaffPost.chat_id == chat_id, StaffPost.message_id == message_id)).first()
    return post.ticket_id if post else None


# -- facts for scorecards and exports (bot/reports/scorecard.py, export.py) ------------------

FACT_ACTIONS = ("filed", "transfer", "escalate", "sla_missed", "resolve", "rate")


@dataclass(frozen=True)
class TicketFacts:
    """What the statistics need of one ticket: no text, no contact, no Telegram id."""

    id: int
    queue_id: str  # where it is now
    category: str
    place: str
    status: str
    claimed_by_name: str | None
    rating: int | None
    created_at: datetime
    updated_at: datetime
    first_reply: datetime | None  # the first staff message in its thread (direction "out")
    events: tuple[tuple[datetime, str, str | None], ...]  # (when, action, detail) in the order they happened


def ticket_facts(
    s: Session,
    *,
    active_since: datetime | None = None,
    filed_before: datetime | None = None,
    filed_from: datetime | None = None,
    queues: Sequence[str] | None = None,
) -> list[TicketFacts]:
    """Tickets with their history, for statistics.

    ``active_since``: only tickets still open or changed since then (what a period can see);
    ``filed_from`` / ``filed_before``: filed in that range; ``queues``: only tickets now in those queues.
    """
    stmt = select(Ticket).order_by(col(Ticket.id))
    if active_since is not None:
        stmt = stmt.where(or_(col(Ticket.status).in_([str(x) for x in OPEN]), col(Ticket.updated_at) >= active_since))
    if filed_before is not None:
        stmt = stmt.where(col(Ticket.created_at) < filed_before)
    if filed_from is not None:
        stmt = stmt.where(col(Ticket.created_at) >= filed_from)
    if queues is not None:
        stmt = stmt.where(col(Ticket.queue_id).in_(list(queues)))
    rows = s.exec(stmt).all()
    ids = [t.id for t in rows if t.id is not None]
    events: dict[int, list[tuple[datetime, str, str | None]]] = {}
    replies: dict[int, datetime] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        audit = s.exec(
            select(AuditEntry)
            .where(col(AuditEntry.ticket_id).in_(chunk), col(AuditEntry.action).in_(FACT_ACTIONS))
            .order_by(col(AuditEntry.id))
        ).all()
        for e in audit:
            assert e.ticket_id is not None
            events.setdefault(e.ticket_id, []).append((e.created_at, e.action, e.detail))
        first = s.exec(
            select(TicketMessage.ticket_id, func.min(TicketMessage.created_at))
            .where(col(TicketMessage.ticket_id).in_(chunk), TicketMessage.direction == "out")
            .group_by(col(TicketMessage.ticket_id))
        ).all()
        for ticket_id, at in first:
            if at is not None:  # min() keeps the column's type: an aware UTC datetime
                replies[ticket_id] = at
    return [
        TicketFacts(
            id=t.id,
            queue_id=t.queue_id,
            category=t.category,
            place=t.place,
            status=t.status,
            claimed_by_name=t.claimed_by_name,
            rating=t.rating,
            created_at=t.created_at,
            updated_at=t.updated_at,
            first_reply=replies.get(t.id),
            events=tuple(events.get(t.id, ())),
        )
        for t in rows
        if t.id is not None
    ]
