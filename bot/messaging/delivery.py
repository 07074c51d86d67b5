"""The outbox worker: deliver queued messages, within Telegram's limits, through any outage.

- 5xx and network errors: retried with exponential backoff (up to about an hour apart).
- 429: waits exactly ``retry_after``.
- 403: the user blocked the bot (marked on the user); the message is dropped.
- A group that became a supergroup: the binding and pending messages follow the new id.
- Pacing: at most one message a second per chat and 20 a minute per group.

A message is marked sent only after Telegram accepted it, and never sent again after that.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.db import repo
from bot.db.delivery_tables import OutboxMessage
from bot.db.models import utcnow
from bot.messaging import outbox
from bot.messaging.metrics import Metrics

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)
CLAIM = 20


@dataclass
class Pacer:
    """Remembers recent sends per chat to stay under Telegram's per-chat and per-group limits."""

    per_chat_interval: float = 1.0
    group_per_minute: int = 20
    clock: Callable[[], float] = time.monotonic
    _sent: defaultdict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def ready(self, chat_id: int) -> bool:
        now = self.clock()
        sent = self._sent[chat_id]
        while sent and now - sent[0] > 60:
            sent.popleft()
        if sent and now - sent[-1] < self.per_chat_interval:
            return False
        return not (chat_id < 0 and len(sent) >= self.group_per_minute)

    def record(self, chat_id: int) -> None:
        self._sent[chat_id].append(self.clock())


@dataclass
class Deliverer:
    bot: Bot
    engine: Engine
    pacer: Pacer = field(default_factory=Pacer)
    worker: str = field(default_factory=lambda: f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}")
    metrics: Metrics | None = None
    # One delivery run at a time in this process (the repeating job, a handler's wake-up and the
    # escalation job may all ask at once); across processes the rows' leases keep them apart.
    _running: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def deliver_due(self, now: datetime | None = None, *, max_rounds: int = 100) -> int:
        """Send what is due now, each chat's messages in order; returns how many were sent.

        Each round sends the head of every chat's queue; a chat that failed or must wait for the
        pacer sits out the remaining rounds of this call.
        """
        async with self._running:
            return await self._deliver(now, max_rounds)

    async def _deliver(self, fixed_now: datetime | None, max_rounds: int) -> int:
        sent = 0
        resting: set[int] = set()
        for _ in range(max_rounds):
            # A fresh clock each round (leases, pacing and sent_at stay true however long it takes),
            # and a small claim, so a slow Bot API never outlasts the lease on what we hold.
            now = fixed_now or utcnow()
            sent_this_round = 0
            skipped: list[int] = []
            for row in outbox.due(self.engine, now=now, worker=self.worker, limit=CLAIM):
                if row.chat_id in resting or not self.pacer.ready(row.chat_id):
                    resting.add(row.chat_id)
                    skipped.append(row.id or 0)
                    continue
                if await self._send(row, now):
                    sent_this_round += 1
                else:
                    resting.add(row.chat_id)
            outbox.release(self.engine, row_ids=skipped)
            sent += sent_this_round
            if not sent_this_round:
                break
        return sent

    def _count(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.observe_delivery(outcome)

    async def _call(self, row: OutboxMessage) -> Message | None:
        """The stored payload, sent through the bot's own method for it."""
        payload = json.loads(row.payload)
        kwargs: dict[str, Any] = {"chat_id": row.chat_id, **payload}
        if kwargs.get("reply_markup") == {"inline_keyboard": []}:
            # Removing buttons needs an explicitly empty keyboard (PTB would serialise it as {}).
            kwargs["api_kwargs"] = {"reply_markup": json.dumps(kwargs.pop("reply_markup"))}
        if isinstance(kwargs.get("reply_markup"), dict):
            kwargs["reply_markup"] = InlineKeyboardMarkup.de_json(kwargs["reply_markup"], self.bot)
        if isinstance(kwargs.get("link_preview_options"), dict):
            kwargs["link_preview_options"] = LinkPreviewOptions(**kwargs["link_preview_options"])
        if isinstance(kwargs.get("reply_parameters"), dict):
            kwargs["reply_parameters"] = ReplyParameters(**kwargs["reply_parameters"])
        if row.method == "editMessageText":
            edited = await self.bot.edit_message_text(**kwargs)
            return edited if isinstance(edited, Message) else None
        if row.method == "sendPhoto":
            return await self.bot.send_photo(**kwargs)
        if row.method == "sendDocument":
            return await self.bot.send_document(**kwargs)
        return await self.bot.send_message(**kwargs)

    async def _send(self, row: OutboxMessage, now: datetime) -> bool:
        assert row.id is not None
        try:
            result = await self._call(row)
        except RetryAfter as exc:
            self._count("retry_after")
            wait = exc.retry_after if isinstance(exc.retry_after, timedelta) else timedelta(seconds=exc.retry_after)
            outbox.retry_later(self.engine, row_id=row.id, delay=wait, error="429 flood control", now=now)
            return False
        except ChatMigrated as exc:
            log.info("chat %s became supergroup %s", row.chat_id, exc.new_chat_id)
            outbox.follow_migration(self.engine, old_chat_id=row.chat_id, new_chat_id=exc.new_chat_id)
            return False
        except Forbidden as exc:
            self._count("forbidden")
            if row.chat_id > 0:
                repo.mark_blocked(self.engine, user_id=row.chat_id, now=now)
            outbox.fail(self.engine, row_id=row.id, error=f"403 {exc.message}")
            return False
        except BadRequest as exc:
            self._count("bad_request")
            outbox.fail(self.engine, row_id=row.id, error=f"400 {exc.message}")
            log.warning("outbox message %s refused: %s", row.id, exc.message)
            return False
        except (NetworkError, TelegramError) as exc:
            self._count("network_error")
            if self.metrics is not None:
                self.metrics.last_api_failure = time.time()
            delay = min(MAX_BACKOFF, timedelta(seconds=2 ** min(row.attempts, 12)))
            outbox.retry_later(self.engine, row_id=row.id, delay=delay, error=str(exc), now=now)
            log.warning("outbox message %s: %s; retry in %s", row.id, exc, delay)
            return False
        self.pacer.record(row.chat_id)
        if self.metrics is not None:
            self.metrics.last_api_success = time.time()
            self.metrics.observe_delivery("sent", max(0.0, (now - row.created_at).total_seconds()))
        outbox.mark_sent(self.engine, row_id=row.id, message_id=result.message_id if result else None, now=now)
        return True
