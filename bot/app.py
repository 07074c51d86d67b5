"""The composition root: settings → engine → runtime → one ``register`` per feature → Application."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.content import handlers as content
from bot.content.live import LiveFaq
from bot.db.engine import is_sqlite, open_database
from bot.directory import handlers as directory
from bot.faq import handlers as faq
from bot.groups import handlers as groups
from bot.groups.telegram import TelegramMembership
from bot.messaging import callbacks as cb
from bot.messaging import channels, errors
from bot.messaging.budget import Limits
from bot.messaging.context import DELIVERER_KEY, POLL_BOT_KEY, PROCESSOR_KEY, RUNTIME_KEY, BotContext
from bot.messaging.delivery import Deliverer, RawBot
from bot.messaging.pipeline import Processor
from bot.messaging.ratelimit import RetryingRateLimiter
from bot.reports import handlers as reports
from bot.reports import jobs as sla
from bot.reports import staff
from bot.runtime import Runtime
from bot.users import handlers as users
from bot.users.menu import register_menu

# Updates the bot asks Telegram for; always passed explicitly (an empty list would mean "all but some").
# Edits are not asked for: an edited /reply or /resolve must not act twice.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
DELIVERY_INTERVAL = 1.0
CHANNELS_INTERVAL = 5.0  # e-mail and WeCom notices to staff outside Telegram

App = Application[Any, Any, Any, Any, Any, Any]


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    engine: Engine | None = None,
    live_faq: LiveFaq | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> App:
    """Wire settings, storage, the content and every feature into a python-telegram-bot Application.

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
        .context_types(ContextTypes(context=BotContext))
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    # The outbox worker sends with a bot of its own, without the rate limiter's in-place retries: it
    # paces itself and stores its retries, so one outage never blocks anything else.
    delivery_bot = RawBot(
        token,
        base_url=settings.telegram_api_url,
        base_file_url=settings.telegram_file_url,
        request=request or HTTPXRequest(connection_pool_size=8),
    )
    # getUpdates (long polling) on a connection of its own, read as raw JSON.
    poll_bot = RawBot(
        token,
        base_url=settings.telegram_api_url,
        base_file_url=settings.telegram_file_url,
        request=request or HTTPXRequest(connection_pool_size=1),
    )
    live_faq = live_faq or LiveFaq(settings.faq_dir)  # content first: a broken FAQ creates no database
    engine = engine or open_database(
        settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    runtime = Runtime(settings=settings, engine=engine, faq=live_faq)

    async def post_init(app: App) -> None:
        membership.bind_loop(asyncio.get_running_loop())
        await delivery_bot.initialize()
        await poll_bot.initialize()
        await register_menu(app)
        runtime.metrics.last_api_success = time.time()  # initialize() reached the Bot API (getMe)

    async def post_shutdown(_: App) -> None:
        await delivery_bot.shutdown()
        await poll_bot.shutdown()

    app = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    membership = TelegramMembership(app.bot)
    runtime.membership = membership
    app.bot_data[RUNTIME_KEY] = runtime
    if isinstance(app.bot.rate_limiter, RetryingRateLimiter):
        app.bot.rate_limiter.metrics = runtime.metrics
    limits = Limits(settings.send_per_second, settings.send_chat_burst, settings.send_group_per_minute)
    deliverer = Deliverer(delivery_bot, engine, limits=limits, metrics=runtime.metrics)
    app.bot_data[DELIVERER_KEY] = deliverer
    app.bot_data[POLL_BOT_KEY] = poll_bot
    # SQLite takes one writer at a time: there updates are processed one by one; PostgreSQL runs
    # several chats at once (each chat still strictly in order).
    concurrency = 1 if is_sqlite(str(engine.url)) else settings.process_concurrency
    app.bot_data[PROCESSOR_KEY] = Processor(app, runtime, concurrency=concurrency)
    schedule_jobs(app, runtime, deliverer)
    register(app)
    return app


def schedule_jobs(app: App, runtime: Runtime, deliverer: Deliverer) -> None:
    """The outbox worker every second (and right after each update), the SLA job every minute, e-mail
    and WeCom notices every five seconds."""
    jq = app.job_queue
    if jq is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")

    woken = False  # a run asked for by wake() is queued and has not started yet

    async def deliver(_: BotContext) -> None:
        nonlocal woken
        woken = False  # what is committed from here on is for this run, or the next one asked for
        await deliverer.deliver_due()

    async def escalate(_: BotContext) -> None:
        try:
            moved = await asyncio.to_thread(sla.escalate_overdue, runtime)
        except SQLAlchemyError as exc:  # the database is away: the deadlines wait in it
            runtime.metrics.failed("database", exc)
            return
        if moved:
            await deliverer.deliver_due()

    jq.run_repeating(deliver, interval=DELIVERY_INTERVAL, first=DELIVERY_INTERVAL, name="outbox")
    jq.run_repeating(escalate, interval=sla.INTERVAL, first=5, name="escalation")
    outside = channels.sender_for(runtime.settings, runtime.engine)

    async def notify_outside(_: BotContext) -> None:
        try:
            await outside.deliver_due()
        except SQLAlchemyError as exc:  # the database is away: the notices wait in it
            runtime.metrics.failed("database", exc)

    jq.run_repeating(notify_outside, interval=CHANNELS_INTERVAL, first=CHANNELS_INTERVAL, name="channels")

    def wake() -> None:
        """Deliver now (after each update); wakes while a run is queued join that run."""
        nonlocal woken
        if not woken:
            woken = True
            jq.run_once(deliver, when=0)

    runtime.wake_delivery = wake


def register(app: App) -> None:
    """Every feature's handlers, in the order they get a message.

    Earlier groups first: edits are ignored; /find waiting for a place; a staff reply to a ticket
    post; a join form or a report being written; a message for a ticket that waits for its
    author; everything else is a question.
    """
    private = filters.ChatType.PRIVATE
    user_input = private & ~filters.COMMAND & (filters.TEXT | filters.PHOTO | filters.Document.ALL | filters.CONTACT)
    text = private & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, users.ignore), -10)
    app.add_handler(MessageHandler(private & filters.COMMAND, directory.stop_waiting), -11)
    app.add_handler(MessageHandler(text, directory.on_place_text), -7)
    app.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.REPLY & filters.TEXT & ~filters.COMMAND, staff.on_reply), -6
    )
    app.add_handler(MessageHandler(user_input, directory.on_form_message), -5)
    app.add_handler(MessageHandler(user_input, reports.on_message), -4)
    app.add_handler(MessageHandler(user_input, reports.on_thread_message), -2)
    handlers: list[Any] = [
        CommandHandler("start", users.start, filters=private),
        CommandHandler("help", users.help_command, filters=private),
        CommandHandler("language", users.language, filters=private),
        CommandHandler("cancel", users.cancel, filters=private),
        CallbackQueryHandler(users.on_language, pattern=cb.ChooseLanguage.pattern()),
        CommandHandler("faq", faq.menu, filters=private),
        CallbackQueryHandler(faq.on_menu, pattern=cb.FaqMenu.pattern()),
        CallbackQueryHandler(faq.on_category, pattern=cb.FaqCategory.pattern()),
        CallbackQueryHandler(faq.on_answer, pattern=cb.FaqAnswer.pattern()),
        CallbackQueryHandler(faq.on_feedback, pattern=cb.Feedback.pattern()),
        CommandHandler("find", directory.find, filters=private),
        MessageHandler(private & filters.LOCATION, directory.on_location),
        CallbackQueryHandler(directory.on_details, pattern=cb.AssociationDetails.pattern()),
        CallbackQueryHandler(directory.on_more, pattern=cb.FindMore.pattern()),
        CallbackQueryHandler(directory.on_join, pattern=cb.JoinStart.pattern()),
        CallbackQueryHandler(directory.on_consent, pattern=cb.JoinConsent.pattern()),
        CallbackQueryHandler(directory.on_decision, pattern=cb.JoinDecision.pattern()),
        CommandHandler("joins", directory.pending_joins, filters=private),
        CommandHandler("report", reports.report, filters=private),
        CommandHandler("skip", reports.skip, filters=private),
        CommandHandler("mytickets", reports.my_tickets, filters=private),
        CallbackQueryHandler(reports.on_button, pattern=cb.ReportStep.pattern()),
        CallbackQueryHandler(reports.on_rating, pattern=cb.Rating.pattern()),
        CommandHandler("bind", groups.bind),
        CommandHandler("unbind", groups.unbind),
        CommandHandler("queue", staff.queue),
        CommandHandler(list(staff.ACTIONS), staff.command),
        CallbackQueryHandler(staff.on_button, pattern=cb.TicketAction.pattern()),
        CommandHandler("reload", content.reload_faq),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, faq.ask),
        MessageHandler(private & filters.COMMAND, users.unknown_command),
        MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, users.non_text),
        CallbackQueryHandler(users.stale_button),
    ]
    app.add_handlers(handlers)
    app.add_error_handler(errors.on_error)
