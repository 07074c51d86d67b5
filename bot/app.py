"""The composition root: build the one ``Application`` from settings (and test doubles)."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.content.live import LiveFaq
from bot.services import Services
from bot.storage.db import open_database
from bot.telegram import keyboards as kb
from bot.telegram.commands import register_menu
from bot.telegram.context import SERVICES_KEY
from bot.telegram.handlers import admin, errors, faq, report, start
from bot.telegram.ratelimit import RetryingRateLimiter

# Updates the bot asks Telegram for; always passed explicitly (an empty list would mean "all but some").
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    engine: Engine | None = None,
    live_faq: LiveFaq | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> Application:  # type: ignore[type-arg]
    """Wire settings, storage, the FAQ and every handler into a python-telegram-bot Application.

    ``request`` replaces the HTTP layer (tests and ``qiaobot chat`` pass an in-process Bot API);
    ``token`` defaults to ``BOT_TOKEN``.
    """
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    builder = (
        ApplicationBuilder()
        .token(token or settings.require_token())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .defaults(
            Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
        )
        .rate_limiter(rate_limiter or RetryingRateLimiter())
        .post_init(register_menu)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    app.bot_data[SERVICES_KEY] = Services(
        settings=settings,
        engine=engine or open_database(settings.database_url),
        faq=live_faq or LiveFaq(settings.faq_dir),
    )
    add_handlers(app)
    return app


def add_handlers(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", start.start, filters=private))
    app.add_handler(CommandHandler("help", start.help_command, filters=private))
    app.add_handler(CommandHandler("language", start.language, filters=private))
    app.add_handler(CommandHandler("cancel", start.cancel, filters=private))
    app.add_handler(CommandHandler("faq", faq.menu, filters=private))
    app.add_handler(CommandHandler("report", report.report, filters=private))
    app.add_handler(CommandHandler("reload", admin.reload_faq))
    app.add_handler(CallbackQueryHandler(start.on_language, pattern=rf"^{kb.LANG}:"))
    app.add_handler(CallbackQueryHandler(faq.on_menu, pattern=rf"^{kb.MENU}$"))
    app.add_handler(CallbackQueryHandler(faq.on_category, pattern=rf"^{kb.CATEGORY}:"))
    app.add_handler(CallbackQueryHandler(faq.on_answer, pattern=rf"^{kb.ANSWER}:"))
    app.add_handler(CallbackQueryHandler(faq.on_feedback, pattern=rf"^{kb.FEEDBACK}:"))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, faq.ask))
    app.add_handler(MessageHandler(private & filters.COMMAND, start.help_command))
    app.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, start.non_text))
    app.add_error_handler(errors.on_error)
