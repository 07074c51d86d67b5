"""Repositories: small keyword-only functions over a session factory, one transaction each."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select

from bot.core.matcher import MatchResult
from bot.storage.models import Question, User, utcnow


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def touch_user(engine: Engine, *, user_id: int, telegram_language: str | None, now: datetime | None = None) -> User:
    """Create the user on first contact or refresh last_seen; a returning user is no longer blocked."""
    now = now or utcnow()
    with session_scope(engine) as s:
        user = s.get(User, user_id)
        if user is None:
            user = User(id=user_id, telegram_language=telegram_language, first_seen=now, last_seen=now)
        else:
            user.last_seen = now
            user.blocked_at = None
            if telegram_language:
                user.telegram_language = telegram_language
        s.add(user)
        return user


def get_user(engine: Engine, *, user_id: int) -> User | None:
    with session_scope(engine) as s:
        return s.get(User, user_id)


def set_language(engine: Engine, *, user_id: int, language: str) -> None:
    with session_scope(engine) as s:
        user = s.get(User, user_id) or User(id=user_id)
        user.language = language
        s.add(user)


def mark_blocked(engine: Engine, *, user_id: int, now: datetime | None = None) -> None:
    """Remember that the user blocked the bot (Telegram answered 403)."""
    with session_scope(engine) as s:
        user = s.get(User, user_id)
        if user is not None:
            user.blocked_at = now or utcnow()
            s.add(user)


def log_question(
    engine: Engine,
    *,
    result: MatchResult,
    language: str,
    user_id: int | None = None,
    chat_id: int | None = None,
    source: str = "telegram",
) -> int:
    """Store a question with its outcome; returns the row id (used for feedback buttons)."""
    match = result.match
    row = Question(
        user_id=user_id,
        chat_id=chat_id,
        source=source,
        text=result.query[:1000],
        language=language,
        outcome=result.band,
        entry_id=match.id if match else None,
        score=match.score if match else None,
        suggestions=",".join(f"{s.id}:{s.score}" for s in result.suggestions)[:255] or None,
    )
    with session_scope(engine) as s:
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


def log_view(engine: Engine, *, entry_id: str, language: str, user_id: int | None, source: str = "browse") -> int:
    """Store that a user opened an answer from the menu or a suggestion."""
    row = Question(
        user_id=user_id, source=source, text=entry_id, language=language, outcome="viewed", entry_id=entry_id
    )
    with session_scope(engine) as s:
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


def record_feedback(engine: Engine, *, question_id: int, user_id: int, helpful: bool) -> str | None:
    """Store helpful/not helpful on the user's own question row.

    Returns the language the answer was given in, or None if the row is not that user's.
    """
    with session_scope(engine) as s:
        row = s.get(Question, question_id)
        if row is None or row.user_id != user_id:
            return None
        row.helpful = helpful
        s.add(row)
        return row.language


def questions(engine: Engine, *, outcome: str | None = None, limit: int = 100) -> Sequence[Question]:
    with session_scope(engine) as s:
        stmt = select(Question).order_by(col(Question.id).desc()).limit(limit)
        if outcome:
            stmt = stmt.where(Question.outcome == outcome)
        return s.exec(stmt).all()


def missed_questions(engine: Engine, *, since: datetime) -> Sequence[Question]:
    """Questions asked since then that got only suggestions or nothing, or an answer marked not helpful."""
    with session_scope(engine) as s:
        stmt = (
            select(Question)
            .where(Question.asked_at >= since)
            .where(or_(col(Question.outcome).in_(("suggested", "unanswered")), col(Question.helpful).is_(False)))
            .order_by(col(Question.id))
        )
        return s.exec(stmt).all()
