"""SQLModel tables. Every Telegram id is a BigInteger; every timestamp is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Dialect, ForeignKey, Index, String
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class AwareDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on every database (SQLite stores no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(*, nullable: bool = False) -> Column[datetime]:
    return Column(AwareDateTime(), nullable=nullable)


class User(SQLModel, table=True):
    """A person who has talked to the bot."""

    __tablename__ = "users"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    language: str | None = Field(default=None, sa_column=Column(String(8), nullable=True))
    telegram_language: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    first_seen: datetime = Field(default_factory=utcnow, sa_column=_ts())
    last_seen: datetime = Field(default_factory=utcnow, sa_column=_ts())
    blocked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    privacy_ack_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class Question(SQLModel, table=True):
    """Every question asked, with what the matcher made of it (admins mine this)."""

    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_outcome_asked", "outcome", "asked_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    )
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    source: str = Field(default="telegram", max_length=16)
    text: str = Field(max_length=1000)
    language: str = Field(max_length=8)
    outcome: str = Field(max_length=16)  # answered | suggested | unanswered
    entry_id: str | None = Field(default=None, max_length=64)
    score: int | None = None
    suggestions: str | None = Field(default=None, max_length=255)  # "id:score,id:score"
    helpful: bool | None = None
    asked_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
