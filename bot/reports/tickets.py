"""Ticket repository: filing (idempotent), actions with their history, the thread, escalation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db.models import utcnow
from bot.db.repo import session_scope
from bot.db.ticket_tables import ReportDraft, StaffPost, Ticket, TicketEvent, TicketMessage
from bot.reports.rules import OPEN, UNCLAIMED, Status


def _event(
    s: Session, ticket_id: int, action: str, actor_id: int | None, detail: str | None, now: datetime,
    source: int | None = None,
) -> int:  # fmt: skip
    event = TicketEvent(ticket_id=ticket_id, actor_id=actor_id, action=action, detail=(detail or None) and detail[:500],
                        created_at=now, source_update=source)  # fmt: skip
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


def listing(
    engine: Engine, *, queue_id: str | None = None, status: str | None = None, open_only: bool = False
) -> Sequence[Ticket]:
    with session_scope(engine) as s:
        stmt = select(Ticket).order_by(col(Ticket.id))
        if open_only:
            stmt = stmt.where(col(Ticket.status).in_([str(x) for x in OPEN]))
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
    source: int | None = None,
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
        return ticket, _event(s, ticket.id, action, actor_id, detail, now, source)


def escalate(
    engine: Engine, *, ticket: Ticket, to_queue: str, deadline: datetime, now: datetime
) -> tuple[Ticket, int] | None:
    """Move an overdue ticket up, exactly once even when several processes run the job.

    The update only applies if the ticket is still where and as it was read (compare-and-set);
    the loser gets None and sends nothing.
    """
    assert ticket.id is not None
    with session_scope(engine) as s:
        result = s.execute(
            update(Ticket)
            .where(
                col(Ticket.id) == ticket.id,
                col(Ticket.queue_id) == ticket.queue_id,
                col(Ticket.escalate_at) == ticket.escalate_at,
                col(Ticket.status).in_([str(x) for x in UNCLAIMED]),
            )
            .values(queue_id=to_queue, escalate_at=deadline, updated_at=now)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        event = _event(s, ticket.id, "escalate", None, f"{ticket.queue_id} -> {to_queue}", now)
        fresh = s.get(Ticket, ticket.id)
        assert fresh is not None
        s.refresh(fresh)
        return fresh, event


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


CONVERSATION = timedelta(minutes=15)


def waiting_for_user(engine: Engine, *, user_id: int, now: datetime | None = None) -> Ticket | None:
    """The open ticket a user's message belongs to, if they are in a conversation with staff.

    That is a ticket waiting for them, or one where staff have written and the user answered
    less than 15 minutes ago (so a second and third message join the first).
    """
    now = now or utcnow()
    with session_scope(engine) as s:
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
            select(TicketMessage.id).where(
                TicketMessage.ticket_id == recent.ticket_id, TicketMessage.direction == "out"
            )
        ).first()
        return s.get(Ticket, recent.ticket_id) if staff_wrote is not None else None


def overdue(engine: Engine, *, now: datetime) -> Sequence[Ticket]:
    with session_scope(engine) as s:
        stmt = select(Ticket).where(col(Ticket.status).in_([str(x) for x in UNCLAIMED]), col(Ticket.escalate_at) <= now)
        return s.exec(stmt.order_by(col(Ticket.id))).all()


def handled(engine: Engine, *, source: int | None) -> bool:
    """Whether a Telegram update already changed a ticket (it is being replayed after a crash)."""
    if source is None:
        return False
    with session_scope(engine) as s:
        return s.exec(select(TicketEvent.id).where(TicketEvent.source_update == source)).first() is not None


def ticket_for_post(engine: Engine, *, chat_id: int, message_id: int) -> int | None:
    with session_scope(engine) as s:
        post = s.exec(select(StaffPost).where(StaffPost.chat_id == chat_id, StaffPost.message_id == message_id)).first()
        return post.ticket_id if post else None
