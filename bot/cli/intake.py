"""``qiaobot intake failed | retry N``: updates set aside because they could not be processed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli.common import group, open_existing
from bot.config import Settings
from bot.db.uow import session_scope
from bot.messaging import intake


def add_commands(sub: Any) -> None:
    cmd = group(sub, "intake", "Telegram updates the bot could not process (set aside, never lost)")
    failed = cmd.add_parser("failed", help="list the updates set aside, with their error")
    failed.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    failed.set_defaults(handler=cmd_failed)
    retry = cmd.add_parser("retry", help="put a set-aside update back in line (after fixing its cause)")
    retry.add_argument("update_id", type=int)
    retry.set_defaults(handler=cmd_retry)


def cmd_failed(settings: Settings, args: argparse.Namespace) -> int:
    with session_scope(open_existing(settings)) as s:
        rows = intake.failed(s, limit=max(1, args.limit))
    for row in rows:
        at = row.processed_at or row.received_at
        print(
            f"{row.update_id:<12} chat {row.chat_id:<15} {at:%Y-%m-%d %H:%M}  attempts {row.attempts}  "
            f"{row.error or ''}"
        )
    print(f"{len(rows)} update(s) set aside" + ("; `qiaobot intake retry ID` puts one back in line" if rows else ""))
    return 0


def cmd_retry(settings: Settings, args: argparse.Namespace) -> int:
    with session_scope(open_existing(settings)) as s:
        requeued = 0 < args.update_id < 2**63 and intake.requeue(s, update_id=args.update_id)
    if not requeued:
        print(
            f"qiaobot: update {args.update_id} is not among the failed ones (see `qiaobot intake failed`)",
            file=sys.stderr,
        )
        return 1
    print(f"update {args.update_id} is back in line; the running bot processes it shortly")
    return 0
