"""``qiaobot report scorecard | export``: the scorecard of a queue (or a lead's subtree) and exports of reports."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bot.cli.common import env_for, group, open_existing
from bot.config import Settings
from bot.db.models import utcnow
from bot.db.uow import session_scope
from bot.reports import export
from bot.reports.federation import Federation
from bot.reports.scorecard import scorecard, scorecard_csv, subtree, table_rows
from bot.runtime import Env

LANGS = ["zh-Hans", "zh-Hant", "en"]


def add_commands(sub: Any) -> None:
    cmd = group(sub, "report", "scorecards and exports of difficulty reports (for admins)")
    card = cmd.add_parser("scorecard", help="received, response and resolution times, SLA, satisfaction, backlog")
    card.add_argument("--queue", action="append", help="this queue (repeatable; default: every queue)")
    card.add_argument("--subtree", action="store_true", help="with --queue: also every queue below it (a lead's view)")
    card.add_argument("--weeks", type=int, default=12, help="how many weeks, the current one included (default 12)")
    card.add_argument("--csv", action="store_true", help="CSV instead of a table")
    card.add_argument("--lang", default="zh-Hans", choices=LANGS, help="labels (default zh-Hans)")
    card.set_defaults(handler=cmd_scorecard)
    out = cmd.add_parser("export", help="reports filed in a period as CSV or XLSX (no personal data)")
    out.add_argument("--from", dest="start", required=True, type=date.fromisoformat, help="first day, YYYY-MM-DD")
    out.add_argument("--to", dest="end", required=True, type=date.fromisoformat, help="last day, YYYY-MM-DD")
    out.add_argument("--queue", action="append", help="reports now in this queue (repeatable; default: all)")
    out.add_argument("--subtree", action="store_true", help="with --queue: also every queue below it")
    out.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    out.add_argument("-o", "--output", required=True, type=Path, help="the file to write")
    out.add_argument("--lang", default="zh-Hans", choices=LANGS, help="labels (default zh-Hans)")
    out.set_defaults(handler=cmd_export)


def _scope(federation: Federation, args: argparse.Namespace) -> list[str] | None:
    if not args.queue:
        return None
    unknown = [q for q in args.queue if q not in federation.by_id]
    if unknown:
        known = ", ".join(q.id for q in federation.queues)
        raise ValueError(f"no queue {unknown[0]!r}; the queues are: {known}")
    if not args.subtree:
        return list(dict.fromkeys(args.queue))
    return list(dict.fromkeys(q for root in args.queue for q in subtree(federation, root)))


def _open(settings: Settings, args: argparse.Namespace) -> tuple[Engine, Env, list[str] | None] | None:
    """The database, the bot's environment (federation tree, SLA calendar) and the queues asked for;
    None (said why) if a queue is unknown."""
    engine = open_existing(settings)
    env = env_for(settings, engine)
    try:
        return engine, env, _scope(env.content.federation, args)
    except ValueError as exc:
        print(f"qiaobot: {exc}", file=sys.stderr)
        return None


def cmd_scorecard(settings: Settings, args: argparse.Namespace) -> int:
    if not 1 <= args.weeks <= 260:
        print("qiaobot: --weeks must be between 1 and 260", file=sys.stderr)
        return 2
    opened = _open(settings, args)
    if opened is None:
        return 2
    engine, env, queues = opened
    with session_scope(engine) as s:
        card = scorecard(
            s, queues=queues, weeks=args.weeks, now=utcnow(), federation=env.content.federation, calendar=env.calendar
        )
    if args.csv:
        sys.stdout.write(scorecard_csv(card, lang=args.lang))
        return 0
    print(render_table(table_rows(card, args.lang)))
    print("\n* the current week, up to now; times in hours; weeks start Monday 00:00 Beijing time")
    return 0


def _width(text: str) -> int:
    """Columns a terminal gives the text (a Chinese character takes two)."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


def render_table(rows: list[list[str]]) -> str:
    """The table transposed: one line per figure, one column per period (many figures stay readable)."""
    lines = [list(column) for column in zip(*rows, strict=True)]
    label = max(_width(line[0]) for line in lines)
    widths = [max(_width(line[j]) for line in lines) for j in range(1, len(rows))]
    out = []
    for line in lines:
        cells = [" " * (w - _width(c)) + c for c, w in zip(line[1:], widths, strict=True)]
        out.append(line[0] + " " * (label - _width(line[0])) + "  " + "  ".join(cells))
    return "\n".join(out)


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    if args.end < args.start:
        print("qiaobot: --to is before --from", file=sys.stderr)
        return 2
    opened = _open(settings, args)
    if opened is None:
        return 2
    engine, _, queues = opened
    with session_scope(engine) as s:
        rows = export.export_rows(s, queues=queues, start=args.start, end=args.end)
    data = export.to_xlsx(rows, lang=args.lang) if args.format == "xlsx" else export.to_csv(rows, lang=args.lang)
    args.output.write_bytes(data)
    print(f"{len(rows)} reports written to {args.output}")
    return 0
