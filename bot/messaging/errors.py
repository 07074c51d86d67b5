"""The error handler: log the traceback, tell the user politely, remember blocked users."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.db import repo
from bot.messaging.context import services
from bot.text.i18n import t
from bot.text.language import resolve

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every handler error; a user gets an apology instead of silence."""
    error = context.error
    if not isinstance(update, Update):
        log.error("error outside an update: %r", error, exc_info=error)
        return
    user = update.effective_user
    if isinstance(error, BadRequest) and "message is not modified" in error.message.lower():
        return  # a double-tapped button asked for the same edit twice: nothing went wrong
    if isinstance(error, Forbidden):
        log.info("user %s blocked the bot or left the chat", user.id if user else "?")
        if user is not None and update.effective_chat and update.effective_chat.type == "private":
            repo.mark_blocked(services(context).engine, user_id=user.id)
        return
    services(context).metrics.handler_errors += 1
    log.error("error while handling update %s", update.update_id, exc_info=error)
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return
    text = update.effective_message.text if update.effective_message else None
    lang = resolve(None, user.language_code if user else None, text)
    try:
        stored = repo.get_user(services(context).engine, user_id=user.id) if user else None
        if stored is not None:
            lang = resolve(stored.language, stored.telegram_language, text)
    except Exception:
        log.warning("could not read the user's language while handling an error", exc_info=True)
    try:
        await context.bot.send_message(chat.id, t("error", lang))
    except TelegramError:
        log.warning("could not send the apology to chat %s", chat.id, exc_info=True)
