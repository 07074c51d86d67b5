"""``qiaobot run``: the bot on Telegram (durable long polling, or --webhook)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from bot.cli.common import safe_url
from bot.config import Settings

log = logging.getLogger("qiaobot")


def add_commands(sub: Any) -> None:
    run = sub.add_parser("run", help="run the bot on Telegram (needs BOT_TOKEN): long polling, or --webhook")
    run.add_argument("--webhook", action="store_true", help="serve WEBHOOK_URL on WEBHOOK_LISTEN instead of polling")
    run.set_defaults(handler=cmd_run)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run on Telegram until SIGTERM/SIGINT."""
    from bot.app import ALLOWED_UPDATES, build_application
    from bot.messaging.http import StartupError
    from bot.messaging.runner import run_polling, run_webhook

    token = settings.require_token()
    if args.webhook:
        settings.require_webhook()
    app = build_application(settings, token=token)
    try:
        if args.webhook:
            log.info("starting webhook mode (database %s)", safe_url(settings.database_url))
            asyncio.run(run_webhook(app, settings, ALLOWED_UPDATES))
        else:
            log.info(
                "starting long polling (API %s, database %s)",
                settings.telegram_api_url,
                safe_url(settings.database_url),
            )
            asyncio.run(run_polling(app, settings, ALLOWED_UPDATES))
    except StartupError as exc:
        print(f"qiaobot: {exc}", file=sys.stderr)
        return 2
    return 0
