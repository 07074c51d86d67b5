"""What the commands share: opening the bot's database, the content, safe URLs, the CLI actor."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.content.live import LiveFaq
from bot.db.engine import DatabaseUnavailable, is_sqlite, open_database
from bot.groups.access import Actor
from bot.runtime import Env, Runtime

FAQ_DIR_HELP = "FAQ directory (default: FAQ_DIR, or the FAQ shipped with the bot)"
CLI = Actor("cli", None, "cli", is_admin=True)


def open_existing(settings: Settings) -> Engine:
    """The bot's database; a missing SQLite file is an error, not a new empty database."""
    url = make_url(settings.database_url)
    if is_sqlite(settings.database_url) and url.database and not Path(url.database).exists():
        raise DatabaseUnavailable(f"no database at {url.database}: run this where the bot runs, or set DATABASE_URL")
    return open_database(settings.database_url)


def env_for(settings: Settings, engine: Engine) -> Env:
    return Runtime(settings=settings, engine=engine, faq=LiveFaq(settings.faq_dir)).env()


def group(sub: Any, name: str, help_text: str) -> Any:
    """A command group (``qiaobot tickets …``) whose bare form prints its own help."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
    parser.set_defaults(group_parser=parser)
    return parser.add_subparsers(dest=f"{name}_command", metavar="SUBCOMMAND")


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
