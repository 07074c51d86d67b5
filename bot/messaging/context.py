"""The typed context every handler receives: the runtime, and the unit of work of its update."""

from __future__ import annotations

import logging
from typing import Any, cast

from telegram import CallbackQuery
from telegram.error import TelegramError
from telegram.ext import CallbackContext, ExtBot

from bot.messaging.pipeline import Turn, current
from bot.runtime import Runtime

log = logging.getLogger(__name__)
RUNTIME_KEY = "runtime"
PROCESSOR_KEY = "processor"
DELIVERER_KEY = "deliverer"
POLL_BOT_KEY = "poll_bot"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """``context`` in handlers: ``context.runtime`` and ``context.turn`` instead of casts from ``bot_data``."""

    @property
    def runtime(self) -> Runtime:
        return cast(Runtime, self.bot_data[RUNTIME_KEY])

    @property
    def turn(self) -> Turn:
        return current()


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press (stops the client's spinner). A courtesy: whatever Telegram says to
    it ("query is too old", 502…), the action itself goes on."""
    try:
        await query.answer(text[:190] if text else None, show_alert=alert)
    except TelegramError as exc:
        log.info("answerCallbackQuery failed (%s); carrying on", exc)
