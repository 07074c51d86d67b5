"""The outbox worker: deliver queued Bot API calls, within Telegram's limits, through any outage.

- 5xx and network errors: retried with exponential backoff (up to about an hour apart).
- 429: waits exactly ``retry_after``.
- 403: the user blocked the bot (marked on the user); the message is dropped.
- 400: refused for good (recorded with its reason); "message is not modified" counts as done.
- A group that became a supergroup: the binding and pending messages follow the new id.
- Anything else (a bug, an answer that cannot be read): caught for that one message, recorded,
  retried with backoff a bounded number of times, then marked failed — never a tight resend loop,
  never blocking its chat or any other chat.
- Pacing: one budget of Telegram's limits for every process of the bot, kept in the database
  (``budget.py``): ~30 a second overall, per chat a small burst then one a second, 20 a minute per
  group. Replies to people waiting go before notifications, notifications before broadcasts.

A message is marked sent once Telegram accepted it — even if its answer cannot be parsed — and never
sent again after that.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Row
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.db.models import utcnow
from bot.db.uow import session_scope
from bot.messaging import budget, faults, outbox
from bot.messaging.budget import Limits
from bot.messaging.metrics import Metrics
from bot.users import repo as users

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)
MAX_UNEXPECTED = 5  # attempts for a message whose sending fails in an unexpected way
CLAIM = 20  # messages sent per round at most (each round takes its slots in one transaction)
CANDIDATES = 200  # chats' heads looked at per round: those at their own limits do not crowd out others
MAX_WAIT = 2.0  # seconds one run waits, at most, for the global budget before leaving it to the next run


class RawBot(Bot):
    """A Bot that sends stored Bot API calls as they are (JSON parameters).

    Errors are raised as python-telegram-bot raises them (429, 403, 400, migration, network). A call
    Telegram accepted (HTTP 2xx) returns its ``result`` — or None when the answer cannot be read
    (a Bot API version drift): it was accepted all the same and must not be sent again.
    """

    async def call(self, method: str, params: dict[str, Any], *, read_timeout: float | None = None) -> Any:
        data = RequestData([RequestParameter.from_input(k, v) for k, v in params.items() if v is not None])
        timeout: Any = DEFAULT_NONE if read_timeout is None else read_timeout
        payload = await self.request._request_wrapper(
            url=f"{self.base_url}/{method}", method="POST", request_data=data, read_timeout=timeout
        )
        try:
            body = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            log.warning("Telegram accepted %s but its answer could not be read", method)
            return None
        return body.get("result") if isinstance(body, dict) else None


@dataclass
class Deliverer:
    bot: RawBot
    engine: Engine
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], float] = time.time  # the budget's clock, shared by processes (epoch seconds)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    worker: str = field(default_factory=lambda: f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}")
    metrics: Metrics | None = None
    # One delivery run at a time in this process (the repeating job and wake-ups after each update may
    # all ask at once); across processes the rows' leases keep them apart.
    _running: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Sent, not yet marked: the last message of a round, marked with the next claim (one hand-over).
    _unmarked: tuple[Row[Any], int | None, datetime] | None = field(default=None, init=False, repr=False)

    async def deliver_due(self, now: datetime | None = None, *, max_rounds: int = 100) -> int:
        """Send what is due now, each chat's messages in order; returns how many were sent.

        Each round sends the head of every chat's queue; a chat that failed or must wait for the
        pacer sits out the remaining rounds of this call.
        """
        async with self._running:
            try:
                sent = await self._deliver(now, max_rounds)
            except SQLAlchemyError as exc:  # the database is away: nothing is lost, the next run retries
                if self.metrics is None:
                    raise
                self.metrics.failed("database", exc)
                return 0
            if self.metrics is not None:
                self.metrics.ok("database")
            return sent

    async def _deliver(self, fixed_now: datetime | None, max_rounds: int) -> int:
        sent = 0
        waited = 0.0
        resting: set[int] = set()
        for _ in range(max_rounds):
            # A fresh clock each round (leases, pacing and sent_at stay true however long it takes),
            # and a small claim, so a slow Bot API never outlasts the lease on what we hold.
            now = fixed_now or utcnow()
            rows, wait, more = await asyncio.to_thread(self._claim, now, resting)
            sent_this_round = 0
            for i, row in enumerate(rows):
                if await self._send(row, fixed_now or utcnow(), last=i == len(rows) - 1):
                    sent_this_round += 1
                else:
                    resting.add(row.chat_id)
            sent += sent_this_round
            if rows and (more or sent_this_round < len(rows)):
                continue
            if rows:  # all sent, and nothing else was due: no round only to find that out
                break
            if wait is None or waited >= MAX_WAIT:
                break
            # Only the bot-wide budget held messages back: wait for its next free slot.
            pause = min(wait, MAX_WAIT - waited, 1.0)
            waited += pause
            await self.sleep(pause)
        if self._unmarked is not None:
            await asyncio.to_thread(self._mark_unmarked)
        return sent

    def _claim(self, now: datetime, resting: set[int]) -> tuple[list[Row[Any]], float | None, bool]:
        """Take this round's messages: the heads that are due, within the shared budget, leased to
        this worker — in one transaction. The last round's last message is marked sent first
        (its own transaction, in the same hand-over to a worker thread).

        Returns the rows, when to ask again if the bot-wide budget held some back, and whether
        anything may be due after these are sent (a chat's next message, a head not taken now);
        what is queued later wakes a run of its own (``wake_delivery``)."""
        self._mark_unmarked()
        with self.engine.connect() as conn:  # nothing due (most runs): no write, no lock
            if not outbox.due(conn, now=now, limit=1, exclude=resting, for_update=False):
                return [], None, False
        with self.engine.begin() as conn:  # Core only: no Session needed
            # The budget row first: claims of all processes are serialized, so the heads read
            # next already show the leases any other process just took.
            budget.lock(conn)
            heads = outbox.due(conn, now=now, limit=CANDIDATES, exclude=resting)
            if not heads:
                return [], None, False
            grant = budget.reserve(
                conn,
                candidates=[(row.id or 0, row.chat_id) for row in heads],
                now=self.clock(),
                limits=self.limits,
                most=CLAIM,
                locked=True,
            )
            chosen = set(grant.ids)
            rows = [row for row in heads if row.id in chosen]
            outbox.lease(conn, rows=rows, worker=self.worker, now=now)
            more = len(heads) == CANDIDATES or len(rows) < len(heads) or any(row.has_next for row in rows)
            return rows, grant.wait, more

    def _write(self, fn: Callable[..., Any], /, row: Row[Any], **kwargs: Any) -> None:
        """Record how a message's call ended, and end its slot in the budget, in one transaction."""
        assert row.id is not None
        with session_scope(self.engine) as s:
            fn(s, **kwargs)
            budget.finish(s, outbox_id=row.id, at=self.clock())

    def _count(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.observe_delivery(outcome)

    async def _send(self, row: Row[Any], now: datetime, *, last: bool = False) -> bool:
        """Send one message and record how it ended. ``last``: the last of its round — if sent, it is
        marked sent with the next round's claim (no other message is sent in between, so a crash
        still doubles at most the one message Telegram took in the instant before it)."""
        assert row.id is not None
        try:
            params = {"chat_id": row.chat_id, **json.loads(row.payload)}
        except ValueError:
            await asyncio.to_thread(self._write, outbox.fail, row=row, row_id=row.id, error="unreadable payload")
            return False
        try:
            result = await self.bot.call(row.method, params)
        except RetryAfter as exc:
            self._count("retry_after")
            wait = exc.retry_after if isinstance(exc.retry_after, timedelta) else timedelta(seconds=exc.retry_after)
            await asyncio.to_thread(
                self._write, outbox.retry_later, row=row, row_id=row.id, delay=wait, error="429 flood control", now=now
            )
            return False
        except ChatMigrated as exc:
            log.info("chat %s became supergroup %s", row.chat_id, exc.new_chat_id)
            await asyncio.to_thread(
                self._write, outbox.follow_migration, row=row, old_chat_id=row.chat_id, new_chat_id=exc.new_chat_id
            )
            return False
        except Forbidden as exc:
            self._count("forbidden")
            await asyncio.to_thread(self._forbidden, row, f"403 {exc.message}", now)
            return False
        except BadRequest as exc:
            if "message is not modified" in exc.message.lower():  # the edit is already there: done
                await self._mark_sent(row, None, now, defer=last)
                return True
            self._count("bad_request")
            await asyncio.to_thread(self._write, outbox.fail, row=row, row_id=row.id, error=f"400 {exc.message}")
            log.warning("outbox message %s refused: %s", row.id, exc.message)
            return False
        except TelegramError as exc:  # network errors, 5xx, timeouts: the Bot API is away
            self._count("network_error")
            if self.metrics is not None:
                self.metrics.last_api_failure = time.time()
                self.metrics.failed("bot_api", exc)
            delay = min(MAX_BACKOFF, timedelta(seconds=2 ** min(row.attempts, 12)))
            await asyncio.to_thread(
                self._write, outbox.retry_later, row=row, row_id=row.id, delay=delay, error=str(exc), now=now
            )
            log.debug("outbox message %s: %s; retry in %s", row.id, exc, delay)
            return False
        except Exception as exc:
            self._count("error")
            error = f"{type(exc).__name__}: {exc}"
            if row.attempts + 1 >= MAX_UNEXPECTED:
                await asyncio.to_thread(self._write, outbox.fail, row=row, row_id=row.id, error=error)
            else:
                delay = timedelta(seconds=2 ** min(row.attempts + 2, 12))
                await asyncio.to_thread(
                    self._write, outbox.retry_later, row=row, row_id=row.id, delay=delay, error=error, now=now
                )
            log.error("outbox message %s could not be sent (%s)", row.id, type(exc).__name__, exc_info=exc)
            return False
        faults.point("outbox.after_send")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        await self._mark_sent(row, message_id if isinstance(message_id, int) else None, now, defer=last)
        return True

    async def _mark_sent(self, row: Row[Any], message_id: int | None, now: datetime, *, defer: bool = False) -> None:
        assert row.id is not None
        if self.metrics is not None:
            self.metrics.last_api_success = time.time()
            self.metrics.ok("bot_api")
            self.metrics.observe_delivery("sent", max(0.0, (now - row.created_at).total_seconds()))
        self._unmarked = (row, message_id, now)
        if not defer:
            await asyncio.to_thread(self._mark_unmarked)

    def _mark_unmarked(self) -> None:
        """Record that Telegram took the message sent last (if not recorded yet)."""
        if self._unmarked is None:
            return
        row, message_id, now = self._unmarked
        self._unmarked = None
        with self.engine.begin() as conn:  # as _write, without a Session
            outbox.mark_sent(conn, row_id=row.id, message_id=message_id, now=now)
            budget.finish(conn, outbox_id=row.id, at=self.clock())
        faults.point("outbox.after_mark")

    def _forbidden(self, row: Row[Any], error: str, now: datetime) -> None:
        assert row.id is not None
        with session_scope(self.engine) as s:
            if row.chat_id > 0:
                users.mark_blocked(s, user_id=row.chat_id, now=now)
            outbox.fail(s, row_id=row.id, error=error)
            budget.finish(s, outbox_id=row.id, at=self.clock())
