"""Deleting what the bot holds about one person, on their request (the privacy notice promises it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, or_
from sqlmodel import col, select

from bot.db.delivery_tables import IntakeUpdate, OutboxMessage
from bot.db.models import Question, User
from bot.db.repo import session_scope
from bot.db.ticket_tables import JoinRequest, ReportDraft, StaffPost, Ticket, TicketEvent, TicketMessage


@dataclass
class Forgotten:
    tickets: int
    join_requests: int
    questions: int
    updates: int
    messages: int


def forget_user(engine: Engine, *, user_id: int) -> Forgotten:
    """Delete the user's reports (with their threads and history), join requests, drafts, questions,
    stored updates and queued messages, and the user row, in one transaction."""
    with session_scope(engine) as s:
        ticket_ids = list(s.exec(select(Ticket.id).where(Ticket.user_id == user_id)).all())
        for table in (TicketMessage, TicketEvent, StaffPost):
            s.execute(delete(table).where(col(table.ticket_id).in_(ticket_ids)))
        messages = s.execute(
            delete(OutboxMessage).where(
                or_(col(OutboxMessage.chat_id) == user_id, col(OutboxMessage.ticket_id).in_(ticket_ids))
            )
        ).rowcount  # type: ignore[attr-defined]
        tickets = s.execute(delete(Ticket).where(col(Ticket.user_id) == user_id)).rowcount  # type: ignore[attr-defined]
        joins = s.execute(delete(JoinRequest).where(col(JoinRequest.user_id) == user_id)).rowcount  # type: ignore[attr-defined]
        s.execute(delete(ReportDraft).where(col(ReportDraft.user_id) == user_id))
        questions = s.execute(delete(Question).where(col(Question.user_id) == user_id)).rowcount  # type: ignore[attr-defined]
        updates = s.execute(delete(IntakeUpdate).where(col(IntakeUpdate.chat_id) == user_id)).rowcount  # type: ignore[attr-defined]
        s.execute(delete(User).where(col(User.id) == user_id))
        return Forgotten(tickets, joins, questions, updates, messages)


def prune(engine: Engine, *, older_than: datetime) -> tuple[int, int]:
    """Delete processed raw updates and delivered messages older than a date (retention).

    Tickets, their threads and history stay: they are the federation's case records.
    """
    with session_scope(engine) as s:
        updates = s.execute(
            delete(IntakeUpdate).where(
                col(IntakeUpdate.status) != "pending", col(IntakeUpdate.received_at) < older_than
            )
        ).rowcount  # type: ignore[attr-defined]
        messages = s.execute(
            delete(OutboxMessage).where(
                col(OutboxMessage.status) != "pending", col(OutboxMessage.created_at) < older_than
            )
        ).rowcount  # type: ignore[attr-defined]
        return int(updates), int(messages)
