"""The outbox: every Bot API call the bot makes on its own behalf, stored in the caller's
transaction and delivered afterwards by the worker (``delivery.py``).

A state change and the messages it causes commit together or not at all; each message has a
``dedupe_key`` so the same notice is never queued twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Connection, Insert, Row, Select, Update, bindparam, exists, func, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.db.models import Binding, JoinRequest, OutboxMessage, StaffPost, utcnow
from bot.db.uow import connection_of
from bot.messaging.markup import Markup
from bot.messaging.render import TELEGRAM_LIMIT, split_message, utf16_len

REPLY, NOTICE, BULK = 0, 1, 2  # priorities: a reply to someone waiting, a notification, a broadcast
CAPTION_LIMIT = 1024
LEASE = timedelta(seconds=60)
TELEGRAM = "telegram"  # the outbox channel of Bot API calls (the others are sent by bot/messaging/channels.py)


@dataclass(frozen=True)
class Message:
    """One Bot API call to make: ``method`` with ``params`` (chat_id is separate)."""

    chat_id: int
    params: dict[str, Any]
    method: str = "sendMessage"
    ticket_id: int | None = None

    @classmethod
    def text(
        cls,
        chat_id: int,
        text: str,
        markup: Markup | None = None,
        *,
        reply_to: int | None = None,
        ticket_id: int | None = None,
    ) -> Message:
        params: dict[str, Any] = {"text": text, "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}
        if markup is not None:
            params["reply_markup"] = markup
        if reply_to is not None:
            params["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
        return cls(chat_id, params, "sendMessage", ticket_id)

    @classmethod
    def edit_text(
        cls, chat_id: int, message_id: int, text: str, markup: Markup | None = None, *, ticket_id: int | None = None
    ) -> Message:
        params: dict[str, Any] = {
            "message_id": message_id,
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        if markup is not None:
            params["reply_markup"] = markup
        return cls(chat_id, params, "editMessageText", ticket_id)

    @classmethod
    def edit_markup(cls, chat_id: int, message_id: int, markup: Markup | None = None) -> Message:
        params: dict[str, Any] = {"message_id": message_id, "reply_markup": markup or {"inline_keyboard": []}}
        return cls(chat_id, params, "editMessageReplyMarkup")

    @classmethod
    def file(cls, chat_id: int, kind: str, file_id: str, caption: str = "", *, ticket_id: int | None = None) -> Message:
        method, name = ("sendPhoto", "photo") if kind == "photo" else ("sendDocument", "document")
        return cls(chat_id, {name: file_id, "caption": caption}, method, ticket_id)


@dataclass
class Outgoing:
    """Messages collected while handling one update; written with its unit of work."""

    prefix: str
    messages: list[tuple[str, Message]] = field(default_factory=list)

    def add(self, message: Message, *, key: str | None = None) -> None:
        """Queue a message under the update's own key, or under ``key`` (once across updates)."""
        self.messages.append((key or f"{self.prefix}:{len(self.messages)}", message))


def fit(message: Message) -> list[Message]:
    """The message as Telegram will take it: a text over 4,096 characters is split into several
    messages (the buttons on the last part, the reply reference on the first); an edit or a caption
    that cannot be split is shortened with a visible marker."""
    params = message.params
    if message.method == "sendMessage" and utf16_len(str(params.get("text", ""))) > TELEGRAM_LIMIT:
        parts = split_message(str(params["text"]))
        out = []
        for i, part in enumerate(parts):
            piece = {k: v for k, v in params.items() if k not in ("reply_markup", "reply_parameters")}
            piece["text"] = part
            if i == 0 and "reply_parameters" in params:
                piece["reply_parameters"] = params["reply_parameters"]
            if i == len(parts) - 1 and "reply_markup" in params:
                piece["reply_markup"] = params["reply_markup"]
            out.append(Message(message.chat_id, piece, message.method, message.ticket_id))
        return out
    if message.method == "editMessageText" and utf16_len(str(params.get("text", ""))) > TELEGRAM_LIMIT:
        first = split_message(str(params["text"]), TELEGRAM_LIMIT - 16)[0]
        return [Message(message.chat_id, {**params, "text": first + "\n…"}, message.method, message.ticket_id)]
    caption = str(params.get("caption") or "")
    if caption and utf16_len(caption) > CAPTION_LIMIT:
        short = split_message(caption, CAPTION_LIMIT - 16)[0] + "\n…"
        return [Message(message.chat_id, {**params, "caption": short}, message.method, message.ticket_id)]
    return [message]


def enqueue(s: Session, message: Message, *, key: str, now: datetime | None = None, priority: int = NOTICE) -> bool:
    """Queue a message in the session's transaction, once: a second call with the same key is a no-op.

    Returns whether it was queued now. Uses INSERT … ON CONFLICT DO NOTHING, so a duplicate never
    aborts the caller's transaction. A text too long for one Telegram message becomes several.
    ``priority``: ``REPLY`` for answers to the person who just wrote (they go first when the
    budget is short), ``NOTICE`` for notifications, ``BULK`` for broadcasts to many.
    """
    parts = fit(message)
    queued = False
    for i, part in enumerate(parts):
        queued = _insert(s, part, key=key if i == 0 else f"{key}#{i + 1}", now=now, priority=priority) or queued
    return queued


def _insert(s: Session, message: Message, *, key: str, now: datetime | None, priority: int) -> bool:
    at = now or utcnow()
    values = {
        "dedupe_key": key[:128],
        "chat_id": message.chat_id,
        "method": message.method,
        "payload": json.dumps(message.params, ensure_ascii=False),
        "ticket_id": message.ticket_id,
        "next_attempt_at": at,
        "created_at": at,
        "priority": priority,
    }
    s.flush()  # rows the message refers to (its ticket) are written first
    return connection_of(s).execute(_statements(connection_of(s).dialect.name).insert, values).first() is not None


TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Statements:
    """The delivery's statements, built once per dialect: the hot path then costs the database's
    time, not SQLAlchemy's (no expression building, the compiled form found by a memoized key)."""

    insert: Insert
    due: dict[tuple[bool, bool], Select[Any]]  # by (read FOR UPDATE, excluding some chats)
    lease: Update
    mark_sent: Update
    staff_post: Insert


@cache
def _statements(dialect: str) -> _Statements:
    t = TABLE
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    insert = (
        dialect_insert(t)
        .values(status="pending", attempts=0)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(t.c.id)
    )
    heads = (
        core_select(func.min(t.c.id))
        .where(t.c.status == "pending", t.c.channel == TELEGRAM)  # e-mail, WeCom: channels.py
        .group_by(t.c.chat_id)
    )
    now: BindParameter[datetime] = bindparam("now", type_=t.c.next_attempt_at.type)
    later = t.alias("later")
    has_next = exists().where(
        later.c.chat_id == t.c.chat_id, later.c.status == "pending", later.c.channel == TELEGRAM, later.c.id > t.c.id
    )
    due = (
        core_select(t, has_next.label("has_next"))
        .where(
            t.c.id.in_(heads),
            t.c.next_attempt_at <= now,
            or_(t.c.locked_until.is_(None), t.c.locked_until < now),
        )
        .order_by(t.c.priority, t.c.id)
        .limit(bindparam("limit"))
    )
    # Two forms, with and without chats excluded: an IN list is expanded on every execution.
    excluding = due.where(t.c.chat_id.not_in(bindparam("exclude", expanding=True)))
    lock = dialect != "sqlite"
    variants = {
        (False, False): due,
        (False, True): excluding,
        (True, False): due.with_for_update(skip_locked=True) if lock else due,
        (True, True): excluding.with_for_update(skip_locked=True) if lock else excluding,
    }
    lease = (
        update(t)
        .where(t.c.id == bindparam("leased"))
        .values(locked_by=bindparam("worker"), locked_until=bindparam("until"))
    )
    mark_sent = (
        update(t)
        .where(t.c.id == bindparam("row_id"), t.c.status != "sent")
        .values(
            status="sent",
            sent_at=bindparam("now"),
            message_id=bindparam("telegram_id"),
            locked_by=None,
            locked_until=None,
            attempts=t.c.attempts + 1,
        )
        .returning(t.c.chat_id, t.c.ticket_id, t.c.method)
    )
    posts = StaffPost.__table__  # type: ignore[attr-defined]
    return _Statements(insert, variants, lease, mark_sent, posts.insert())


def due(
    s: Session | Connection, *, now: datetime, limit: int = 200, exclude: Iterable[int] = (), for_update: bool = True
) -> Sequence[Row[Any]]:
    """The oldest pending message of each chat, if it is due and no process holds it: one per chat
    and round, replies first (lower ``priority``), then in the order queued.

    Taking only each chat's head keeps a chat's messages in order (a later one never overtakes one
    waiting for its retry) and lets one busy group never hold up the other chats. On PostgreSQL the
    heads are read ``FOR UPDATE SKIP LOCKED`` (a row another process is finishing is skipped).
    Whether they may go now is for the shared budget (``budget.reserve``); the ones taken are then
    leased (``lease``) in the same transaction. The rows are read-only (columns as attributes, and
    ``has_next``: the chat has more pending after this one).
    """
    skip = list(exclude)
    stmt = _statements(connection_of(s).dialect.name).due[for_update, bool(skip)]
    params: dict[str, Any] = {"now": now, "limit": limit}
    if skip:
        params["exclude"] = skip
    return connection_of(s).execute(stmt, params).all()


def lease(s: Session | Connection, *, rows: Sequence[Row[Any]], worker: str, now: datetime) -> None:
    """This worker sends these rows now: no other process takes them while the lease runs."""
    if not rows:
        return
    until = now + LEASE
    params = [{"leased": row.id, "worker": worker, "until": until} for row in rows]
    connection_of(s).execute(_statements(connection_of(s).dialect.name).lease, params)


def mark_sent(s: Session | Connection, *, row_id: int, message_id: int | None, now: datetime) -> None:
    statements = _statements(connection_of(s).dialect.name)
    params = {"row_id": row_id, "now": now, "telegram_id": message_id}
    row = connection_of(s).execute(statements.mark_sent, params).first()
    if row is None:  # gone, or sent already
        return
    chat_id, ticket_id, method = row
    if ticket_id is not None and message_id is not None and method.startswith("send"):
        # A Telegram reply to it reaches the ticket.
        connection_of(s).execute(
            statements.staff_post, {"chat_id": chat_id, "message_id": message_id, "ticket_id": ticket_id}
        )


def retry_later(s: Session, *, row_id: int, delay: timedelta, error: str, now: datetime) -> None:
    row = s.get(OutboxMessage, row_id)
    if row is not None:
        row.attempts += 1
        row.next_attempt_at = now + delay
        row.locked_by = row.locked_until = None
        row.last_error = error[:500]
        s.add(row)


def fail(s: Session, *, row_id: int, error: str) -> None:
    """Telegram refused the message for good (blocked, bad request): stop trying."""
    row = s.get(OutboxMessage, row_id)
    if row is not None:
        row.status, row.last_error = "failed", error[:500]
        row.locked_by = row.locked_until = None
        row.attempts += 1
        s.add(row)


def follow_migration(s: Session, *, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: pending messages, the binding and join requests move to the new id."""
    s.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.chat_id) == old_chat_id, col(OutboxMessage.status) == "pending")
        .values(chat_id=new_chat_id, locked_by=None, locked_until=None)
    )
    s.execute(update(Binding).where(col(Binding.chat_id) == old_chat_id).values(chat_id=new_chat_id))
    s.execute(update(JoinRequest).where(col(JoinRequest.sent_to) == old_chat_id).values(sent_to=new_chat_id))


def backlog(s: Session) -> int:
    return int(s.exec(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")).one())


def sent_cards(s: Session, *, ticket_id: int) -> Sequence[OutboxMessage]:
    """The ticket's cards that reached a staff group (to keep them up to date)."""
    stmt = select(OutboxMessage).where(
        OutboxMessage.ticket_id == ticket_id,
        OutboxMessage.status == "sent",
        OutboxMessage.method == "sendMessage",
        col(OutboxMessage.dedupe_key).startswith("card:"),
        col(OutboxMessage.message_id).is_not(None),
    )
    return s.exec(stmt).all()


def update_pending_cards(s: Session, *, ticket_id: int, chat_id: int, text: str, reply_markup: Markup) -> None:
    """A card not yet delivered goes out as the ticket is now, not as it was when queued."""
    rows = s.exec(
        select(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket_id,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.status == "pending",
            OutboxMessage.method == "sendMessage",
            col(OutboxMessage.dedupe_key).startswith("card:"),
        )
    ).all()
    for row in rows:
        payload = json.loads(row.payload)
        payload["text"], payload["reply_markup"] = text, reply_markup
        row.payload = json.dumps(payload, ensure_ascii=False)
        s.add(row)


def has_card(s: Session, *, ticket_id: int, chat_id: int) -> bool:
    """Whether a ticket's card was queued for a chat and not refused (a failed one may be posted again)."""
    stmt = select(OutboxMessage.id).where(
        OutboxMessage.ticket_id == ticket_id,
        OutboxMessage.chat_id == chat_id,
        col(OutboxMessage.dedupe_key).startswith("card:"),
        OutboxMessage.status != "failed",
    )
    return s.exec(stmt).first() is not None
