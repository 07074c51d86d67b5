"""``qiaobot staff add | list | disable | reset-password``: accounts of the web console."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli.common import CLI, env_for, group
from bot.config import Settings
from bot.console import service as accounts
from bot.db.engine import open_database
from bot.db.uow import session_scope


def add_commands(sub: Any) -> None:
    cmd = group(sub, "staff", "accounts of the staff web console")
    add = cmd.add_parser("add", help="create an account; prints a one-time password")
    add.add_argument("email")
    add.add_argument("--queue", required=True, help="the account's queue id (faq/federations.yaml), e.g. chaling")
    add.add_argument("--role", choices=accounts.ROLES, default="agent", help="agent (default), lead or admin")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(handler=cmd_add)
    listing = cmd.add_parser("list", help="every account")
    listing.set_defaults(handler=cmd_list)
    disable = cmd.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("email")
    disable.set_defaults(handler=cmd_disable)
    reset = cmd.add_parser("reset-password", help="a new one-time password; ends the account's sessions")
    reset.add_argument("email")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    reset.set_defaults(handler=cmd_reset)


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    return accounts.one_time_password(), True


def cmd_add(settings: Settings, args: argparse.Namespace) -> int:
    engine = open_database(settings.database_url)
    env = env_for(settings, engine)
    password, generated = _password(args)
    try:
        with session_scope(engine) as s:
            row = accounts.add_account(
                s,
                CLI,
                env.content.federation,
                email=args.email,
                queue_id=args.queue,
                role=args.role,
                password=password,
                now=env.now,
            )
    except accounts.AccountError as exc:
        print(f"qiaobot: {exc}", file=sys.stderr)
        return 2
    print(f"added {row.email} ({row.role}, queue {row.queue_id})")
    if generated:
        print(f"one-time password: {password}")
    print(
        "It must be changed at the first sign-in."
        + (" Admins also set up two-step verification." if row.role == "admin" else "")
    )
    return 0


def cmd_list(settings: Settings, _args: argparse.Namespace) -> int:
    engine = open_database(settings.database_url)
    with session_scope(engine) as s:
        rows = accounts.list_accounts(s)
    if not rows:
        print("no staff accounts (add one with: qiaobot staff add EMAIL --queue QUEUE_ID)")
    for r in rows:
        flags = [f for f, on in (("disabled", r.disabled), ("2fa", bool(r.totp_secret))) if on]
        last = f"{r.last_login_at:%Y-%m-%d %H:%M}" if r.last_login_at else "never"
        print(f"{r.email:<32} {r.role:<6} {r.queue_id:<12} last sign-in {last:<16} {' '.join(flags)}".rstrip())
    return 0


def cmd_disable(settings: Settings, args: argparse.Namespace) -> int:
    engine = open_database(settings.database_url)
    try:
        with session_scope(engine) as s:
            row = accounts.disable_account(s, CLI, email=args.email, now=env_for(settings, engine).now)
    except accounts.AccountError as exc:
        print(f"qiaobot: {exc}", file=sys.stderr)
        return 2
    print(f"disabled {row.email}; its sessions have ended")
    return 0


def cmd_reset(settings: Settings, args: argparse.Namespace) -> int:
    engine = open_database(settings.database_url)
    password, generated = _password(args)
    try:
        with session_scope(engine) as s:
            row = accounts.reset_password(
                s, CLI, email=args.email, password=password, now=env_for(settings, engine).now
            )
    except accounts.AccountError as exc:
        print(f"qiaobot: {exc}", file=sys.stderr)
        return 2
    print(f"new password for {row.email}; it must be changed at the next sign-in")
    if generated:
        print(f"one-time password: {password}")
    return 0
