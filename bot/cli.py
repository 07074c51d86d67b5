"""``qiaobot``: run the bot, chat with it locally, check and test the FAQ, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from bot.cli_admin import cmd_directory_stale, cmd_tickets_list, cmd_tickets_show, cmd_users_forget
from bot.config import ConfigError, Settings, configure_logging, load_settings
from bot.content.associations_loader import check_directory
from bot.content.faq_loader import check_faq
from bot.content.federations_loader import check_federation
from bot.content.problems import ContentError, Problem
from bot.core.language import UI_LANGS, as_ui_lang
from bot.core.matcher import FaqIndex
from bot.core.tickets import Status
from bot.storage.db import DatabaseNotReady, DatabaseUnavailable

log = logging.getLogger("qiaobot")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = load_settings(**({"faq_dir": args.faq_dir} if getattr(args, "faq_dir", None) else {}))
        level = settings.log_level if args.command == "run" else max_level(settings.log_level)
        configure_logging(level, settings.log_format)
        return int(args.handler(settings, args))
    except ConfigError as exc:
        print(f"qiaobot: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        _print_problems(exc.problems, sys.stderr)
        print("qiaobot: the files in FAQ_DIR have errors (run `qiaobot faq check`)", file=sys.stderr)
        return 1
    except (DatabaseUnavailable, DatabaseNotReady) as exc:
        print(f"qiaobot: {exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        print(f"qiaobot: cannot use the database in DATABASE_URL: {reason}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def max_level(level: str) -> str:
    """Interactive commands stay quiet unless asked: WARNING or the configured level if higher."""
    return level if logging.getLevelName(level) > logging.WARNING else "WARNING"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qiaobot", description="Qiaolian Bot: the federation's Telegram assistant")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot on Telegram (needs BOT_TOKEN): long polling, or --webhook")
    run.add_argument("--webhook", action="store_true", help="serve WEBHOOK_URL on WEBHOOK_LISTEN instead of polling")
    run.set_defaults(handler=cmd_run)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal (no token needed)")
    chat.add_argument("--lang", choices=UI_LANGS, help="answer language (default: from what you type)")
    chat.add_argument("--faq-dir", type=Path, help="FAQ directory (default: FAQ_DIR or ./faq)")
    chat.add_argument("--debug", action="store_true", help="under each reply: the matcher's candidates and why")
    chat.set_defaults(handler=cmd_chat)

    faq = sub.add_parser("faq", help="check the FAQ files or try questions against them")
    faq_sub = faq.add_subparsers(dest="faq_command", metavar="SUBCOMMAND")
    check = faq_sub.add_parser("check", help="validate every YAML file in FAQ_DIR (exit 1 on errors)")
    check.add_argument("--faq-dir", type=Path, help="FAQ directory (default: FAQ_DIR or ./faq)")
    check.set_defaults(handler=cmd_faq_check)
    ask = faq_sub.add_parser("ask", help="answer questions (arguments, or one per line on stdin)")
    ask.add_argument("--json", action="store_true", help="one JSON object per query per line")
    ask.add_argument("--faq-dir", type=Path, help="FAQ directory (default: FAQ_DIR or ./faq)")
    ask.add_argument("query", nargs="*", help="questions; none: read lines from standard input")
    ask.set_defaults(handler=cmd_faq_ask)
    ev = faq_sub.add_parser("eval", help="measure the matcher on a labelled YAML set (entry id -> questions)")
    ev.add_argument("file", type=Path, help="labelled set, e.g. tests/data/eval/dev.yaml")
    ev.add_argument("--json", action="store_true", help="the same figures as one JSON object")
    ev.add_argument("--faq-dir", type=Path, help="FAQ directory (default: FAQ_DIR or ./faq)")
    ev.set_defaults(handler=cmd_faq_eval)
    gaps = faq_sub.add_parser("gaps", help="what the bot could not answer, grouped (reads DATABASE_URL)")
    gaps.add_argument("--days", type=int, default=30, help="questions of the last N days (default 30)")
    gaps.add_argument("--limit", type=int, default=20, help="show at most this many groups (default 20)")
    gaps.add_argument("--json", action="store_true", help="a JSON list of groups, biggest first")
    gaps.set_defaults(handler=cmd_faq_gaps)

    tickets = sub.add_parser("tickets", help="difficulty reports (for admins)")
    tickets_sub = tickets.add_subparsers(dest="tickets_command", metavar="SUBCOMMAND")
    tl = tickets_sub.add_parser("list", help="list tickets")
    tl.add_argument("--queue", help="only this queue (e.g. chaling)")
    tl.add_argument("--status", choices=[s.value for s in Status], help="only this status")
    tl.add_argument("--json", action="store_true", help="a JSON list of objects")
    tl.set_defaults(handler=cmd_tickets_list)
    ts = tickets_sub.add_parser("show", help="one ticket with its thread and history")
    ts.add_argument("id", type=int)
    ts.set_defaults(handler=cmd_tickets_show)

    users = sub.add_parser("users", help="people who used the bot (for admins)")
    users_sub = users.add_subparsers(dest="users_command", metavar="SUBCOMMAND")
    forget = users_sub.add_parser("forget", help="delete everything stored about one Telegram user (on request)")
    forget.add_argument("user_id", type=int)
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.set_defaults(handler=cmd_users_forget)

    directory = sub.add_parser("directory", help="the association directory")
    directory_sub = directory.add_subparsers(dest="directory_command", metavar="SUBCOMMAND")
    stale = directory_sub.add_parser("stale", help="associations not verified for a while")
    stale.add_argument("--months", type=int, default=12, help="older than this many months (default 12)")
    stale.add_argument("--faq-dir", type=Path, help="FAQ directory (default: FAQ_DIR or ./faq)")
    stale.set_defaults(handler=cmd_directory_stale)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="SUBCOMMAND")
    db_sub.add_parser("upgrade", help="apply migrations up to the latest").set_defaults(handler=cmd_db_upgrade)
    db_sub.add_parser("current", help="show the schema revision").set_defaults(handler=cmd_db_current)
    prune = db_sub.add_parser("prune", help="delete processed updates and delivered messages older than --days")
    prune.add_argument("--days", type=int, default=30, help="keep this many days (default 30)")
    prune.set_defaults(handler=cmd_db_prune)
    return parser


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run on Telegram until SIGTERM/SIGINT: durable long polling, or a webhook."""
    from bot.app import ALLOWED_UPDATES, build_application
    from bot.runner import StartupError, run_polling, run_webhook

    token = settings.require_token()
    if args.webhook:
        settings.require_webhook()
    app = build_application(settings, token=token)
    try:
        if args.webhook:
            log.info("starting webhook mode (database %s)", _safe_url(settings.database_url))
            asyncio.run(run_webhook(app, settings, ALLOWED_UPDATES))
        else:
            log.info("starting long polling (API %s, database %s)", settings.telegram_api_url,
                     _safe_url(settings.database_url))  # fmt: skip
            asyncio.run(run_polling(app, settings, ALLOWED_UPDATES))
    except StartupError as exc:
        print(f"qiaobot: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.terminal import run_chat

    return asyncio.run(run_chat(settings, as_ui_lang(args.lang) if args.lang else None, debug=args.debug))


def cmd_faq_check(settings: Settings, _args: argparse.Namespace) -> int:
    faq, problems = check_faq(settings.faq_dir)
    federation, fed_problems = check_federation(settings.faq_dir)
    directory, dir_problems = check_directory(settings.faq_dir)
    problems = sorted([*problems, *fed_problems, *dir_problems], key=lambda p: (str(p.path), p.line))
    _print_problems(problems, sys.stdout)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if errors or faq is None or federation is None or directory is None:
        print(f"{errors} error(s), {warnings} warning(s) in {settings.faq_dir}: not valid")
        return 1
    print(
        f"OK: {len(faq.entries)} entries in {len(faq.categories)} categories, "
        f"{sum(len(q) for e in faq.entries for q in e.questions.values())} phrasings; "
        f"{len(federation.queues)} queues, {len(federation.places)} places; "
        f"{len(directory.associations)} associations in {len(directory.countries)} countries; {warnings} warning(s)"
    )
    return 0


def cmd_faq_ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content.faq_loader import load_faq

    loaded = load_faq(settings.faq_dir)
    index = FaqIndex.build(loaded.faq.entries)
    from_stdin = not args.query
    queries = args.query or (line.rstrip("\n") for line in sys.stdin)
    for query in queries:
        if from_stdin and not query.strip():
            continue
        result = index.match(query)
        if args.json:
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
            continue
        if result.match:
            entry = loaded.faq.by_id[result.match.id]
            print(f"{query}\n  → {entry.id} ({result.match.score}) {entry.title('zh')} / {entry.title('en')}")
        elif result.suggestions:
            print(f"{query}\n  ? " + ", ".join(f"{s.id} ({s.score})" for s in result.suggestions))
        else:
            print(f"{query}\n  ✗ no answer")
    return 0


def cmd_faq_eval(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content.faq_loader import load_faq
    from bot.core.evaluation import EvalSetError, as_the_bot_answers, evaluate, load_cases

    loaded = load_faq(settings.faq_dir)
    try:
        cases = load_cases(args.file, known_ids=loaded.faq.by_id)
    except EvalSetError as exc:
        print(f"qiaobot: {exc}", file=sys.stderr)
        return 2
    report = evaluate(cases, as_the_bot_answers(FaqIndex.build(loaded.faq.entries).match))
    print(json.dumps(report.as_json(), ensure_ascii=False) if args.json else report.render())
    return 0


def cmd_faq_gaps(settings: Settings, args: argparse.Namespace) -> int:
    """Unanswered questions (and answers marked not helpful), grouped by similarity, biggest first."""
    from datetime import UTC, datetime, timedelta

    from bot.cli_admin import open_existing
    from bot.core.gaps import Asked, cluster, render
    from bot.storage import repo

    if args.days < 1:
        print("qiaobot: --days must be at least 1", file=sys.stderr)
        return 2
    since = datetime.now(UTC) - timedelta(days=args.days)
    rows = [
        Asked(q.text, q.outcome, q.entry_id, q.suggestions, q.helpful, q.asked_at)
        for q in repo.missed_questions(open_existing(settings), since=since)
    ]
    clusters = cluster(rows)
    if args.json:
        print(json.dumps([c.as_json() for c in clusters[: args.limit]], ensure_ascii=False, indent=1))
    else:
        print(render(clusters, limit=args.limit))
    return 0


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.storage.db import create_db_engine, current_revision, upgrade

    engine = create_db_engine(settings.database_url)
    upgrade(engine)
    print(f"database {_safe_url(settings.database_url)} is at revision {current_revision(engine)}")
    return 0


def cmd_db_prune(settings: Settings, args: argparse.Namespace) -> int:
    """Retention: raw updates and sent messages hold users' words; tickets are kept."""
    from datetime import UTC, datetime, timedelta

    from bot.cli_admin import open_existing
    from bot.storage.forget import prune

    if args.days < 1:
        print("qiaobot: --days must be at least 1", file=sys.stderr)
        return 2
    updates, messages = prune(open_existing(settings), older_than=datetime.now(UTC) - timedelta(days=args.days))
    print(f"deleted {updates} processed update(s) and {messages} delivered message(s) older than {args.days} days")
    return 0


def cmd_db_current(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.storage.db import create_db_engine, current_revision, head_revision

    engine = create_db_engine(settings.database_url)
    current = current_revision(engine)
    print(f"current: {current or '(empty database)'}; latest: {head_revision()}")
    return 0 if current == head_revision() else 1


def _print_problems(problems: list[Problem], stream: object) -> None:
    for problem in problems:
        print(problem, file=stream)  # type: ignore[call-overload]


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
