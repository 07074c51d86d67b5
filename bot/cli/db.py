"""``qiaobot db upgrade | current | prune``: the schema and retention."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.cli.common import group, open_existing, safe_url
from bot.config import Settings
from bot.db.engine import create_db_engine, current_revision, head_revision, upgrade
from bot.db.retention import prune
from bot.db.uow import session_scope


def add_commands(sub: Any) -> None:
    cmd = group(sub, "db", "database schema and retention")
    cmd.add_parser("upgrade", help="apply migrations up to the latest").set_defaults(handler=cmd_upgrade)
    cmd.add_parser("current", help="show the schema revision").set_defaults(handler=cmd_current)
    pruning = cmd.add_parser("prune", help="delete processed updates and delivered messages older than --days")
    pruning.add_argument("--days", type=int, default=30, help="keep this many days (default 30)")
    pruning.set_defaults(handler=cmd_prune)


def cmd_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    engine = create_db_engine(settings.database_url)
    upgrade(engine)
    print(f"database {safe_url(settings.database_url)} is at revision {current_revision(engine)}")
    return 0


def cmd_current(settings: Settings, _args: argparse.Namespace) -> int:
    engine = create_db_engine(settings.database_url)
    current = current_revision(engine)
    print(f"current: {current or '(empty database)'}; latest: {head_revision()}")
    return 0 if current == head_revision() else 1


def cmd_prune(settings: Settings, args: argparse.Namespace) -> int:
    """Retention: raw updates and sent messages hold users' words; tickets are kept."""
    if args.days < 1:
        print("qiaobot: --days must be at least 1", file=sys.stderr)
        return 2
    with session_scope(open_existing(settings)) as s:
        updates, messages = prune(s, older_than=datetime.now(UTC) - timedelta(days=args.days))
    print(f"deleted {updates} processed update(s) and {messages} delivered message(s) older than {args.days} days")
    return 0
