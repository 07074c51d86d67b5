"""People: their language, and forgetting them on request."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from bot.db.models import (
    AuditEntry,
    Conversation,
    IntakeUpdate,
    JoinRequest,
    OutboxMessage,
    Question,
    StaffPost,
    Ticket,
    TicketMessage,
    User,
)
from bot.groups import audit
from bot.groups.access import Actor
from bot.runtime import Env
from bot.users import repo


def choose_language(s: Session, env: Env, actor: Actor, language: str) -> None:
    assert actor.id is not None
    repo.set_language(s, user_id=actor.id, language=language)


def blocked(s: Session, env: Env, user_id: int) -> None:
    """Telegram said the person blocked the bot."""
    repo.mark_blocked(s, user_id=user_id, now=env.now)


@dataclass
class Forgotten:
    tickets: int
    join_requests: int
    questions: int
    updates: int
    messages: int
    file_ids: tuple[str, ...] = ()  # Telegram files of their attachments: a cache of them goes too


def _file_ids(*attachment_lists: str) -> tuple[str, ...]:
    found: list[str] = []
    for raw in attachment_lists:
        try:
            items = json.loads(raw or "[]")
        except ValueError:
            continue
        found += [str(a["file_id"]) for a in items if isinstance(a, dict) and a.get("file_id")]
    return tuple(dict.fromkeys(found))


def forget(s: Session, env: Env, actor: Actor, user_id: int) -> Forgotten:
    """Delete everything held about one person, as the privacy notice promises: their reports (with
    threads and history), join requests, conversations, questions, stored updates, queued or sent
    messages that carry their words, their name in the audit log, and their user row."""
    ticket_ids = [i for i in s.exec(select(Ticket.id).where(Ticket.user_id == user_id)).all() if i is not None]
    request_ids = [i for i in s.exec(select(JoinRequest.id).where(JoinRequest.user_id == user_id)).all() if i]
    file_ids = _file_ids(
        *s.exec(select(Ticket.attachments).where(col(Ticket.id).in_(ticket_ids))).all(),
        *s.exec(select(TicketMessage.attachments).where(col(TicketMessage.ticket_id).in_(ticket_ids))).all(),
    )
    s.execute(delete(TicketMessage).where(col(TicketMessage.ticket_id).in_(ticket_ids)))
    s.execute(delete(StaffPost).where(col(StaffPost.ticket_id).in_(ticket_ids)))
    s.execute(
        delete(AuditEntry).where(
            or_(col(AuditEntry.ticket_id).in_(ticket_ids), col(AuditEntry.join_request_id).in_(request_ids))
        )
    )
    s.execute(update(AuditEntry).where(col(AuditEntry.actor_id) == user_id).values(actor_name=None))
    about_requests = [col(OutboxMessage.dedupe_key).startswith(f"join:{i}:") for i in request_ids]
    messages = _count(
        s.execute(
            delete(OutboxMessage).where(
                or_(
                    col(OutboxMessage.chat_id) == user_id,
                    col(OutboxMessage.ticket_id).in_(ticket_ids),
                    *about_requests,
                )
            )
        )
    )
    tickets = _count(s.execute(delete(Ticket).where(col(Ticket.id).in_(ticket_ids))))
    requests = _count(s.execute(delete(JoinRequest).where(col(JoinRequest.id).in_(request_ids))))
    s.execute(delete(Conversation).where(col(Conversation.user_id) == user_id))
    questions = _count(s.execute(delete(Question).where(col(Question.user_id) == user_id)))
    updates = _count(
        s.execute(
            delete(IntakeUpdate).where(
                or_(
                    col(IntakeUpdate.chat_id) == user_id,
                    col(IntakeUpdate.payload).contains(f'"from": {{"id": {user_id},'),
                    col(IntakeUpdate.payload).contains(f'"from":{{"id":{user_id},'),
                )
            )
        )
    )
    s.execute(delete(User).where(col(User.id) == user_id))
    audit.record(s, actor, "forget_user", detail=f"{tickets} reports, {requests} join requests", now=env.now)
    return Forgotten(tickets, requests, questions, updates, messages, file_ids)


def _count(result: Any) -> int:
    return int(result.rowcount or 0)


def cancel(s: Session, env: Env, actor: Actor) -> bool:
    """/cancel: drop whatever the person was writing or waiting for (report, join form, /find)."""
    assert actor.id is not None
    return bool(s.execute(delete(Conversation).where(col(Conversation.user_id) == actor.id)).rowcount)  # type: ignore[attr-defined]
