"""The ``questions`` log: every question with what the matcher made of it (admins mine it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from bot.db.models import Question, utcnow
from bot.faq.matcher import MatchResult


def log_question(
    s: Session,
    *,
    result: MatchResult,
    language: str,
    user_id: int | None = None,
    chat_id: int | None = None,
    source: str = "telegram",
) -> int:
    """Store a question with its outcome; returns the row id (used for feedback buttons).

    A Core insert (one asked on every question, no ORM object to build)."""
    match = result.match
    values = {
        "user_id": user_id,
        "chat_id": chat_id,
        "source": source,
        "text": result.query[:1000],
        "language": language,
        "outcome": result.band,
        "entry_id": match.id if match else None,
        "score": match.score if match else None,
        "suggestions": ",".join(f"{x.id}:{x.score}" for x in result.suggestions)[:255] or None,
        "asked_at": utcnow(),
    }
    s.flush()  # the person's row, if the session holds it unwritten
    return int(s.connection().execute(_LOG, values).scalar_one())


_LOG = Question.__table__.insert().returning(Question.__table__.c.id)  # type: ignore[attr-defined]


def log_view(s: Session, *, entry_id: str, language: str, user_id: int | None, source: str = "browse") -> int:
    """Store that a user opened an answer from the menu or a suggestion."""
    row = Question(
        user_id=user_id, source=source, text=entry_id, language=language, outcome="viewed", entry_id=entry_id
    )
    s.add(row)
    s.flush()
    assert row.id is not None
    return row.id


def record_feedback(s: Session, *, question_id: int, user_id: int, helpful: bool) -> str | None:
    """Store helpful/not helpful on the user's own question row.

    Returns the language the answer was given in, or None if the row is not that user's.
    """
    row = s.get(Question, question_id)
    if row is None or row.user_id != user_id:
        return None
    row.helpful = helpful
    s.add(row)
    return row.language


def questions(
    s: Session, *, outcome: str | None = None, since: datetime | None = None, limit: int = 100
) -> Sequence[Question]:
    stmt = select(Question).order_by(col(Question.id).desc()).limit(limit)
    if outcome:
        stmt = stmt.where(Question.outcome == outcome)
    if since is not None:
        stmt = stmt.where(col(Question.asked_at) >= since)
    return s.exec(stmt).all()


def missed_questions(s: Session, *, since: datetime) -> Sequence[Question]:
    """Questions asked since then that got only suggestions or nothing, or an answer marked not helpful."""
    stmt = (
        select(Question)
        .where(col(Question.asked_at) >= since)
        .where(or_(col(Question.outcome).in_(("suggested", "unanswered")), col(Question.helpful).is_(False)))
        .order_by(col(Question.id))
    )
    return s.exec(stmt).all()
