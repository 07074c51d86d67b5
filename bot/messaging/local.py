"""Driving the real Application in process: store an update as Telegram would deliver it, process
it through the same pipeline as ``qiaobot run``, deliver what it queued. Used by ``qiaobot chat``
and by the tests."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from telegram.ext import Application

from bot.messaging import intake
from bot.messaging.context import DELIVERER_KEY, PROCESSOR_KEY, RUNTIME_KEY
from bot.messaging.delivery import Deliverer
from bot.messaging.pipeline import Processor
from bot.runtime import Runtime


async def store(app: Application, payload: dict[str, Any]) -> bool:  # type: ignore[type-arg]
    """Store one update in the intake (False if it was stored before: a duplicate)."""
    runtime: Runtime = app.bot_data[RUNTIME_KEY]
    return await asyncio.to_thread(
        intake.store, runtime.engine, update_id=int(payload["update_id"]), payload=json.dumps(payload)
    )


async def process(app: Application) -> int:  # type: ignore[type-arg]
    """Process every stored update that is ready; returns how many."""
    processor: Processor = app.bot_data[PROCESSOR_KEY]
    return await processor.process_pending()


async def deliver(app: Application, now: datetime | None = None) -> int:  # type: ignore[type-arg]
    """Run the outbox worker once (as its scheduled job would)."""
    deliverer: Deliverer = app.bot_data[DELIVERER_KEY]
    return await deliverer.deliver_due(now)


async def feed(app: Application, payload: dict[str, Any], *, deliver_now: bool = True) -> None:  # type: ignore[type-arg]
    """One update end to end: stored, processed in its unit of work, its messages delivered."""
    await store(app, payload)
    await process(app)
    if deliver_now:
        await deliver(app)
