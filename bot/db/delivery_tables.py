"""Tables that make intake and delivery lose nothing: raw updates in, messages out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from bot.db.models import _ts, utcnow


class IntakeUpdate(SQLModel, table=True):
    """A raw Telegram update, stored before it is confirmed to Telegram, processed from here."""

    __tablename__ = "intake"
    __table_args__ = (Index("ix_intake_status", "status", "update_id"), Index("ix_intake_chat", "chat_id", "status"))

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    # The chat the update belongs to (0 when none): one process at a time works a chat, in order.
    chat_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0, server_default="0"))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", sa_column=Column(String(16), nullable=False, default="pending"))
    attempts: int = 0
    error: str | None = Field(default=None, max_length=500)
    locked_by: str | None = Field(default=None, max_length=64)
    locked_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    received_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    processed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class OutboxMessage(SQLModel, table=True):
    """A message to deliver; the worker retries it until Telegram takes it or refuses it for good."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    dedupe_key: str = Field(max_length=128, unique=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    method: str = Field(max_length=32, default="sendMessage")
    payload: str = Field(sa_column=Column(Text, nullable=False))
    ticket_id: int | None = None
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    last_error: str | None = Field(default=None, max_length=500)
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    locked_by: str | None = Field(default=None, max_length=64)
    locked_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
