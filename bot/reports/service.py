"""Reports: every use case, called alike by Telegram handlers, jobs, the CLI and the web console.

Each function takes the caller's Session (one transaction), the :class:`~bot.runtime.Env` and
the acting person as a plain :class:`~bot.groups.access.Actor`; it checks permission, changes
state, queues every notification in the outbox and writes the audit entry — all in that
transaction — and returns a result for the caller to render. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from bot.db import conversations
from bot.db.conversations import State
from bot.db.models import AuditEntry, JoinRequest, Ticket, TicketMessage
from bot.directory import repo as joins
from bot.faq import service as faq
from bot.groups import audit
from bot.groups import repo as groups
from bot.groups.access import Actor, may_act
from bot.messaging.markup import Reply
from bot.reports import conversation as flow
from bot.reports import notify
from bot.reports import repo as tickets
from bot.reports.federation import Queue
from bot.reports.rules import (
    OPEN,
    UNCLAIMED,
    Action,
    RuleError,
    Status,
    after_rating,
    after_user_message,
    escalation_deadline,
    next_status,
)
from bot.runtime import Env
from bot.text.i18n import t
from bot.users import repo as users

STAFF = notify.STAFF_LANG


@dataclass
class Outcome:
    """What a staff action did: ``ok``, and the text key (+ values) to tell the person who acted."""

    ok: bool
    key: str
    values: dict[str, Any] = field(default_factory=dict)
    ticket: Ticket | None = None

    def text(self, lang: Any = STAFF) -> str:
        return t(self.key, lang, **self.values)


# -- the reporter: the report conversation --------------------------------------------------


@dataclass
class ReportTurn:
    """What one input to the report conversation did."""

    replies: list[Reply]
    filed: Ticket | None = None
    ended: bool = False
    asked: faq.Asked | None = None  # a question typed mid-report, answered while the draft stays
    lang: str = ""


def start_report(s: Session, env: Env, actor: Actor, *, lang: str) -> ReportTurn:
    """/report: a new draft after the privacy notice the first time; with a draft in progress,
    the offer to continue it or start over."""
    assert actor.id is not None and actor.chat_id is not None
    conversations.drop(s, user_id=actor.id, kind="join")  # one form at a time
    conversations.drop(s, user_id=actor.id, kind="find")
    waiting = _live_draft(s, env, actor.id)
    if waiting is not None and waiting.step != "privacy":
        draft = flow.Draft.from_data(waiting.data)
        draft.language = lang
        waiting.data = draft.to_data()
        conversations.save(s, waiting, now=env.now)
        return ReportTurn(flow.resume_offer(draft, env.content))
    user = users.get(s, user_id=actor.id)
    step = flow.first_step(user is not None and user.privacy_ack_at is not None)
    draft = flow.Draft(language=lang)
    conversations.save(s, State(actor.id, flow.KIND, actor.chat_id, step, draft.to_data()), now=env.now)
    return ReportTurn(flow.BY_NAME[step].prompt(draft, env.content))


def report_input(s: Session, env: Env, actor: Actor, inp: flow.Input) -> ReportTurn | None:
    """The person's input while a report is being written; None when no report is (so it is
    something else: a question, a message for staff)."""
    assert actor.id is not None
    state = _live_draft(s, env, actor.id)
    if state is None:
        return None
    draft = flow.Draft.from_data(state.data)
    outcome = flow.advance(state.step, draft, inp, env.content)
    if outcome.effect == "ask":  # a question: answer it; the draft waits where it was
        asked = faq.ask(s, env, actor, outcome.question, lang=draft.language)
        conversations.save(s, state, now=env.now)
        return ReportTurn(outcome.replies, asked=asked, lang=draft.language)
    if outcome.effect == "cancel":
        conversations.drop(s, user_id=actor.id, kind=flow.KIND)
        return ReportTurn(outcome.replies, ended=True)
    if outcome.effect == "submit":
        ticket = file_report(s, env, actor, state, draft)
        return ReportTurn(outcome.replies, filed=ticket, ended=True)
    if outcome.effect == "privacy_ack":
        users.acknowledge_privacy(s, user_id=actor.id, now=env.now)
    state.step, state.data = outcome.step, draft.to_data()
    conversations.save(s, state, now=env.now)
    return ReportTurn(outcome.replies)


def _live_draft(s: Session, env: Env, user_id: int) -> State | None:
    """The person's report draft, unless abandoned long ago (then it is dropped)."""
    state = conversations.get(s, user_id=user_id, kind=flow.KIND)
    if state is None:
        return None
    updated = state.updated_at if state.updated_at.tzinfo else state.updated_at.replace(tzinfo=env.now.tzinfo)
    if env.now - updated > flow.TTL:
        conversations.drop(s, user_id=user_id, kind=flow.KIND)  # abandoned long ago: this is something else
        return None
    return state


def file_report(s: Session, env: Env, actor: Actor, state: State, draft: flow.Draft) -> Ticket:
    """Turn a finished draft into a ticket, tell the reporter its number and post the card."""
    assert actor.id is not None
    federation = env.content.federation
    queue = federation.by_id.get(draft.queue_id or "") or federation.root()
    nonce = f"{actor.id}:{state.nonce}"
    existing = tickets.by_nonce(s, nonce=nonce)
    if existing is not None:  # filed already (a second Submit): nothing new
        conversations.drop(s, user_id=actor.id, kind=flow.KIND)
        return existing
    ticket = tickets.create(
        s,
        Ticket(
            nonce=nonce,
            user_id=actor.id,
            chat_id=state.chat_id,
            user_name=actor.name or None,
            share_identity=draft.share_identity,
            queue_id=queue.id,
            place=draft.place or queue.name.zh,
            category=draft.category or "other",
            description=draft.description or "",
            attachments=flow.attachments_json(draft),
            contact=draft.contact,
            language=draft.language,
            status=Status.NEW,
            escalate_at=escalation_deadline(env.now, queue.sla_hours, env.calendar),
            created_at=env.now,
            updated_at=env.now,
        ),
    )
    assert ticket.id is not None
    tickets.add_message(
        s,
        ticket_id=ticket.id,
        direction="in",
        author_id=actor.id,
        author_name=actor.name,
        text=ticket.description,
        attachments=draft.attachments,
        now=env.now,
    )
    audit.record(
        s, actor, "filed", ticket_id=ticket.id, detail=f"queue={queue.id} category={ticket.category}", now=env.now
    )
    conversations.drop(s, user_id=actor.id, kind=flow.KIND)
    notify.to_user(s, federation, ticket, "filed", f"filed:{ticket.id}")
    notify.post_card(s, federation, ticket, reason="new")
    notify.to_outside(s, federation, ticket, "new", f"out:{ticket.id}:new", now=env.now)
    return ticket


# -- staff ----------------------------------------------------------------------------------


def authorize(s: Session, env: Env, actor: Actor, ticket_id: int, *, lock: bool = False) -> Ticket | None:
    """The ticket if ``actor`` may act on it (from where they are); None otherwise — and then the
    caller says nothing about the ticket, not even whether it exists."""
    ticket = tickets.lock(s, ticket_id=ticket_id) if lock else tickets.get(s, ticket_id=ticket_id)
    if ticket is None:
        return None
    federation = env.content.federation
    target = groups.responsible_chat(s, federation, ticket.queue_id)
    allowed = may_act(actor, ticket.queue_id, target[0] if target else None, federation, env.membership)
    return ticket if allowed else None


@dataclass
class TicketView:
    ticket: Ticket
    thread: Sequence[TicketMessage]
    history: Sequence[AuditEntry] = ()  # every action on it, who and when (the console shows it)


def view(s: Session, env: Env, actor: Actor, ticket_id: int) -> TicketView | None:
    ticket = authorize(s, env, actor, ticket_id)
    if ticket is None or ticket.id is None:
        return None
    return TicketView(ticket, tickets.thread(s, ticket_id=ticket.id), tickets.history(s, ticket_id=ticket.id))


def scope_queues(env: Env, actor: Actor) -> list[str] | None:
    """The queues a console (or CLI) actor may see, by the same rule as :func:`in_scope`
    (:func:`~bot.groups.access.may_act`): an agent's queue, a lead's queue and every queue below it,
    in the federation's order; None for every queue (admins, the CLI, the system)."""
    if actor.is_admin or actor.channel in ("cli", "system"):
        return None
    federation = env.content.federation
    return [q.id for q in federation.queues if may_act(actor, q.id, None, federation, env.membership)]


def in_scope(s: Session, env: Env, actor: Actor, *, open_only: bool = True) -> list[Ticket]:
    """The tickets a console (or CLI) actor may see: its queue's, a lead's subtree, all for admins.

    Telegram actors see a group's work through :func:`group_queue` instead."""
    federation = env.content.federation
    allowed: dict[str, bool] = {}
    mine = []
    for ticket in tickets.listing(s, open_only=open_only):
        if ticket.queue_id not in allowed:
            allowed[ticket.queue_id] = may_act(actor, ticket.queue_id, None, federation, env.membership)
        if allowed[ticket.queue_id]:
            mine.append(ticket)
    return mine


def act(
    s: Session, env: Env, actor: Actor, action: Action, ticket_id: int, *, text: str = "", target: str = ""
) -> Outcome:
    """Carry out one staff action (claim, reply, transfer, resolve, note) if ``actor`` may."""
    ticket = authorize(s, env, actor, ticket_id, lock=True)
    if ticket is None or ticket.id is None:
        return Outcome(False, "not_available", {"id": ticket_id})
    try:
        status = next_status(Status(ticket.status), action)
    except RuleError:
        return Outcome(False, "not_open", {"id": ticket.id}, ticket)
    if action is Action.CLAIM:
        return claim(s, env, actor, ticket, status)
    if action is Action.REPLY:
        return reply(s, env, actor, ticket, status, text)
    if action is Action.NOTE:
        return note(s, env, actor, ticket, text)
    if action is Action.TRANSFER:
        return transfer(s, env, actor, ticket, status, target)
    if action is Action.RESOLVE:
        return resolve(s, env, actor, ticket, status, text)
    return Outcome(False, "not_available", {"id": ticket_id})


def claim(s: Session, env: Env, actor: Actor, ticket: Ticket, status: Status) -> Outcome:
    assert ticket.id is not None
    if ticket.claimed_by == actor.id and ticket.status == Status.CLAIMED:
        return Outcome(True, "already_done", {"id": ticket.id}, ticket)
    if ticket.claimed_by not in (None, actor.id) and ticket.status != Status.REOPENED:
        return Outcome(False, "already_claimed", {"id": ticket.id, "actor": ticket.claimed_by_name or "?"}, ticket)
    ticket.status, ticket.claimed_by, ticket.claimed_by_name = status, actor.id, actor.name
    ticket.escalate_at, ticket.updated_at = None, env.now
    s.add(ticket)
    event = audit.record(s, actor, "claim", ticket_id=ticket.id, now=env.now)
    federation = env.content.federation
    notify.to_user(s, federation, ticket, "notify_claimed", f"ev:{event}")
    notify.refresh_cards(s, federation, ticket, f"ev{event}")
    return Outcome(True, "claimed", {"actor": actor.label, "id": ticket.id}, ticket)


def reply(s: Session, env: Env, actor: Actor, ticket: Ticket, status: Status, text: str) -> Outcome:
    assert ticket.id is not None
    if not text.strip():
        return Outcome(False, "reply_empty", {}, ticket)
    msg = tickets.add_message(
        s, ticket_id=ticket.id, direction="out", author_id=actor.id, author_name=actor.name, text=text, now=env.now
    )
    if ticket.claimed_by is None:
        ticket.claimed_by, ticket.claimed_by_name = actor.id, actor.name
    ticket.status, ticket.escalate_at, ticket.updated_at = status, None, env.now
    s.add(ticket)
    event = audit.record(s, actor, "reply", ticket_id=ticket.id, detail=f"message {msg}", now=env.now)
    federation = env.content.federation
    notify.to_user(s, federation, ticket, "notify_reply", f"msg:{msg}", text=text)
    notify.refresh_cards(s, federation, ticket, f"ev{event}")
    return Outcome(True, "replied", {"id": ticket.id}, ticket)


def note(s: Session, env: Env, actor: Actor, ticket: Ticket, text: str) -> Outcome:
    assert ticket.id is not None
    if not text.strip():
        return Outcome(False, "reply_empty", {}, ticket)
    msg = tickets.add_message(
        s, ticket_id=ticket.id, direction="note", author_id=actor.id, author_name=actor.name, text=text, now=env.now
    )
    audit.record(s, actor, "note", ticket_id=ticket.id, detail=f"message {msg}", now=env.now)
    return Outcome(True, "noted", {"id": ticket.id}, ticket)


def resolve(s: Session, env: Env, actor: Actor, ticket: Ticket, status: Status, text: str) -> Outcome:
    assert ticket.id is not None
    ticket.status, ticket.escalate_at, ticket.updated_at = status, None, env.now
    s.add(ticket)
    event = audit.record(s, actor, "resolve", ticket_id=ticket.id, detail=text.strip() or None, now=env.now)
    federation = env.content.federation
    notify.to_user(
        s,
        federation,
        ticket,
        "notify_resolved",
        f"ev:{event}",
        markup=notify.rating_markup(ticket.id),
        note=text.strip(),
    )
    notify.refresh_cards(s, federation, ticket, f"ev{event}")
    return Outcome(True, "resolved", {"actor": actor.label, "id": ticket.id}, ticket)


def transfer(s: Session, env: Env, actor: Actor, ticket: Ticket, status: Status, target: str) -> Outcome:
    assert ticket.id is not None
    federation = env.content.federation
    queue = federation.by_id.get(target.strip().lower())
    if queue is None:
        known = ", ".join(q.id for q in federation.queues)
        return Outcome(False, "unknown_queue", {"queue": target or "?", "queues": known}, ticket)
    if queue.id == ticket.queue_id:
        return Outcome(
            False, "same_queue", {"id": ticket.id, "queue": notify.queue_name(federation, queue.id, STAFF)}, ticket
        )
    old_queue = ticket.queue_id
    old_target = groups.responsible_chat(s, federation, old_queue)
    ticket.status, ticket.queue_id, ticket.claimed_by, ticket.claimed_by_name = status, queue.id, None, None
    ticket.escalate_at, ticket.updated_at = escalation_deadline(env.now, queue.sla_hours, env.calendar), env.now
    s.add(ticket)
    event = audit.record(s, actor, "transfer", ticket_id=ticket.id, detail=f"{old_queue} -> {queue.id}", now=env.now)
    new_name = notify.queue_name(federation, queue.id, STAFF)
    new_target = groups.responsible_chat(s, federation, queue.id)
    moved = t("card_transferred_away", STAFF, id=ticket.id, actor=actor.label, queue=new_name)
    if old_target and old_target[0] != actor.chat_id and (new_target is None or old_target[0] != new_target[0]):
        notify.to_chat(s, old_target[0], moved, f"ev:{event}:old")
    notify.refresh_cards(s, federation, ticket, f"ev{event}", moved_from=old_target[0] if old_target else None)
    notify.post_card(s, federation, ticket, reason=f"ev{event}")
    notify.to_user(s, federation, ticket, "notify_transferred", f"ev:{event}:user")
    values: dict[str, Any] = {"id": ticket.id, "actor": actor.label, "queue": new_name}
    if new_target is None:  # nobody can see it yet: say so instead of pretending it arrived
        return Outcome(True, "transferred_no_group", values, ticket)
    return Outcome(True, "card_transferred_away", values, ticket)


def transfer_choices(s: Session, env: Env, actor: Actor, ticket_id: int) -> list[Queue] | None:
    """The queues a ticket can be passed to, or None if the actor may not act on it."""
    ticket = authorize(s, env, actor, ticket_id)
    if ticket is None:
        return None
    return [q for q in env.content.federation.queues if q.id != ticket.queue_id]


def ticket_of_post(s: Session, env: Env, chat_id: int, message_id: int) -> int | None:
    """The ticket a message of the bot in a chat was about (a Telegram reply to it joins the ticket)."""
    return tickets.ticket_for_post(s, chat_id=chat_id, message_id=message_id)


@dataclass
class QueueListing:
    queue_id: str | None
    allowed: bool
    tickets: Sequence[Ticket] = ()


def group_queue(s: Session, env: Env, actor: Actor) -> QueueListing:
    """/queue in a staff group: exactly the open tickets this group works — those of its own queue,
    and of queues below it that have no group of their own — never another group's."""
    assert actor.chat_id is not None
    federation = env.content.federation
    queue_id = groups.queue_of_chat(s, chat_id=actor.chat_id)
    if queue_id is None or queue_id not in federation.by_id:
        return QueueListing(None, False)
    member = actor.id is not None and env.membership.is_member(actor.chat_id, actor.id)
    if not (actor.is_admin or member):
        return QueueListing(queue_id, False)
    return QueueListing(queue_id, True, worked_by(s, env, actor.chat_id))


def worked_by(s: Session, env: Env, chat_id: int) -> list[Ticket]:
    """The open tickets a group works: its queue's, and those of queues below it without a group."""
    responsible: dict[str, int | None] = {}
    mine = []
    for ticket in tickets.listing(s, open_only=True):
        if ticket.queue_id not in responsible:  # one lookup per queue, not per ticket
            target = groups.responsible_chat(s, env.content.federation, ticket.queue_id)
            responsible[ticket.queue_id] = target[0] if target else None
        if responsible[ticket.queue_id] == chat_id:
            mine.append(ticket)
    return mine


# -- the reporter after filing --------------------------------------------------------------


def user_message(
    s: Session,
    env: Env,
    actor: Actor,
    *,
    text: str,
    attachments: list[dict[str, str]],
    reply_to: int | None = None,
) -> Ticket | None:
    """A private message that belongs to one of the person's open tickets joins its thread (the
    ticket waits for them, or they replied to one of the bot's messages about it). None otherwise."""
    assert actor.id is not None and actor.chat_id is not None
    ticket: Ticket | None = None
    if reply_to is not None:
        ticket_id = tickets.ticket_for_post(s, chat_id=actor.chat_id, message_id=reply_to)
        found = tickets.get(s, ticket_id=ticket_id) if ticket_id is not None else None
        ticket = found if found is not None and found.status in OPEN else None
    ticket = ticket or tickets.waiting_for_user(s, user_id=actor.id, now=env.now)
    if ticket is None or ticket.id is None or ticket.user_id != actor.id:
        return None
    msg = tickets.add_message(
        s,
        ticket_id=ticket.id,
        direction="in",
        author_id=actor.id,
        author_name=actor.name,
        text=text,
        attachments=attachments,
        now=env.now,
    )
    ticket.status, ticket.updated_at = after_user_message(Status(ticket.status)), env.now
    s.add(ticket)
    audit.record(s, actor, "user_message", ticket_id=ticket.id, detail=f"message {msg}", now=env.now)
    federation = env.content.federation
    notify.to_staff(s, federation, ticket, "user_wrote", f"in:{msg}", text=text or "📎")
    target = groups.responsible_chat(s, federation, ticket.queue_id)
    if target is not None:
        notify.forward_attachments(s, target[0], ticket.id, attachments, f"in:{msg}")
    return ticket


@dataclass
class Rated:
    ticket: Ticket
    reopened: bool


def rate(s: Session, env: Env, actor: Actor, ticket_id: int, stars: int) -> Rated | None:
    """Rating buttons: only the reporter, only once, only after resolution; 1–2 stars reopen."""
    ticket = tickets.lock(s, ticket_id=ticket_id)
    if ticket is None or ticket.id is None or ticket.user_id != actor.id or ticket.status != Status.RESOLVED:
        return None
    try:
        status = after_rating(stars)
    except RuleError:
        return None
    federation = env.content.federation
    queue = federation.by_id.get(ticket.queue_id)
    reopened = status is Status.REOPENED
    ticket.status, ticket.rating, ticket.updated_at = status, stars, env.now
    ticket.escalate_at = escalation_deadline(env.now, queue.sla_hours, env.calendar) if reopened and queue else None
    s.add(ticket)
    event = audit.record(s, actor, "rate", ticket_id=ticket.id, detail=f"{stars} stars", now=env.now)
    notify.refresh_cards(s, federation, ticket, f"ev{event}")
    notify.to_staff(s, federation, ticket, "reopened" if reopened else "rated_staff", f"ev:{event}", stars=stars)
    if reopened:
        notify.post_card(s, federation, ticket, reason=f"ev{event}")
        notify.to_outside(s, federation, ticket, "reopened", f"out:ev{event}", now=env.now)
    return Rated(ticket, reopened)


@dataclass
class Mine:
    tickets: Sequence[Ticket]
    join_requests: Sequence[JoinRequest]
    draft: flow.Draft | None = None  # a report being written, not filed yet


def mine(s: Session, env: Env, actor: Actor) -> Mine:
    """/mytickets: the person's reports, join requests and a report draft in progress."""
    assert actor.id is not None
    state = _live_draft(s, env, actor.id)
    draft = flow.Draft.from_data(state.data) if state is not None and state.step != "privacy" else None
    return Mine(tickets.for_user(s, user_id=actor.id), joins.for_user(s, user_id=actor.id), draft)


# -- the SLA ---------------------------------------------------------------------------------


def overdue(s: Session, env: Env) -> list[int]:
    """Tickets nobody claimed within their queue's SLA."""
    return list(tickets.overdue(s, now=env.now))


def escalate(s: Session, env: Env, ticket_id: int, actor: Actor) -> bool:
    """Move one overdue, unclaimed ticket up to its parent queue, with notices to both groups.

    The ticket is locked and checked again, so when several processes run the job, or staff
    claimed it meanwhile, it moves once or not at all.
    """
    ticket = tickets.lock(s, ticket_id=ticket_id)
    if (
        ticket is None
        or ticket.id is None
        or ticket.escalate_at is None
        or ticket.escalate_at > env.now
        or Status(ticket.status) not in UNCLAIMED
    ):
        return False
    return _move_up(s, env, actor, ticket, manual=False)


def escalate_now(s: Session, env: Env, actor: Actor, ticket_id: int) -> Outcome:
    """Staff pass an open ticket up to the parent queue themselves (督办), before its deadline."""
    ticket = authorize(s, env, actor, ticket_id, lock=True)
    if ticket is None or ticket.id is None:
        return Outcome(False, "not_available", {"id": ticket_id})
    if Status(ticket.status) not in OPEN:
        return Outcome(False, "not_open", {"id": ticket.id}, ticket)
    parent = env.content.federation.parent(ticket.queue_id)
    if parent is None:
        return Outcome(False, "no_parent_queue", {"id": ticket.id}, ticket)
    ticket.claimed_by, ticket.claimed_by_name, ticket.status = None, None, Status.NEW
    _move_up(s, env, actor, ticket, manual=True)
    name = notify.queue_name(env.content.federation, parent.id, STAFF)
    return Outcome(True, "escalated_by_staff", {"id": ticket.id, "queue": name}, ticket)


def _move_up(s: Session, env: Env, actor: Actor, ticket: Ticket, *, manual: bool) -> bool:
    assert ticket.id is not None
    federation = env.content.federation
    queue = federation.by_id.get(ticket.queue_id)
    parent = federation.parent(ticket.queue_id)
    if queue is None or parent is None:
        ticket.escalate_at = None
        s.add(ticket)
        audit.record(s, actor, "sla_missed", ticket_id=ticket.id, detail="no parent queue to escalate to", now=env.now)
        return False
    old_target = groups.responsible_chat(s, federation, queue.id)
    ticket.queue_id, ticket.updated_at = parent.id, env.now
    ticket.escalate_at = escalation_deadline(env.now, parent.sla_hours, env.calendar)
    s.add(ticket)
    event = audit.record(s, actor, "escalate", ticket_id=ticket.id, detail=f"{queue.id} -> {parent.id}", now=env.now)
    values = {
        "id": ticket.id,
        "hours": f"{queue.sla_hours:g}",
        "old": notify.queue_name(federation, queue.id, STAFF),
        "new": notify.queue_name(federation, parent.id, STAFF),
        "actor": actor.label,
    }
    new_target = groups.responsible_chat(s, federation, parent.id)
    text = t("card_escalated_by_staff" if manual else "card_escalated", STAFF, **values)
    if old_target is not None and (new_target is None or new_target[0] != old_target[0]):
        notify.to_chat(s, old_target[0], text, f"ev:{event}:old")
    if new_target is not None:
        notify.to_chat(s, new_target[0], text, f"ev:{event}:new")
    notify.refresh_cards(s, federation, ticket, f"ev{event}", moved_from=old_target[0] if old_target else None)
    notify.post_card(s, federation, ticket, reason=f"ev{event}")
    notify.to_outside(s, federation, ticket, "escalated", f"out:ev{event}", now=env.now)
    return True
