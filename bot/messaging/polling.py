"""Long polling that loses nothing.

python-telegram-bot's own updater confirms updates to Telegram before handlers run. Here every
update is first stored in the ``intake`` table; only then does the next ``getUpdates`` (with a
higher offset) confirm it. The :class:`~bot.messaging.pipeline.Processor` works the stored
updates, each in one unit of work, so after a crash the unfinished ones run again from scratch
and duplicates are ignored by their unique ``update_id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram.error import InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.messaging import intake
from bot.messaging.context import POLL_BOT_KEY
from bot.messaging.delivery import RawBot
from bot.messaging.pipeline import Processor
from bot.runtime import Runtime

log = logging.getLogger(__name__)
POLL_TIMEOUT = 25


class DurablePoller:
    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        runtime: Runtime,
        processor: Processor,
        *,
        allowed_updates: list[str],
        poll_timeout: int = POLL_TIMEOUT,
    ) -> None:
        self.app = app
        self.raw: RawBot = app.bot_data[POLL_BOT_KEY]
        self.runtime = runtime
        self.processor = processor
        self.allowed_updates = allowed_updates
        self.poll_timeout = poll_timeout
        self.stopping = asyncio.Event()
        self._offset: int | None = None

    async def run(self) -> None:
        """Fetch and process until :meth:`stop`; finishes the updates in hand before returning."""
        await self.app.bot.delete_webhook(drop_pending_updates=False)
        await asyncio.gather(self._fetch_loop(), self.processor.run_forever())

    def stop(self) -> None:
        self.stopping.set()
        self.processor.stop()

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
                self.runtime.metrics.last_api_failure = time.time()
                self.runtime.metrics.failed("bot_api", exc)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 60.0)
            except SQLAlchemyError as exc:  # not stored, so not confirmed: fetched again later
                self.runtime.metrics.failed("database", exc)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 60.0)

    async def fetch_once(self, poll_timeout: int | None = None) -> int:
        """One getUpdates round: store everything received; returns how many were new."""
        timeout = self.poll_timeout if poll_timeout is None else poll_timeout
        # The offset is only what this process has stored: at start none, so Telegram hands back
        # everything not yet confirmed (stored ones are ignored as duplicates). Never derived from
        # the table: Telegram may restart its update ids lower after a quiet week.
        # Raw JSON, not python-telegram-bot's objects: an update it cannot read is still stored (and
        # set aside when processed) instead of stopping the loop before anything is stored.
        params = {"offset": self._offset, "timeout": timeout, "allowed_updates": self.allowed_updates}
        result = await self.raw.call("getUpdates", params, read_timeout=timeout + 10)
        items = result if isinstance(result, list) else []
        engine = self.runtime.engine
        new, ids = 0, []
        for item in items:
            if not intake.valid_update(item):
                log.warning("getUpdates returned something that is not an update; skipped")
                continue
            ids.append(item["update_id"])
            if await asyncio.to_thread(intake.store, engine, update_id=item["update_id"], payload=json.dumps(item)):
                new += 1
        self.runtime.metrics.last_api_success = time.time()
        self.runtime.metrics.ok("bot_api")
        if ids:
            self._offset = max(ids) + 1  # all stored: confirm them next time
            self.processor.wake()
        return new

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)
