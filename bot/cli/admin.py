"""Admin commands of ``qiaobot``: tickets, forgetting a user, the directory's stale entries."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.db.engine import DatabaseUnavailable


def cmd_tickets_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.reports import tickets

    rows = tickets.listing(open_existing(settings), queue_id=args.queue, status=args.status)
    if args.json:
        print(json.dumps([_ticket_json(t) for t in rows], ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("no tickets")
    for t in rows:
        print(f"#{t.id:<5} {t.status:<9} {t.queue_id:<12} {t.category:<10} {t.created_at:%Y-%m-%d %H:%M}  "
              f"{t.place}  {t.description[:50]!r}")  # fmt: skip
    return 0


def cmd_tickets_show(settings: Settings, args: argparse.Namespace) -> int:
    from bot.reports import tickets

    engine = open_existing(settings)
    ticket = tickets.get(engine, ticket_id=args.id)
    if ticket is None:
        print(f"qiaobot: no ticket #{args.id}", file=sys.stderr)
        return 1
    print(json.dumps(_ticket_json(ticket), ensure_ascii=False, indent=1))
    print("\nthread:")
    for m in tickets.thread(engine, ticket_id=args.id):
        author = m.author_name if m.direction != "in" or ticket.share_identity else "(reporter)"
        print(f"  {m.created_at:%Y-%m-%d %H:%M} {m.direction:<4} {author or '-'}: {m.text}")
    print("\nhistory:")
    for e in tickets.history(engine, ticket_id=args.id):
        print(f"  {e.created_at:%Y-%m-%d %H:%M} {e.action:<13} by {e.actor_id or 'system'} {e.detail or ''}")
    return 0


def open_existing(settings: Settings) -> Any:
    """The bot's database for reading; a missing SQLite file is an error, not a new empty database."""
    from sqlalchemy.engine import make_url

    from bot.db.engine import is_sqlite, open_database

    url = make_url(settings.database_url)
    if is_sqlite(settings.database_url) and url.database and not Path(url.database).exists():
        raise DatabaseUnavailable(f"no database at {url.database}: run this where the bot runs, or set DATABASE_URL")
    return open_database(settings.database_url)


def _ticket_json(t: Any) -> dict[str, Any]:
    return {
        "id": t.id, "queue": t.queue_id, "status": t.status, "category": t.category,
        "created_at": t.created_at.isoformat(), "updated_at": t.updated_at.isoformat(), "place": t.place,
        "description": t.description, "contact": t.contact, "language": t.language, "user_id": t.user_id,
        "user_name": t.user_name if t.share_identity else None, "claimed_by": t.claimed_by_name,
        "rating": t.rating, "escalate_at": t.escalate_at.isoformat() if t.escalate_at else None,
    }  # fmt: skip


def cmd_users_forget(settings: Settings, args: argparse.Namespace) -> int:
    """Delete a user's reports, join requests, questions and stored messages (the privacy promise)."""
    from bot.users.forget import forget_user

    engine = open_existing(settings)
    if not args.yes:
        answer = input(f"Delete everything stored about Telegram user {args.user_id}? Type yes: ")
        if answer.strip().lower() != "yes":
            print("nothing deleted")
            return 1
    done = forget_user(engine, user_id=args.user_id)
    print(f"deleted: {done.tickets} report(s), {done.join_requests} join request(s), {done.questions} question(s), "
          f"{done.updates} stored update(s), {done.messages} queued message(s)")  # fmt: skip
    return 0


def cmd_directory_stale(settings: Settings, args: argparse.Namespace) -> int:
    """Entries whose last_verified is older than --months: the list to re-check with each association."""
    import calendar
    from datetime import date

    from bot.content.live import LiveFaq

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
