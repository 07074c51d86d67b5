"""The ``users`` table: who has talked to the bot, in which language, whether they blocked it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.db.models import User, utcnow


@dataclass(frozen=True, slots=True)
class Seen:
    """The person as the update found them: their chosen language and their Telegram app's."""

    id: int
    language: str | None
    telegram_language: str | None


def touch(s: Session, *, user_id: int, telegram_language: str | None, now: datetime | None = None) -> Seen:
    """Create the user on first contact or refresh last_seen; a returning user is no longer blocked.

    One statement (an upsert), on every update: rows that refer to the user (questions) may follow
    in this transaction.
    """
    now = now or utcnow()
    params = {"user_id": user_id, "seen_language": telegram_language or None, "at": now}
    language, stored = s.connection().execute(_touch(s.get_bind().dialect.name), params).one()
    return Seen(user_id, language, stored)


@cache
def _touch(dialect: str) -> Any:
    table = User.__table__  # type: ignore[attr-defined]
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(
        id=bindparam("user_id"),
        telegram_language=bindparam("seen_language"),
        first_seen=bindparam("at"),
        last_seen=bindparam("at"),
    )
    return insert.on_conflict_do_update(
        index_elements=["id"],
        set_={
            "last_seen": insert.excluded.last_seen,
            "blocked_at": None,
            "telegram_language": func.coalesce(insert.excluded.telegram_language, table.c.telegram_language),
        },
    ).returning(table.c.language, table.c.telegram_language)


def get(s: Session, *, user_id: int) -> User | None:
    return s.get(User, user_id)


def set_language(s: Session, *, user_id: int, language: str) -> None:
    user = s.get(User, user_id) or User(id=user_id)
    user.language = language
    s.add(user)


def mark_blocked(s: Session, *, user_id: int, now: datetime | None = None) -> None:
    """Remember that the user blocked the bot (Telegram answered 403)."""
    user = s.get(User, user_id)
    if user is not None:
        user.blocked_at = now or utcnow()
        s.add(user)


def acknowledge_privacy(s: Session, *, user_id: int, now: datetime | None = None) -> None:
    user = s.get(User, user_id) or User(id=user_id)
    user.privacy_ack_at = now or utcnow()
    s.add(user)
