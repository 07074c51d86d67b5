"""Stored conversation state: one row per person and kind (``report``, ``join``, ``find``).

Each feature declares its steps in its own ``conversation.py`` (pure); this module only loads
and saves where a person is, so a restart or another process continues the conversation.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, delete, select

from bot.db.models import Conversation, utcnow


@dataclass
class State:
    """Where one person is in one conversation; ``data`` is the conversation's own JSON."""

    user_id: int
    kind: str
    chat_id: int
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    nonce: str = field(default_factory=lambda: secrets.token_hex(8))
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


def load_all(s: Session, *, user_id: int) -> dict[str, State]:
    """Every conversation the person is in, by kind (one query per update)."""
    rows = s.exec(_ALL, params={"user_id": user_id}).all()
    return {row.kind: _state(row) for row in rows}


_ALL = select(Conversation).where(Conversation.user_id == bindparam("user_id"))  # built once: read on every update


def get(s: Session, *, user_id: int, kind: str) -> State | None:
    row = s.get(Conversation, (user_id, kind))
    return _state(row) if row is not None else None


def save(s: Session, state: State, *, now: datetime | None = None) -> None:
    state.updated_at = now or utcnow()
    row = s.get(Conversation, (state.user_id, state.kind))
    if row is None:
        row = Conversation(
            user_id=state.user_id,
            kind=state.kind,
            chat_id=state.chat_id,
            step=state.step,
            nonce=state.nonce,
            created_at=state.created_at,
        )
    row.chat_id, row.step, row.nonce, row.updated_at = state.chat_id, state.step, state.nonce, state.updated_at
    row.data = json.dumps(state.data, ensure_ascii=False)
    s.add(row)


def drop(s: Session, *, user_id: int, kind: str) -> bool:
    result = s.execute(delete(Conversation).where(col(Conversation.user_id) == user_id, col(Conversation.kind) == kind))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _state(row: Conversation) -> State:
    data = json.loads(row.data or "{}")
    return State(
        row.user_id,
        row.kind,
        row.chat_id,
        row.step,
        data if isinstance(data, dict) else {},
        row.nonce,
        row.created_at,
        row.updated_at,
    )
