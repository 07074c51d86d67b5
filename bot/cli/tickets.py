"""``qiaobot tickets list | show``: difficulty reports, for admins."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli.common import env_for, group, open_existing
from bot.config import Settings
from bot.db.models import Ticket
from bot.db.uow import session_scope
from bot.reports import repo as tickets
from bot.reports.rules import Status


def add_commands(sub: Any) -> None:
    cmd = group(sub, "tickets", "difficulty reports (for admins)")
    listing = cmd.add_parser("list", help="list tickets")
    listing.add_argument("--queue", help="only this queue (e.g. chaling)")
    listing.add_argument("--status", choices=[s.value for s in Status], help="only this status")
    listing.add_argument("--json", action="store_true", help="a JSON list of objects")
    listing.set_defaults(handler=cmd_list)
    show = cmd.add_parser("show", help="one ticket with its thread and history")
    show.add_argument("id", type=int)
    show.set_defaults(handler=cmd_show)


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    engine = open_existing(settings)
    if args.queue:
        federation = env_for(settings, engine).content.federation
        if args.queue not in federation.by_id:
            known = ", ".join(q.id for q in federation.queues)
            print(f"qiaobot: no queue {args.queue!r}; the queues are: {known}", file=sys.stderr)
            return 2
    with session_scope(engine) as s:
        rows = tickets.listing(s, queue_id=args.queue, status=args.status)
    if args.json:
        print(json.dumps([as_json(t) for t in rows], ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print(
            "no tickets"
            + (f" in queue {args.queue}" if args.queue else "")
            + (f" with status {args.status}" if args.status else "")
        )
    for t in rows:
        print(
            f"#{t.id:<5} {t.status:<9} {t.queue_id:<12} {t.category:<10} {t.created_at:%Y-%m-%d %H:%M}  "
            f"{t.place}  {t.description[:50]!r}"
        )
    return 0


def cmd_show(settings: Settings, args: argparse.Namespace) -> int:
    engine = open_existing(settings)
    with session_scope(engine) as s:
        ticket = tickets.get(s, ticket_id=args.id) if 0 < args.id < 2**63 else None
        thread = tickets.thread(s, ticket_id=args.id) if ticket else []
        history = tickets.history(s, ticket_id=args.id) if ticket else []
    if ticket is None:
        print(f"qiaobot: no ticket #{args.id}", file=sys.stderr)
        return 1
    print(json.dumps(as_json(ticket), ensure_ascii=False, indent=1))
    print("\nthread:")
    for m in thread:
        author = m.author_name if m.direction != "in" or ticket.share_identity else "(reporter)"
        print(f"  {m.created_at:%Y-%m-%d %H:%M} {m.direction:<4} {author or '-'}: {m.text}")
    print("\nhistory:")
    for e in history:
        who = e.actor_name if e.channel != "telegram" or e.actor_id != ticket.user_id or ticket.share_identity else None
        print(
            f"  {e.created_at:%Y-%m-%d %H:%M} {e.action:<13} by {who or e.actor_id or 'system'} ({e.channel}) "
            f"{e.detail or ''}"
        )
    return 0


def as_json(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id,
        "queue": t.queue_id,
        "status": t.status,
        "category": t.category,
        "created_at": t.created_at.isoformat(),
        "updated_at": t.updated_at.isoformat(),
        "place": t.place,
        "description": t.description,
        "contact": t.contact,
        "language": t.language,
        "user_id": t.user_id,
        "user_name": t.user_name if t.share_identity else None,
        "claimed_by": t.claimed_by_name,
        "rating": t.rating,
        "escalate_at": t.escalate_at.isoformat() if t.escalate_at else None,
    }
