"""Report drafts and staff group bindings."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import select

from bot.db.models import User, utcnow
from bot.db.repo import session_scope
from bot.db.ticket_tables import Binding, ReportDraft


def get_draft(engine: Engine, *, user_id: int) -> ReportDraft | None:
    with session_scope(engine) as s:
        return s.get(ReportDraft, user_id)


def start_draft(engine: Engine, *, user_id: int, chat_id: int, language: str, step: str) -> ReportDraft:
    """Begin a new report (replacing any unfinished one)."""
    with session_scope(engine) as s:
        old = s.get(ReportDraft, user_id)
        if old is not None:
            s.delete(old)
            s.flush()
        draft = ReportDraft(user_id=user_id, chat_id=chat_id, nonce=secrets.token_hex(8), step=step, language=language)
        s.add(draft)
        return draft


def save_draft(engine: Engine, *, draft: ReportDraft, now: datetime | None = None) -> None:
    draft.updated_at = now or utcnow()
    with session_scope(engine) as s:
        s.merge(draft)


def delete_draft(engine: Engine, *, user_id: int) -> bool:
    with session_scope(engine) as s:
        draft = s.get(ReportDraft, user_id)
        if draft is None:
            return False
        s.delete(draft)
        return True


def acknowledge_privacy(engine: Engine, *, user_id: int, now: datetime | None = None) -> None:
    with session_scope(engine) as s:
        user = s.get(User, user_id) or User(id=user_id)
        user.privacy_ack_at = now or utcnow()
        s.add(user)


def bind(engine: Engine, *, queue_id: str, chat_id: int, bound_by: int) -> None:
    """Bind a group to a queue; the group's previous queue and the queue's previous group are released."""
    with session_scope(engine) as s:
        for old in s.exec(select(Binding).where((Binding.chat_id == chat_id) | (Binding.queue_id == queue_id))).all():
            s.delete(old)
        s.flush()
        s.add(Binding(queue_id=queue_id, chat_id=chat_id, bound_by=bound_by))


def unbind(engine: Engine, *, chat_id: int) -> str | None:
    with session_scope(engine) as s:
        binding = s.exec(select(Binding).where(Binding.chat_id == chat_id)).first()
        if binding is None:
            return None
        s.delete(binding)
        return binding.queue_id


def chat_of_queue(engine: Engine, *, queue_id: str) -> int | None:
    with session_scope(engine) as s:
        binding = s.get(Binding, queue_id)
        return binding.chat_id if binding else None


def queue_of_chat(engine: Engine, *, chat_id: int) -> str | None:
    with session_scope(engine) as s:
        binding = s.exec(select(Binding).where(Binding.chat_id == chat_id)).first()
        return binding.queue_id if binding else None
