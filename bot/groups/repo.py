"""Bindings of Telegram groups to queues (``/bind``), and which group is responsible for a queue."""

from __future__ import annotations

from sqlmodel import Session, col, delete, select

from bot.db.models import Binding
from bot.reports.federation import Federation


def bind(s: Session, *, queue_id: str, chat_id: int, bound_by: int | None) -> None:
    """Bind a group to a queue; the group's previous queue and the queue's previous group are released."""
    s.execute(delete(Binding).where((col(Binding.chat_id) == chat_id) | (col(Binding.queue_id) == queue_id)))
    s.flush()
    s.add(Binding(queue_id=queue_id, chat_id=chat_id, bound_by=bound_by))


def unbind(s: Session, *, chat_id: int) -> str | None:
    binding = s.exec(select(Binding).where(Binding.chat_id == chat_id)).first()
    if binding is None:
        return None
    s.delete(binding)
    return binding.queue_id


def chat_of_queue(s: Session, *, queue_id: str) -> int | None:
    binding = s.get(Binding, queue_id)
    return binding.chat_id if binding else None


def queue_of_chat(s: Session, *, chat_id: int) -> str | None:
    binding = s.exec(select(Binding).where(Binding.chat_id == chat_id)).first()
    return binding.queue_id if binding else None


def responsible_chat(s: Session, federation: Federation, queue_id: str) -> tuple[int, str] | None:
    """The staff group that works a queue: its own, or else the nearest ancestor's (chat, queue)."""
    for current in federation.ancestry(queue_id):
        chat_id = chat_of_queue(s, queue_id=current)
        if chat_id is not None:
            return chat_id, current
    return None
