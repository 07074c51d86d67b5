"""``qiaobot users forget``: delete everything held about one person, on their request."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import CLI, env_for, group, open_existing
from bot.config import Settings
from bot.console.files import evict
from bot.db.uow import session_scope
from bot.users import service


def add_commands(sub: Any) -> None:
    cmd = group(sub, "users", "people who used the bot (for admins)")
    forget = cmd.add_parser("forget", help="delete everything stored about one Telegram user (on request)")
    forget.add_argument("user_id", type=int)
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.set_defaults(handler=cmd_forget)


def cmd_forget(settings: Settings, args: argparse.Namespace) -> int:
    """Delete a user's reports, join requests, questions and stored messages (the privacy promise)."""
    engine = open_existing(settings)
    if not args.yes:
        try:
            answer = input(f"Delete everything stored about Telegram user {args.user_id}? Type yes: ")
        except EOFError:
            print(
                "\nnothing deleted (no answer on standard input; use --yes to confirm without asking)", file=sys.stderr
            )
            return 1
        if answer.strip().lower() != "yes":
            print("nothing deleted")
            return 1
    env = env_for(settings, engine)
    with session_scope(engine) as s:
        done = service.forget(s, env, CLI, args.user_id)
    cached = evict(Path(settings.web_files_dir), done.file_ids)  # the console's copies of their attachments
    print(
        f"deleted: {done.tickets} report(s), {done.join_requests} join request(s), {done.questions} question(s), "
        f"{done.updates} stored update(s), {done.messages} queued message(s), {cached} cached attachment(s)"
    )
    return 0
