"""Every table, in one module. Telegram ids are BigInteger; timestamps are timezone-aware UTC.

Importing this module registers the whole schema on ``SQLModel.metadata`` (Alembic compares it
with the migrations in ``migrations/``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
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


# -- people and questions ---------------------------------------------------------------------


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
    outcome: str = Field(max_length=16)  # answered | suggested | unanswered | viewed
    entry_id: str | None = Field(default=None, max_length=64)
    score: int | None = None
    suggestions: str | None = Field(default=None, max_length=255)  # "id:score,id:score"
    helpful: bool | None = None
    asked_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Conversation(SQLModel, table=True):
    """Where a person is in a conversation (a report, a join form, /find waiting for a place).

    One row per person and kind, so a report draft waits while the person asks something else.
    The steps themselves are declared in each feature's ``conversation.py``.
    """

    __tablename__ = "conversations"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    kind: str = Field(sa_column=Column(String(16), primary_key=True))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    step: str = Field(max_length=24)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    nonce: str = Field(max_length=32)  # one finished conversation → one filed record (idempotence)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


# -- reports ------------------------------------------------------------------------------------


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


class StaffPost(SQLModel, table=True):
    """A message the bot posted about a ticket: a Telegram reply to it joins the ticket's thread."""

    __tablename__ = "staff_posts"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    ticket_id: int = Field(sa_column=Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False))


class AuditEntry(SQLModel, table=True):
    """Append-only: who did what, when, through which channel (a ticket's history is its entries)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)  # telegram | console | cli | system
    actor_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    actor_name: str | None = Field(default=None, max_length=128)
    action: str = Field(max_length=32)
    ticket_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    join_request_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True, index=True))
    detail: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


# -- groups and the directory -----------------------------------------------------------------


class Binding(SQLModel, table=True):
    """Which Telegram group works a queue (one group per queue, one queue per group)."""

    __tablename__ = "bindings"

    queue_id: str = Field(primary_key=True, max_length=80)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    bound_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    bound_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class JoinRequest(SQLModel, table=True):
    """A request to join an association, sent with the applicant's explicit consent."""

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
    status: str = Field(default="pending", max_length=16)  # pending | approved | declined
    sent_to: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # the officers' chat
    decided_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


# -- messaging ----------------------------------------------------------------------------------


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
    not_before: datetime | None = Field(default=None, sa_column=_ts(nullable=True))  # retry after a failure
    received_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    processed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class OutboxMessage(SQLModel, table=True):
    """A Bot API call to make (a message, an edit); the worker retries it until Telegram takes it
    or refuses it for good."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_channel_due", "channel", "status", "next_attempt_at"),
    )

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
    # 0 a reply to someone waiting, 1 a notification, 2 a bulk send (broadcast): lower goes first.
    priority: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    # telegram (chat_id, method) | email | wecom (to ``address``, chat_id 0): bot/messaging/channels.py
    channel: str = Field(
        default="telegram",
        sa_column=Column(String(16), nullable=False, default="telegram", server_default="telegram"),
    )
    address: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


# -- the shared budget of Telegram's limits (issue 12) ----------------------------------------


class SendBudget(SQLModel, table=True):
    """One row per bot: every process locks it to take send slots (see bot/messaging/budget.py)."""

    __tablename__ = "send_budget"

    name: str = Field(primary_key=True, max_length=32)
    version: int = 0


class SendSlot(SQLModel, table=True):
    """A message sent or being sent, in the shared budget: in flight until ``done_at`` (epoch seconds)."""

    __tablename__ = "send_slots"
    __table_args__ = (Index("ix_send_slots_chat", "chat_id", "taken_at"), Index("ix_send_slots_taken", "taken_at"))

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    outbox_id: int | None = Field(default=None, index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    taken_at: float = Field(sa_column=Column(Double, nullable=False))
    done_at: float | None = Field(default=None, sa_column=Column(Double, nullable=True))


# -- the staff console (issue 13) ---------------------------------------------------------------


class StaffAccount(SQLModel, table=True):
    """A person who works reports in the web console: an e-mail, an argon2 hash, a role, a queue."""

    __tablename__ = "staff_accounts"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    email: str = Field(sa_column=Column(String(254), nullable=False, unique=True))  # stored lower-cased
    password_hash: str = Field(sa_column=Column(String(255), nullable=False))
    role: str = Field(default="agent", max_length=8)  # agent | lead | admin
    queue_id: str = Field(max_length=64)
    totp_secret: str | None = Field(default=None, max_length=64)  # set once enrolment is confirmed
    totp_last_step: int | None = None  # the 30-second step of the last code accepted: never accepted twice
    must_change_password: bool = False
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    last_login_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class StaffSession(SQLModel, table=True):
    """A signed-in browser: the cookie carries a random token, the table only its SHA-256."""

    __tablename__ = "staff_sessions"

    token_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    staff_id: int = Field(
        sa_column=Column(Integer, ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    stage: str = Field(default="full", max_length=8)  # totp (code due) | enrol (admin must set up 2FA) | full
    csrf: str = Field(max_length=64)
    pending_secret: str | None = Field(default=None, max_length=64)  # TOTP secret being enrolled
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())


class LoginAttempt(SQLModel, table=True):
    """Failed sign-ins, per e-mail and per address, for rate limiting (kept in the database so every
    console process shares the count)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "at"), Index("ix_login_attempts_ip_at", "ip", "at"))

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    ip: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_column=_ts())


__all__ = [
    "AuditEntry",
    "Binding",
    "Conversation",
    "IntakeUpdate",
    "JoinRequest",
    "LoginAttempt",
    "OutboxMessage",
    "Question",
    "SendBudget",
    "SendSlot",
    "StaffAccount",
    "StaffPost",
    "StaffSession",
    "Ticket",
    "TicketMessage",
    "User",
    "utcnow",
]
