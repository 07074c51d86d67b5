"""Driving the real Application in process: store an update as Telegram would deliver it, process
it through the same pipeline as ``qiaobot run``, deliver what it queued. Used by ``qiaobot chat``
and by the tests."""

from __future__ import annotations

import asyncio
import hashlib
import json
import mimetypes
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.messaging import intake
from bot.messaging.context import DELIVERER_KEY, PROCESSOR_KEY, RUNTIME_KEY
from bot.messaging.delivery import Deliverer
from bot.messaging.localapi import UpdateFactory
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


# -- messages other than text, as Telegram sends them (for ``qiaobot chat`` and the tests) --------

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic")


def _bare(updates: UpdateFactory, user: dict[str, Any]) -> dict[str, Any]:
    payload = updates.message(user, "")
    del payload["message"]["text"]
    return payload


def location(updates: UpdateFactory, user: dict[str, Any], lat: float, lon: float) -> dict[str, Any]:
    """A shared location (the 📍 button, or Telegram's attachment menu)."""
    payload = _bare(updates, user)
    payload["message"]["location"] = {"latitude": lat, "longitude": lon}
    return payload


def contact(updates: UpdateFactory, user: dict[str, Any], phone: str) -> dict[str, Any]:
    """The person's own contact, shared with the ☎️ button."""
    payload = _bare(updates, user)
    payload["message"]["contact"] = {
        "phone_number": phone,
        "first_name": user.get("first_name", ""),
        "user_id": user["id"],
    }
    return payload


def attachment(updates: UpdateFactory, user: dict[str, Any], path: Path, caption: str = "") -> dict[str, Any]:
    """A file sent as a photo (an image, by its extension) or as a document; the file stays on disk and
    its id names it (the local Bot API keeps no files)."""
    payload = _bare(updates, user)
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    file_id, size = f"local-{digest}", path.stat().st_size
    if path.suffix.lower() in PHOTO_SUFFIXES:
        payload["message"]["photo"] = [
            {"file_id": file_id, "file_unique_id": digest, "width": 1280, "height": 960, "file_size": size}
        ]
    else:
        kind, _ = mimetypes.guess_type(path.name)
        payload["message"]["document"] = {
            "file_id": file_id,
            "file_unique_id": digest,
            "file_name": path.name,
            "mime_type": kind or "application/octet-stream",
            "file_size": size,
        }
    if caption:
        payload["message"]["caption"] = caption
    return payload
