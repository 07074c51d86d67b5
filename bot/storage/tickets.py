"""Ticket repository: filing (idempotent), actions with their history, the thread, escalation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.tickets import OPEN, UNCLAIMED, Status
from bot.storage.models import utcnow
from bot.storage.repo import session_scope
from bot.storage.ticket_tables import ReportDraft, StaffPost, Ticket, TicketEvent, TicketMessage


def _event(s: Session, ticket_id: int, action: str, actor_id: int | None, detail: str | None, now: datetime) -> int:
    event = TicketEvent(ticket_id=ticket_id, actor_id=actor_id, action=action, detail=(detail or None) and detail[:500],
                        created_at=now)  # fmt: skip
    s.add(event)
    s.flush()
    assert event.id is not None
    return event.id


def file_ticket(
    engine: Engine,
    *,
    draft: ReportDraft,
    user_name: str | None,
    escalate_at: datetime,
    now: datetime | None = None,
) -> tuple[Ticket, bool]:
    """Turn a finished draft into a ticket exactly once. Returns (ticket, created now?)."""
    now = now or utcnow()
    nonce = f"{draft.user_id}:{draft.nonce}"
    existing = by_nonce(engine, nonce=nonce)
    if existing is not None:
        return existing, False
    assert draft.queue_id and draft.category and draft.description and draft.place
    try:
        with session_scope(engine) as s:
            ticket = Ticket(
                nonce=nonce, user_id=draft.user_id, chat_id=draft.chat_id, user_name=user_name,
                share_identity=draft.share_identity, queue_id=draft.queue_id, place=draft.place,
                category=draft.category, description=draft.description, attachments=draft.attachments,
                contact=draft.contact,
                language=draft.language, status=Status.NEW, escalate_at=escalate_at, created_at=now, updated_at=now,
            )  # fmt: skip
            s.add(ticket)
            s.flush()
            assert ticket.id is not None
            s.add(TicketMessage(ticket_id=ticket.id, direction="in", author_id=draft.user_id, author_name=user_name,
                                text=draft.description, attachments=draft.attachments, created_at=now))  # fmt: skip
            _event(s, ticket.id, "filed", draft.user_id, f"queue={draft.queue_id} category={draft.category}", now)
            stale = s.get(ReportDraft, draft.user_id)
            if stale is not None and stale.nonce == draft.nonce:
                s.delete(stale)
        return ticket, True
    except IntegrityError:
        again = by_nonce(engine, nonce=nonce)
        assert again is not None
        return again, False


def by_nonce(engine: Engine, *, nonce: str) -> Ticket | None:
    with session_scope(engine) as s:
        return s.exec(select(Ticket).where(Ticket.nonce == nonce)).first()


def get(engine: Engine, *, ticket_id: int) -> Ticket | None:
    with session_scope(engine) as s:
        return s.get(Ticket, ticket_id)


def for_user(engine: Engine, *, user_id: int) -> Sequence[Ticket]:
    with session_scope(engine) as s:
        return s.exec(select(Ticket).where(Ticket.user_id == user_id).order_by(col(Ticket.id).desc())).all()


def open_in_queue(engine: Engine, *, queue_id: str) -> Sequence[Ticket]:
    with session_scope(engine) as s:
        stmt = select(Ticket).where(Ticket.queue_id == queue_id, col(Ticket.status).in_([str(x) for x in OPEN]))
        return s.exec(stmt.order_by(col(Ticket.id))).all()


def listing(engine: Engine, *, queue_id: str | None = None, status: str | None = None) -> Sequence[Ticket]:
    with session_scope(engine) as s:
        stmt = select(Ticket).order_by(col(Ticket.id))
        if queue_id:
            stmt = stmt.where(Ticket.queue_id == queue_id)
        if status:
            stmt = stmt.where(Ticket.status == status)
        return s.exec(stmt).all()


def change(
    engine: Engine,
    *,
    ticket_id: int,
    action: str,
    actor_id: int | None,
    status: Status | None = None,
    detail: str | None = None,
    claimed_by: tuple[int | None, str | None] | None = None,
    queue_id: str | None = None,
    escalate_at: datetime | bool | None = False,
    rating: int | None = None,
    now: datetime | None = None,
) -> tuple[Ticket, int]:
    """Apply one change to a ticket and append it to the history, in one transaction.

    Returns the ticket as changed and the id of the history event (a natural dedupe key).
    """
    now = now or utcnow()
    with session_scope(engine) as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and ticket.id is not None
        if status is not None:
            ticket.status = status
        if claimed_by is not None:
            ticket.claimed_by, ticket.claimed_by_name = claimed_by
        if queue_id is not None:
            ticket.queue_id = queue_id
        if escalate_at is not False:
            ticket.escalate_at = escalate_at if isinstance(escalate_at, datetime) else None
        if rating is not None:
            ticket.rating = rating
        ticket.updated_at = now
        s.add(ticket)
        return ticket, _event(s, ticket.id, action, actor_id, detail, now)


def add_message(
    engine: Engine, *, ticket_id: int, direction: str, author_id: int | None, author_name: str | None, text: str,
    attachments: list[dict[str, str]] | None = None, now: datetime | None = None,
) -> int:  # fmt: skip
    with session_scope(engine) as s:
        row = TicketMessage(ticket_id=ticket_id, direction=direction, author_id=author_id, author_name=author_name,
                            text=text, attachments=json.dumps(attachments or [], ensure_ascii=False),
                            created_at=now or utcnow())  # fmt: skip
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


def thread(engine: Engine, *, ticket_id: int) -> Sequence[TicketMessage]:
    with session_scope(engine) as s:
        return s.exec(
            select(TicketMessage).where(TicketMessage.ticket_id == ticket_id).order_by(col(TicketMessage.id))
        ).all()


def history(engine: Engine, *, ticket_id: int) -> Sequence[TicketEvent]:
    with session_scope(engine) as s:
        return s.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(col(TicketEvent.id))).all()


def waiting_for_user(engine: Engine, *, user_id: int) -> Ticket | None:
    """The user's most recent open ticket that staff are talking about (their messages join it)."""
    with session_scope(engine) as s:
        stmt = select(Ticket).where(Ticket.user_id == user_id, Ticket.status == Status.WAITING)
        return s.exec(stmt.order_by(col(Ticket.updated_at).desc())).first()


def overdue(engine: Engine, *, now: datetime) -> Sequence[Ticket]:
    with session_scope(engine) as s:
        stmt = select(Ticket).where(col(Ticket.status).in_([str(x) for x in UNCLAIMED]), col(Ticket.escalate_at) <= now)
        return s.exec(stmt.order_by(col(Ticket.id))).all()


def ticket_for_post(engine: Engine, *, chat_id: int, message_id: int) -> int | None:
    with session_scope(engine) as s:
        post = s.exec(select(StaffPost).where(StaffPost.chat_id == chat_id, StaffPost.message_id == message_id)).first()
        return post.ticket_id if post else None
