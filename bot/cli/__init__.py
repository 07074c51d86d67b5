"""``qiaobot``: run the bot, chat with it locally, check and test the FAQ, manage reports, people,
intake and the database. One module per command group; each adds its sub-commands here."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from sqlalchemy.exc import DBAPIError

from bot.cli import accounts, chat, db, directory, faq, intake, report, run, tickets, users, web
from bot.config import ConfigError, configure_logging, load_settings
from bot.content.problems import ContentError
from bot.db.engine import DatabaseNotReady, DatabaseUnavailable

GROUPS = (run, chat, faq, tickets, report, users, intake, directory, db, web, accounts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        # `qiaobot` alone, or a group without its sub-command (`qiaobot faq`): that level's help.
        (getattr(args, "group_parser", None) or parser).print_help()
        return 2
    try:
        settings = load_settings(**({"faq_dir": args.faq_dir} if getattr(args, "faq_dir", None) else {}))
        level = settings.log_level if args.command == "run" else max_level(settings.log_level)
        configure_logging(level, settings.log_format, personal_data=settings.log_personal_data)
        return int(args.handler(settings, args))
    except ConfigError as exc:
        print(f"qiaobot: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("qiaobot: the files in FAQ_DIR have errors (run `qiaobot faq check`)", file=sys.stderr)
        return 1
    except (DatabaseUnavailable, DatabaseNotReady) as exc:
        print(f"qiaobot: {exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        print(f"qiaobot: cannot use the database in DATABASE_URL: {reason}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`qiaobot tickets list | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        return 130


def max_level(level: str) -> str:
    """Interactive commands stay quiet unless asked: WARNING or the configured level if higher."""
    return level if logging.getLevelName(level) > logging.WARNING else "WARNING"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qiaobot", description="Qiaolian Bot: the federation's Telegram assistant")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.add_commands(sub)
    return parser
