"""Running the bot for real: durable long polling, or a webhook behind a reverse proxy.

Both store every update before it is confirmed and process it from the database with the same
loop; both stop cleanly on SIGTERM/SIGINT after finishing the update in hand.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlparse

import uvicorn
from telegram.error import TelegramError
from telegram.ext import Application

from bot.config import Settings
from bot.messaging import http
from bot.messaging.context import PROCESSOR_KEY, RUNTIME_KEY
from bot.messaging.http import StartupError
from bot.messaging.pipeline import Processor
from bot.messaging.polling import DurablePoller
from bot.messaging.webhook import WebApp
from bot.runtime import Runtime

log = logging.getLogger(__name__)
THREADS = 32


async def _lifecycle(app: Application, stopper: Callable[[], None], servers: list[uvicorn.Server], body: Any) -> None:  # type: ignore[type-arg]
    loop = asyncio.get_running_loop()
    # Database work runs in worker threads: enough of them for every chat processed at once.
    loop.set_default_executor(ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="qiaobot"))

    def stop() -> None:
        stopper()
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    async with app:
        if app.post_init:
            await app.post_init(app)
        await app.start()
        try:
            await asyncio.gather(body, *(http.serve(s) for s in servers))
        finally:
            stop()
            await app.stop()
    if app.post_shutdown:
        await app.post_shutdown(app)


async def run_polling(app: Application, settings: Settings, allowed_updates: list[str]) -> None:  # type: ignore[type-arg]
    """Durable long polling; /healthz, /readyz and /metrics on HEALTH_LISTEN when it is set."""
    runtime: Runtime = app.bot_data[RUNTIME_KEY]
    poller = DurablePoller(app, runtime, app.bot_data[PROCESSOR_KEY], allowed_updates=allowed_updates)
    servers = [http.server(WebApp(runtime), settings.health_listen)] if settings.health_listen else []
    await _lifecycle(app, poller.stop, servers, poller.run())


async def run_webhook(app: Application, settings: Settings, allowed_updates: list[str]) -> None:  # type: ignore[type-arg]
    """Register the webhook (with its secret), serve it, and process what it stores."""
    url, secret = settings.require_webhook()
    runtime: Runtime = app.bot_data[RUNTIME_KEY]
    processor: Processor = app.bot_data[PROCESSOR_KEY]
    web = WebApp(runtime, webhook_path=urlparse(url).path or "/", secret=secret, on_update=processor.wake)

    async def body() -> None:
        try:
            await app.bot.set_webhook(
                url, secret_token=secret, allowed_updates=allowed_updates, drop_pending_updates=False
            )
        except TelegramError as exc:
            processor.stop()
            raise StartupError(f"Telegram refused the webhook {url}: {exc.message}") from None
        log.info("webhook registered; listening on %s", settings.webhook_listen)
        await processor.run_forever()

    await _lifecycle(app, processor.stop, [http.server(web, settings.webhook_listen)], body())
