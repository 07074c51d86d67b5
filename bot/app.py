"""The composition root: build the one ``Application`` from settings (and test doubles)."""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import Engine
from telegram import Bot, LinkPreviewOptions
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
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.content import handlers as admin
from bot.content.live import LiveFaq
from bot.db.engine import open_database
from bot.directory import handlers as directory
from bot.directory import joining
from bot.faq import handlers as faq
from bot.faq import keyboards as kb
from bot.messaging import errors
from bot.messaging.context import SERVICES_KEY
from bot.messaging.delivery import Deliverer
from bot.messaging.ratelimit import RetryingRateLimiter
from bot.reports import handlers as report
from bot.reports import jobs, mytickets, staff
from bot.runtime import Services
from bot.users import handlers as start
from bot.users.menu import register_menu

# Updates the bot asks Telegram for; always passed explicitly (an empty list would mean "all but some").
# Edits are not asked for: an edited /reply or /resolve must not act twice.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
DELIVERER_KEY = "deliverer"


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
        .token(token := token or settings.require_token())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(rate_limiter or RetryingRateLimiter())
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    # Outbox delivery uses a bot of its own without the rate limiter's in-place retries: the
    # worker paces itself and stores its retries, so one outage never blocks a handler.
    delivery_bot = Bot(token, base_url=settings.telegram_api_url, base_file_url=settings.telegram_file_url,
                       request=request or HTTPXRequest(connection_pool_size=4))  # fmt: skip

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        await delivery_bot.initialize()
        await register_menu(app)
        services.metrics.last_api_success = time.time()  # initialize() reached the Bot API (getMe)

    async def post_shutdown(_: Application) -> None:  # type: ignore[type-arg]
        await delivery_bot.shutdown()

    app = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    live_faq = live_faq or LiveFaq(settings.faq_dir)  # content first: a broken FAQ creates no database
    engine = engine or open_database(
        settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    services = Services(settings=settings, engine=engine, faq=live_faq)
    app.bot_data[SERVICES_KEY] = services
    if isinstance(app.bot.rate_limiter, RetryingRateLimiter):
        app.bot.rate_limiter.metrics = services.metrics
    deliverer = Deliverer(delivery_bot, services.engine, metrics=services.metrics)
    app.bot_data[DELIVERER_KEY] = deliverer
    jobs.schedule(app, deliverer)
    add_handlers(app)
    return app


def add_handlers(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    user_input = private & ~filters.COMMAND & (filters.TEXT | filters.PHOTO | filters.Document.ALL | filters.CONTACT)
    # Edits never act again (an edited /reply or /resolve must not run twice); Telegram is not even
    # asked for them (ALLOWED_UPDATES), this guards against a replayed or hand-made one.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, start.ignore), -10)
    # Earlier groups first: a staff reply to a ticket post, a report being written, then a
    # message for a ticket that waits for its author; everything else is a question.
    app.add_handler(MessageHandler(private & filters.COMMAND, directory.forget_place_prompt), -11)
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, directory.on_place_text), -7)
    app.add_handler(MessageHandler(groups & filters.REPLY & filters.TEXT & ~filters.COMMAND, staff.on_reply), -6)
    app.add_handler(MessageHandler(user_input, joining.on_form_message), -5)
    app.add_handler(MessageHandler(user_input, report.on_message), -4)
    app.add_handler(MessageHandler(user_input, mytickets.on_thread_message), -2)
    app.add_handler(CommandHandler("find", directory.find, filters=private))
    app.add_handler(MessageHandler(private & filters.LOCATION, directory.on_location))
    app.add_handler(CallbackQueryHandler(directory.on_details, pattern=r"^d:"))
    app.add_handler(CallbackQueryHandler(joining.on_join, pattern=r"^j:"))
    app.add_handler(CallbackQueryHandler(joining.on_consent, pattern=r"^jc:"))
    app.add_handler(CallbackQueryHandler(joining.on_decision, pattern=r"^jr:"))
    app.add_handler(CommandHandler("skip", report.skip, filters=private))
    app.add_handler(CommandHandler("mytickets", mytickets.my_tickets, filters=private))
    app.add_handler(CommandHandler("bind", staff.bind))
    app.add_handler(CommandHandler("unbind", staff.unbind))
    app.add_handler(CommandHandler("queue", staff.queue))
    app.add_handler(CommandHandler(list(staff.ACTIONS), staff.command))
    app.add_handler(CallbackQueryHandler(report.on_button, pattern=r"^r:"))
    app.add_handler(CallbackQueryHandler(staff.on_button, pattern=r"^tk:"))
    app.add_handler(CallbackQueryHandler(mytickets.on_rating, pattern=r"^rt:"))
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
