"""Tables for difficulty reports: drafts, tickets, their thread and history, staff group bindings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.db.models import _ts, utcnow


class ReportDraft(SQLModel, table=True):
    """A report being written, one per user; survives restarts because it lives here."""

    __tablename__ = "report_drafts"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    nonce: str = Field(max_length=32)  # makes filing idempotent: one draft → one ticket
    step: str = Field(max_length=16)
    last_update: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # replay guard
    language: str = Field(max_length=8)
    place: str | None = Field(default=None, max_length=64)
    queue_id: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=32)
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    attachments: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    contact: str | None = Field(default=None, max_length=128)
    share_identity: bool = False  # the user's name reaches staff only if they switch this on
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Ticket(SQLModel, table=True):
    """A filed report: reference #id, routed to a queue, triaged by that queue's staff."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_queue_status", "queue_id", "status"),
        Index("ix_tickets_escalate", "escalate_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    nonce: str = Field(max_length=64, unique=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    user_name: str | None = Field(default=None, max_length=128)
    share_identity: bool = False
    queue_id: str = Field(max_length=64)
    place: str = Field(max_length=64)
    category: str = Field(max_length=32)
    description: str = Field(sa_column=Column(Text, nullable=False))
    attachments: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    contact: str | None = Field(default=None, max_length=128)
    language: str = Field(max_length=8)
    status: str = Field(max_length=16, default="new")
    claimed_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    claimed_by_name: str | None = Field(default=None, max_length=128)
    rating: int | None = None
    escalate_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class TicketMessage(SQLModel, table=True):
    """The thread both ways: the user's words in, staff replies out, internal notes."""

    __tablename__ = "ticket_messages"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    direction: str = Field(max_length=8)  # in | out | note
    author_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    author_name: str | None = Field(default=None, max_length=128)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    attachments: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class TicketEvent(SQLModel, table=True):
    """Append-only history: who did what to a ticket, and when."""

    __tablename__ = "ticket_events"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    actor_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    action: str = Field(max_length=32)
    detail: str | None = Field(default=None, max_length=500)
    # The Telegram update that caused it: a replayed update finds its event and changes nothing.
    source_update: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True, index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class StaffPost(SQLModel, table=True):
    """A message the bot posted in a staff group about a ticket: replying to it reaches the user."""

    __tablename__ = "staff_posts"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    ticket_id: int = Field(sa_column=Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False))


class Binding(SQLModel, table=True):
    """Which Telegram group works a queue (one group per queue, one queue per group)."""

    __tablename__ = "bindings"

    queue_id: str = Field(primary_key=True, max_length=80)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    bound_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    bound_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class JoinRequest(SQLModel, table=True):
    """A request to join an association, with the applicant's explicit consent to share it."""

    __tablename__ = "join_requests"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    nonce: str = Field(max_length=64, unique=True)
    association_id: str = Field(max_length=64, index=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    language: str = Field(max_length=8)
    name: str = Field(default="", max_length=128)
    contact: str = Field(default="", max_length=128)
    about: str = Field(default="", max_length=500)
    status: str = Field(default="draft", max_length=16)  # draft | pending | approved | declined
    last_update: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # replay guard
    sent_to: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # the officers' chat
    decided_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
