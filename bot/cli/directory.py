"""``qiaobot directory stale``: associations whose entry has not been verified for a while."""

from __future__ import annotations

import argparse
import calendar
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.cli.common import FAQ_DIR_HELP, group
from bot.config import Settings
from bot.content.live import LiveFaq


def add_commands(sub: Any) -> None:
    cmd = group(sub, "directory", "the association directory")
    stale = cmd.add_parser("stale", help="associations not verified for a while")
    stale.add_argument("--months", type=int, default=12, help="older than this many months (default 12)")
    stale.add_argument("--faq-dir", type=Path, help=FAQ_DIR_HELP)
    stale.set_defaults(handler=cmd_stale)


def cmd_stale(settings: Settings, args: argparse.Namespace) -> int:
    """Entries whose last_verified is older than --months: the list to re-check with each association."""
    if not 0 <= args.months <= 1200:
        print("qiaobot: --months must be between 0 and 1200", file=sys.stderr)
        return 2
    today = date.today()
    months = today.year * 12 + today.month - 1 - args.months
    year, month = divmod(months, 12)
    cutoff = date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))
    rows = LiveFaq(settings.faq_dir).current.directory.stale(older_than=cutoff)
    for a in rows:
        print(f"{a.last_verified.isoformat()}  {a.id:<28} {a.country}  {a.city.en:<16} {a.name.en}")
    print(f"{len(rows)} association(s) last verified before {cutoff.isoformat()}")
    return 0
