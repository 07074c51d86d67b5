"""Binding a Telegram group to a queue (or to an association's join requests): admins only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.directory import service as directory
from bot.groups import audit
from bot.groups import repo as bindings
from bot.groups.access import Actor
from bot.messaging import outbox
from bot.reports import notify
from bot.reports import service as reports
from bot.runtime import Env

ASSOCIATION = "association:"


@dataclass
class Bound:
    ok: bool
    key: str  # what to tell the admin
    target: str = ""
    name: str = ""
    cards: int = 0
    join_requests: int = 0


def bind(s: Session, env: Env, actor: Actor, target: str) -> Bound:
    """``/bind <queue-id>`` or ``/bind association:<id>`` in a group: it now works that queue.

    What arrived while no group was responsible — open reports' cards, pending join requests — is
    sent to it now (again, if an earlier group lost it).
    """
    if not actor.is_admin:
        return Bound(False, "admins_only")
    if not actor.in_group or actor.chat_id is None:
        return Bound(False, "group_only")
    target = target.strip().lower()
    federation = env.content.federation
    association = env.content.directory.by_id.get(target.removeprefix(ASSOCIATION))
    if target.startswith(ASSOCIATION) and association is not None:
        name = association.name.zh
        key = "bound_association"
    elif target in federation.by_id:
        name = notify.queue_name(federation, target, notify.STAFF_LANG)
        key = "bound"
    else:
        return Bound(False, "unknown_queue", target or "?")
    chat_id = actor.chat_id
    bindings.bind(s, queue_id=target, chat_id=chat_id, bound_by=actor.id)
    event = audit.record(s, actor, "bind", detail=f"{target} -> chat {chat_id}", now=env.now)
    cards = 0
    for ticket in reports.worked_by(s, env, chat_id):
        if ticket.id is not None and not outbox.has_card(s, ticket_id=ticket.id, chat_id=chat_id):
            notify.post_card(s, federation, ticket, reason=f"bind{event}")
            cards += 1
    requests = directory.post_pending(s, env, chat_id, reason=f"bind{event}")
    return Bound(True, key, target, name, cards, requests)


def unbind(s: Session, env: Env, actor: Actor) -> Bound:
    if not actor.is_admin:
        return Bound(False, "admins_only")
    if actor.chat_id is None:
        return Bound(False, "not_bound")
    queue_id = bindings.unbind(s, chat_id=actor.chat_id)
    if queue_id is None:
        return Bound(False, "not_bound")
    audit.record(s, actor, "unbind", detail=f"{queue_id} -x chat {actor.chat_id}", now=env.now)
    name = notify.queue_name(env.content.federation, queue_id, notify.STAFF_LANG)
    return Bound(True, "unbound", queue_id, name)
