"""Long polling that loses nothing.

python-telegram-bot's own updater confirms updates to Telegram before handlers run. Here every
update is first stored in the ``intake`` table; only then does the next ``getUpdates`` (with a
higher offset) confirm it. A separate loop processes stored updates in order and marks each
done after its handlers ran, so after a crash the unfinished ones run again and duplicates are
ignored by their unique ``update_id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import time
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.messaging import intake

log = logging.getLogger(__name__)
POLL_TIMEOUT = 25
MAX_ATTEMPTS = intake.MAX_ATTEMPTS  # a process that dies on an update this often gives up on it


class DurablePoller:
    def __init__(self, app: Application, *, allowed_updates: list[str], poll_timeout: int = POLL_TIMEOUT) -> None:  # type: ignore[type-arg]
        self.app = app
        self.services = app.bot_data["services"]
        self.engine = self.services.engine
        self.allowed_updates = allowed_updates
        self.poll_timeout = poll_timeout
        self.stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self.worker = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"
        self._offset: int | None = None

    async def run(self) -> None:
        """Fetch and process until :meth:`stop`; finishes the update in hand before returning."""
        await self.app.bot.delete_webhook(drop_pending_updates=False)
        await asyncio.gather(self._fetch_loop(), self._process_loop())

    def stop(self) -> None:
        self.stopping.set()
        self._wake.set()

    def wake(self) -> None:
        """Something was stored (by the webhook): process it now rather than at the next tick."""
        self._wake.set()

    async def process_forever(self) -> None:
        """Only the processing half (webhook mode: the HTTP endpoint stores the updates)."""
        await self._process_loop()

    async def _fetch_loop(self) -> None:
        backoff = 1.0
        while not self.stopping.is_set():
            try:
                await self.fetch_once()
                backoff = 1.0
            except InvalidToken:
                log.error("Telegram rejected BOT_TOKEN; stopping")
                self.stop()
            except RetryAfter as exc:
                await self._sleep(float(_seconds(exc.retry_after)))
            except (NetworkError, TimedOut) as exc:
                self.services.metrics.last_api_failure = time.time()
                log.warning("getUpdates failed (%s); retrying in %.0fs", exc, backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 60.0)
            except SQLAlchemyError as exc:  # not stored, so not confirmed: fetched again later
                log.warning("database unavailable while storing updates (%s); retrying", type(exc).__name__)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 60.0)

    async def fetch_once(self, poll_timeout: int | None = None) -> int:
        """One getUpdates round: store everything received; returns how many were new."""
        timeout = self.poll_timeout if poll_timeout is None else poll_timeout
        # The offset is only what this process has stored: at start none, so Telegram hands back
        # everything not yet confirmed (stored ones are ignored as duplicates). Never derived from
        # the table: Telegram may restart its update ids lower after a quiet week.
        updates = await self.app.bot.get_updates(
            offset=self._offset, timeout=timeout, allowed_updates=self.allowed_updates, read_timeout=timeout + 10
        )
        new = 0
        for update in updates:
            if await asyncio.to_thread(intake.store, self.engine, update_id=update.update_id, payload=update.to_json()):
                new += 1
        self.services.metrics.last_api_success = time.time()
        if updates:
            self._offset = max(u.update_id for u in updates) + 1  # all stored: confirm them next time
            self._wake.set()
        return new

    async def _process_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                busy = await self.process_pending()
            except SQLAlchemyError as exc:  # the database is away: wait for it, do not die
                log.warning("database unavailable while processing updates (%s); retrying", type(exc).__name__)
                await self._sleep(2.0)
                continue
            if not busy:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    async def process_pending(self) -> int:
        """Run handlers for stored, unfinished updates (each chat's in order) until none is left."""
        done = 0
        while not self.stopping.is_set():
            row = await asyncio.to_thread(intake.claim, self.engine, worker=self.worker)
            if row is None:
                break
            attempt = await asyncio.to_thread(intake.begin, self.engine, update_id=row.update_id)
            if attempt > MAX_ATTEMPTS:
                log.error("update %s failed %d times; giving up on it", row.update_id, attempt - 1)
                await asyncio.to_thread(intake.finish, self.engine, update_id=row.update_id, status="failed")
                continue
            update = Update.de_json(_loads(row.payload), self.app.bot)
            heartbeat = asyncio.create_task(self._keep_lease(row.update_id))
            try:
                await self.app.process_update(update)
            finally:
                heartbeat.cancel()
            await asyncio.to_thread(intake.finish, self.engine, update_id=row.update_id)
            self.services.metrics.updates_processed += 1
            done += 1
        return done

    async def _keep_lease(self, update_id: int) -> None:
        """While a handler runs (a 429 can hold it for minutes), keep the update leased to us."""
        while True:
            await asyncio.sleep(intake.LEASE.total_seconds() / 3)
            with contextlib.suppress(SQLAlchemyError):
                await asyncio.to_thread(intake.renew, self.engine, update_id=update_id, worker=self.worker)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)


def _loads(payload: str) -> dict[str, Any]:
    data = json.loads(payload)
    assert isinstance(data, dict)
    return data


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
