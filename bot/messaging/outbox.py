"""The outbox: messages to staff and users, stored first and delivered by a worker."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, exists, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.db.delivery_tables import OutboxMessage
from bot.db.models import utcnow
from bot.db.repo import session_scope
from bot.db.ticket_tables import Binding, JoinRequest, StaffPost

GROUP_PER_MINUTE = 20
_sent = OutboxMessage.__table__.alias("sent")  # type: ignore[attr-defined]


def enqueue(
    engine: Engine,
    *,
    dedupe_key: str,
    chat_id: int,
    text: str,
    reply_markup: dict[str, Any] | None = None,
    ticket_id: int | None = None,
    reply_to: int | None = None,
    method: str = "sendMessage",
    extra: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    """Queue a message once: a second call with the same ``dedupe_key`` is ignored (False)."""
    payload: dict[str, Any] = {
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
    if method != "sendMessage":
        payload = dict(extra or {})
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup
    if reply_to is not None:
        payload["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
    row = OutboxMessage(
        dedupe_key=dedupe_key[:128],
        chat_id=chat_id,
        method=method,
        payload=json.dumps(payload, ensure_ascii=False),
        ticket_id=ticket_id,
        next_attempt_at=now or utcnow(),
    )
    try:
        with session_scope(engine) as s:
            if s.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == row.dedupe_key)).first():
                return False
            s.add(row)
        return True
    except IntegrityError:
        return False


LEASE = timedelta(seconds=60)


def due(engine: Engine, *, now: datetime, limit: int = 200, worker: str = "") -> Sequence[OutboxMessage]:
    """The oldest pending message of each chat, if it is due: one per chat and round.

    Taking only each chat's head keeps a chat's messages in order (a later one never overtakes one
    waiting for its retry) and lets one busy group never hold up the other chats.

    On PostgreSQL, where several processes deliver, the heads are claimed with ``FOR UPDATE SKIP
    LOCKED`` and leased to ``worker``, and a chat is skipped while it is within Telegram's limits
    of what was just sent to it by any process (1 message a second; 20 a minute for groups).
    """
    with session_scope(engine) as s:
        shared = s.get_bind().dialect.name != "sqlite"
        heads = (
            select(func.min(OutboxMessage.id))
            .where(OutboxMessage.status == "pending")
            .group_by(col(OutboxMessage.chat_id))
        )
        stmt = select(OutboxMessage).where(col(OutboxMessage.id).in_(heads), col(OutboxMessage.next_attempt_at) <= now)
        if shared:
            stmt = stmt.where(
                or_(col(OutboxMessage.locked_until).is_(None), col(OutboxMessage.locked_until) < now),
                ~exists().where(_sent.c.chat_id == OutboxMessage.chat_id, _sent.c.sent_at > now - timedelta(seconds=1)),
                or_(
                    col(OutboxMessage.chat_id) > 0,
                    select(func.count())
                    .where(_sent.c.chat_id == OutboxMessage.chat_id, _sent.c.sent_at > now - timedelta(minutes=1))
                    .scalar_subquery()
                    < GROUP_PER_MINUTE,
                ),
            ).with_for_update(skip_locked=True)
        rows = s.exec(stmt.order_by(col(OutboxMessage.id)).limit(limit)).all()
        if shared:
            for row in rows:
                row.locked_by, row.locked_until = worker, now + LEASE
                s.add(row)
        return rows


def mark_sent(engine: Engine, *, row_id: int, message_id: int | None, now: datetime) -> None:
    with session_scope(engine) as s:
        row = s.get(OutboxMessage, row_id)
        if row is None:
            return
        row.status, row.sent_at, row.message_id = "sent", now, message_id
        row.locked_by = row.locked_until = None
        row.attempts += 1
        s.add(row)
        if row.ticket_id is not None and message_id is not None and row.method.startswith("send"):
            # Replying to it reaches the ticket.
            s.add(StaffPost(chat_id=row.chat_id, message_id=message_id, ticket_id=row.ticket_id))


def retry_later(engine: Engine, *, row_id: int, delay: timedelta, error: str, now: datetime) -> None:
    with session_scope(engine) as s:
        row = s.get(OutboxMessage, row_id)
        if row is not None:
            row.attempts += 1
            row.next_attempt_at = now + delay
            row.locked_by = row.locked_until = None
            row.last_error = error[:500]
            s.add(row)


def release(engine: Engine, *, row_ids: list[int]) -> None:
    """Give back leases on rows this worker took but did not send (it was pacing that chat)."""
    if row_ids:
        with session_scope(engine) as s:
            s.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(row_ids))
                .values(locked_by=None, locked_until=None)
            )


def fail(engine: Engine, *, row_id: int, error: str) -> None:
    """Telegram refused the message for good (blocked, bad request): stop trying."""
    with session_scope(engine) as s:
        row = s.get(OutboxMessage, row_id)
        if row is not None:
            row.status, row.last_error = "failed", error[:500]
            row.locked_by = row.locked_until = None
            row.attempts += 1
            s.add(row)


def follow_migration(engine: Engine, *, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: pending messages and the binding move to the new id."""
    with session_scope(engine) as s:
        s.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.chat_id) == old_chat_id, col(OutboxMessage.status) == "pending")
            .values(chat_id=new_chat_id)
        )
        s.execute(update(Binding).where(col(Binding.chat_id) == old_chat_id).values(chat_id=new_chat_id))
        s.execute(update(JoinRequest).where(col(JoinRequest.sent_to) == old_chat_id).values(sent_to=new_chat_id))


def backlog(engine: Engine) -> int:
    with session_scope(engine) as s:
        stmt = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        return int(s.exec(stmt).one())


def sent_cards(engine: Engine, *, ticket_id: int) -> Sequence[OutboxMessage]:
    """The ticket's cards that reached a staff group (to keep them up to date)."""
    with session_scope(engine) as s:
        stmt = select(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket_id, OutboxMessage.status == "sent",
            OutboxMessage.method == "sendMessage", col(OutboxMessage.dedupe_key).startswith("card:"),
            col(OutboxMessage.message_id).is_not(None),
        )  # fmt: skip
        return s.exec(stmt).all()


def update_pending_cards(
    engine: Engine, *, ticket_id: int, chat_id: int, text: str, reply_markup: dict[str, object]
) -> None:
    """A card not yet delivered goes out as the ticket is now, not as it was when queued."""
    with session_scope(engine) as s:
        rows = s.exec(
            select(OutboxMessage).where(
                OutboxMessage.ticket_id == ticket_id, OutboxMessage.chat_id == chat_id,
                OutboxMessage.status == "pending", OutboxMessage.method == "sendMessage",
                col(OutboxMessage.dedupe_key).startswith("card:"),
            )
        ).all()  # fmt: skip
        for row in rows:
            payload = json.loads(row.payload)
            payload["text"], payload["reply_markup"] = text, reply_markup
            row.payload = json.dumps(payload, ensure_ascii=False)
            s.add(row)


def has_card(engine: Engine, *, ticket_id: int, chat_id: int) -> bool:
    """Whether a ticket's card was already queued for a chat."""
    with session_scope(engine) as s:
        stmt = select(OutboxMessage.id).where(
            OutboxMessage.ticket_id == ticket_id, OutboxMessage.chat_id == chat_id,
            col(OutboxMessage.dedupe_key).startswith("card:"),
        )  # fmt: skip
        return s.exec(stmt).first() is not None
