"""Staff actions on tickets: permission checked with Telegram at the moment, then the change,
its history entry and the notifications (through the outbox). Shared by commands and buttons."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot, Chat, ChatMember, User
from telegram.error import TelegramError

from bot.db.models import utcnow
from bot.db.ticket_tables import Ticket
from bot.reports import notify, tickets
from bot.reports.rules import Action, Actor, RuleError, Status, escalation_deadline, may_act, next_status
from bot.runtime import Services
from bot.text.i18n import t

log = logging.getLogger(__name__)
STAFF = notify.STAFF_LANG
_MEMBER = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}


async def is_member(bot: Bot, chat_id: int, user_id: int) -> bool:
    """Ask Telegram now whether the user is in the group (no caching: staff come and go)."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.info("membership check of %s in %s failed: %s", user_id, chat_id, exc)
        return False
    return member.status in _MEMBER or (
        member.status == ChatMember.RESTRICTED and bool(getattr(member, "is_member", False))
    )


@dataclass
class Outcome:
    ok: bool
    text: str


def display_name(user: User) -> str:
    return user.full_name or (f"@{user.username}" if user.username else str(user.id))


async def authorize(svc: Services, bot: Bot, ticket_id: int, user: User, chat: Chat) -> Ticket | None:
    """The ticket if this user may act on it from this chat; None otherwise (no details leak)."""
    ticket = tickets.get(svc.engine, ticket_id=ticket_id)
    if ticket is None:
        return None
    federation = svc.faq.current.federation
    target = notify.responsible_chat(svc.engine, federation, ticket.queue_id)
    group = chat.type != Chat.PRIVATE
    member = await is_member(bot, target[0], user.id) if target is not None else False
    actor = Actor(user.id, svc.is_admin(user.id), member, group, target is not None and target[0] == chat.id)
    return ticket if may_act(actor) else None


def apply(
    svc: Services, ticket: Ticket, action: Action, user: User, *, text: str = "", target: str = "",
    now: datetime | None = None, source: int | None = None, from_chat: int | None = None,
) -> Outcome:  # fmt: skip
    """Carry out an authorised action; returns what to tell the staff member.

    ``source`` is the Telegram update behind the action: replayed after a crash, it changes nothing.
    """
    assert ticket.id is not None
    tid = ticket.id
    now = now or utcnow()
    federation = svc.faq.current.federation
    name = display_name(user)
    if tickets.handled(svc.engine, source=source):
        return Outcome(True, t("already_done", STAFF, id=tid))
    try:
        status = next_status(Status(ticket.status), action)
    except RuleError:
        return Outcome(False, t("not_open", STAFF, id=ticket.id))
    if action is Action.CLAIM and ticket.claimed_by not in (None, user.id) and ticket.status != Status.REOPENED:
        return Outcome(False, t("already_claimed", STAFF, id=tid, actor=ticket.claimed_by_name or "?"))
    engine = svc.engine
    if action is Action.CLAIM:
        ticket, event = tickets.change(
            engine,
            ticket_id=tid,
            action="claim",
            actor_id=user.id,
            status=status,
            claimed_by=(user.id, name),
            escalate_at=None,
            now=now,
            source=source,
        )
        notify.to_user(engine, federation, ticket, "notify_claimed", f"ev:{event}")
        notify.refresh_cards(engine, federation, ticket, f"ev{event}")
        return Outcome(True, t("claimed", STAFF, actor=name, id=ticket.id))
    if action is Action.REPLY:
        if not text.strip():
            return Outcome(False, t("reply_empty", STAFF))
        claimed = (user.id, name) if ticket.claimed_by is None else None
        msg = tickets.add_message(engine, ticket_id=tid, direction="out", author_id=user.id, author_name=name,
                                  text=text, now=now)  # fmt: skip
        ticket, event = tickets.change(
            engine,
            ticket_id=tid,
            action="reply",
            actor_id=user.id,
            status=status,
            claimed_by=claimed,
            escalate_at=None,
            detail=f"message {msg}",
            now=now,
            source=source,
        )
        notify.to_user(engine, federation, ticket, "notify_reply", f"msg:{msg}", text=text)
        notify.refresh_cards(engine, federation, ticket, f"ev{event}")
        return Outcome(True, t("replied", STAFF, id=ticket.id))
    if action is Action.NOTE:
        msg = tickets.add_message(engine, ticket_id=tid, direction="note", author_id=user.id, author_name=name,
                                  text=text, now=now)  # fmt: skip
        tickets.change(
            engine, ticket_id=tid, action="note", actor_id=user.id, detail=f"message {msg}", now=now, source=source
        )
        return Outcome(True, t("noted", STAFF, id=ticket.id))
    if action is Action.TRANSFER:
        return _transfer(svc, ticket, user, target, status, now, source, from_chat)
    ticket, event = tickets.change(engine, ticket_id=tid, action="resolve", actor_id=user.id, status=status,
                                   escalate_at=None, detail=text or None, now=now, source=source)  # fmt: skip
    note = text.strip()
    notify.to_user(engine, federation, ticket, "notify_resolved", f"ev:{event}", markup=notify.rating_markup(tid),
                   note=note)  # fmt: skip
    notify.refresh_cards(engine, federation, ticket, f"ev{event}")
    return Outcome(True, t("resolved", STAFF, actor=name, id=ticket.id))


def _transfer(
    svc: Services, ticket: Ticket, user: User, target: str, status: Status, now: datetime, source: int | None,
    from_chat: int | None,
) -> Outcome:  # fmt: skip
    assert ticket.id is not None
    federation = svc.faq.current.federation
    queue = federation.by_id.get(target.strip().lower())
    if queue is None:
        known = ", ".join(q.id for q in federation.queues)
        return Outcome(False, t("unknown_queue", STAFF, queue=target, queues=known))
    if queue.id == ticket.queue_id:
        return Outcome(
            False, t("same_queue", STAFF, id=ticket.id, queue=notify.queue_name(federation, queue.id, STAFF))
        )
    name = display_name(user)
    old_queue = ticket.queue_id
    ticket, event = tickets.change(
        svc.engine, ticket_id=ticket.id, action="transfer", actor_id=user.id, status=status, queue_id=queue.id,
        claimed_by=(None, None), escalate_at=escalation_deadline(now, queue.sla_hours),
        detail=f"{old_queue} -> {queue.id}", now=now, source=source,
    )  # fmt: skip
    new_name = notify.queue_name(federation, queue.id, STAFF)
    old_target = notify.responsible_chat(svc.engine, federation, old_queue)
    new_target = notify.responsible_chat(svc.engine, federation, queue.id)
    if old_target and old_target[0] != from_chat and (new_target is None or old_target[0] != new_target[0]):
        notify.to_chat(svc.engine, old_target[0], t("card_transferred_away", STAFF, id=ticket.id, actor=name,
                       queue=new_name), f"ev:{event}:old")  # fmt: skip
    notify.refresh_cards(svc.engine, federation, ticket, f"ev{event}", moved_from=old_target[0] if old_target else None)
    notify.post_card(svc.engine, federation, ticket, reason=f"ev{event}")
    notify.to_user(svc.engine, federation, ticket, "notify_transferred", f"ev:{event}:user")
    done = t("card_transferred_away", STAFF, id=ticket.id, actor=name, queue=new_name)
    if new_target is None:  # nobody can see it yet: say so instead of pretending it arrived
        done += "\n" + t("no_group_yet", STAFF, queue=new_name)
    return Outcome(True, done)
