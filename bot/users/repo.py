"""The ``users`` table: who has talked to the bot, in which language, whether they blocked it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.db.models import User, utcnow


def touch(s: Session, *, user_id: int, telegram_language: str | None, now: datetime | None = None) -> User:
    """Create the user on first contact or refresh last_seen; a returning user is no longer blocked."""
    now = now or utcnow()
    user = s.get(User, user_id)
    if user is None:
        user = User(id=user_id, telegram_language=telegram_language, first_seen=now, last_seen=now)
    else:
        user.last_seen = now
        user.blocked_at = None
        if telegram_language:
            user.telegram_language = telegram_language
    s.add(user)
    s.flush()  # rows that refer to the user (questions) may follow in this transaction
    return user


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
