"""``qiaobot web``: the staff console in a browser, on WEB_LISTEN (default 127.0.0.1:8000)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from bot.cli.common import FAQ_DIR_HELP
from bot.config import Settings
from bot.console.app import build_console
from bot.content.live import LiveFaq
from bot.db.engine import open_database
from bot.messaging.http import server

log = logging.getLogger(__name__)


def add_commands(sub: Any) -> None:
    web = sub.add_parser("web", help="serve the staff web console (WEB_LISTEN, default 127.0.0.1:8000)")
    web.add_argument("--listen", help="host:port to listen on (default: WEB_LISTEN)")
    web.add_argument("--faq-dir", type=Path, help=FAQ_DIR_HELP)
    web.set_defaults(handler=cmd_web)


def cmd_web(settings: Settings, args: argparse.Namespace) -> int:
    listen = args.listen or settings.web_listen
    engine = open_database(
        settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    app = build_console(settings, engine, LiveFaq(settings.faq_dir))
    print(f"qiaobot web: the staff console is on http://{listen}/ (Ctrl-C stops it)", flush=True)
    server(app, listen).run()
    return 0
