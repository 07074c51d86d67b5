"""The error handler: a handler that fails makes its whole update fail (and roll back).

The pipeline then retries the update, or — after the last attempt — sets it aside and apologises
to the person; nothing is half-done.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest

from bot.messaging.context import BotContext
from bot.messaging.pipeline import CURRENT

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if isinstance(error, BadRequest) and "message is not modified" in error.message.lower():
        return  # a double-tapped button asked for the same edit twice: nothing went wrong
    turn = CURRENT.get(None)
    if not isinstance(update, Update) or turn is None:
        log.error("error outside an update: %s", type(error).__name__, exc_info=error)
        return
    turn.error = error
