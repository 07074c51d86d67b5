"""Who may act on a ticket, and that nobody else learns anything about it.

Every staff action (by command, by the card's buttons, by a Telegram reply to the card) is tried by
every kind of actor. Allowed actors change the ticket and its history; refused actors change
nothing, and nothing the bot sends while refusing them (to any chat) carries the ticket's
description, place, the reporter's name or contact.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest

from bot.db.models import Ticket
from bot.messaging.localapi import BOT_USER, Call
from bot.reports import repo as tickets
from bot.reports.notify import STAFF_LANG
from bot.text.i18n import t
from tests.conftest import BotHarness, make_user, q
from tests.reports.test_flows import (
    ADMIN,
    CHALING_GROUP,
    CHALING_STAFF,
    LILING_GROUP,
    LILING_STAFF,
    STRANGER,
    ZHUZHOU_GROUP,
    group,
    setup_groups,
)

REPORTER = make_user(4242, first_name="Meixiu", language_code="zh-hans")
DESCRIPTION = "我的護照在吉隆坡遺失了，需要家鄉開一份證明"
CONTACT = "+60 12 345 6789"
REPLY_TEXT = "请提供护照号码"
NOTE_TEXT = "已电话联系本人"
# Admin 777 is deliberately no member of any group: what admins may do, they may do as admins.
MEMBERS = {CHALING_GROUP: {CHALING_STAFF["id"]}, LILING_GROUP: {LILING_STAFF["id"]}, ZHUZHOU_GROUP: {701}}

# -- helpers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """A user acting from one chat: a group's id, or None for their private chat with the bot."""

    name: str
    user: dict[str, Any]
    chat_id: int | None

    @property
    def chat(self) -> dict[str, Any]:
        if self.chat_id is None:
            return {"id": self.user["id"], "type": "private", "first_name": self.user["first_name"]}
        return group(self.chat_id)

    @property
    def where(self) -> int:
        return self.chat_id if self.chat_id is not None else int(self.user["id"])


@dataclass(frozen=True)
class Way:
    """One way to perform an action: ``text`` is a command, callback data or reply text with {id}."""

    action: str  # the history entry it makes ("view" makes none)
    kind: str  # command | button | telegram_reply
    text: str

    @property
    def id(self) -> str:
        return f"{self.action}-{self.kind}"


STRANGER_PRIVATE = Actor("stranger", STRANGER, None)
REPORTER_PRIVATE = Actor("reporter", REPORTER, None)
STAFF_HERE = Actor("staff_here", CHALING_STAFF, CHALING_GROUP)
STAFF_OTHER = Actor("staff_other", LILING_STAFF, LILING_GROUP)
ADMIN_GROUP = Actor("admin_group", ADMIN, CHALING_GROUP)
ADMIN_PRIVATE = Actor("admin_private", ADMIN, None)
STAFF_PRIVATE = Actor("staff_private", CHALING_STAFF, None)
STAFF_IN_OTHER_GROUP = Actor("staff_in_other_group", CHALING_STAFF, LILING_GROUP)
ADMIN_IN_OTHER_GROUP = Actor("admin_in_other_group", ADMIN, LILING_GROUP)
ACTORS = [
    STRANGER_PRIVATE,
    REPORTER_PRIVATE,
    STAFF_HERE,
    STAFF_OTHER,
    ADMIN_GROUP,
    ADMIN_PRIVATE,
    STAFF_PRIVATE,
    STAFF_IN_OTHER_GROUP,
    ADMIN_IN_OTHER_GROUP,
]
MAY_ACT = {STAFF_HERE.name, STAFF_PRIVATE.name, ADMIN_GROUP.name, ADMIN_PRIVATE.name}

WAYS = [
    Way("view", "command", "/ticket {id}"),
    Way("claim", "command", "/claim {id}"),
    Way("claim", "button", "tk:claim:{id}"),
    Way("reply", "command", "/reply {id} " + REPLY_TEXT),
    Way("reply", "telegram_reply", REPLY_TEXT),
    Way("transfer", "command", "/transfer {id} liling"),
    Way("transfer", "button", "tk:to:{id}:liling"),
    Way("resolve", "command", "/resolve {id}"),
    Way("resolve", "button", "tk:resolve:{id}"),
    Way("note", "command", "/note {id} " + NOTE_TEXT),
]


def acts(actor: Actor, way: Way) -> bool:
    """Whether the action happens. A Telegram reply stays inside its chat, so only in the Chaling
    group (where the card is) can it be a reply to the card; elsewhere it is an ordinary message."""
    if way.kind == "telegram_reply" and actor.chat_id != CHALING_GROUP:
        return False
    return actor.name in MAY_ACT


async def setup(bot: BotHarness) -> Ticket:
    """Bind the three groups, let the reporter file a report through the chat, deliver its card."""
    await setup_groups(bot)
    bot.api.members = {chat: set(users) for chat, users in MEMBERS.items()}
    await bot.send(REPORTER, "/report")
    await bot.press(REPORTER, "r:ok")  # the privacy notice
    await bot.send(REPORTER, "茶陵縣")
    await bot.press(REPORTER, "r:c:documents")
    sent = await bot.send(REPORTER, DESCRIPTION)
    if any("r:go" in str(s.get("reply_markup")) for s in sent):  # "does this answer it?"
        await bot.press(REPORTER, "r:go")
    await bot.send(REPORTER, CONTACT)
    await bot.press(REPORTER, "r:id")  # she lets staff see her name: the leak checks then look for it
    await bot.press(REPORTER, "r:s")
    await bot.deliver()
    [ticket] = q(tickets.for_user, bot.engine, user_id=REPORTER["id"])
    return ticket


def card_message(bot: BotHarness, chat_id: int = CHALING_GROUP) -> dict[str, Any]:
    """The ticket's card (found by its heading: after a transfer away it keeps no buttons, but an old
    client may still show them, and callback data can be forged)."""
    return next(m for m in bot.api.messages(chat_id) if str(m.get("text", "")).startswith("<b>反映 #"))


def message_in(bot: BotHarness, actor: Actor) -> dict[str, Any]:
    """The bot message the actor taps or replies to: the card in the Chaling group, elsewhere the
    bot's latest message in that chat (or one it could have sent: callback data can be forged)."""
    if actor.chat_id == CHALING_GROUP:
        return card_message(bot)
    existing = bot.api.messages(actor.where)
    if existing:
        return existing[-1]
    return {"message_id": 1, "date": int(time.time()), "chat": actor.chat, "from": BOT_USER, "text": ""}


async def perform(bot: BotHarness, actor: Actor, way: Way, ticket_id: int) -> list[Call]:
    """Do it as Telegram would deliver it, run the outbox; every Bot API call made meanwhile."""
    before = len(bot.api.calls)
    text = way.text.format(id=ticket_id)
    if way.kind == "button":
        update = bot.updates.callback(actor.user, text, message_in(bot, actor))
    else:
        update = bot.updates.message(actor.user, text, chat=actor.chat)
        if way.kind == "telegram_reply":
            update["message"]["reply_to_message"] = message_in(bot, actor)
    await bot.feed(update)
    await bot.deliver()
    return bot.api.calls[before:]


def edited(update: dict[str, Any], text: str) -> dict[str, Any]:
    """The update Telegram sends when the author edits that message."""
    message = {**update["message"], "text": text, "edit_date": int(time.time())}
    return {"update_id": update["update_id"] + 10_000, "edited_message": message}


def needles(ticket: Ticket) -> dict[str, str]:
    """What must never reach anyone who may not act on the ticket."""
    return {
        "description": ticket.description,
        "description core": "吉隆坡",
        "place": ticket.place,
        "reporter's name": REPORTER["first_name"],
        "contact": CONTACT,
        "contact digits": "345 6789",
    }


def leaks(calls: list[Call], ticket: Ticket) -> list[str]:
    found = []
    for call in calls:
        blob = json.dumps(call.params, ensure_ascii=False, default=str)
        found += [
            f"{call.method} to {call.params.get('chat_id')}: {name}"
            for name, needle in needles(ticket).items()
            if needle in blob
        ]
    return found


def refusal(ticket_id: int) -> str:
    return t("not_available", STAFF_LANG, id=ticket_id)


def said(calls: list[Call], chat_id: int | None = None) -> list[str]:
    """Texts of messages and callback answers among ``calls`` (to ``chat_id`` if given)."""
    return [
        str(c.params.get("text", ""))
        for c in calls
        if c.method in ("sendMessage", "answerCallbackQuery", "editMessageText")
        and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
    ]


def current(bot: BotHarness, ticket_id: int) -> Ticket:
    ticket = q(tickets.get, bot.engine, ticket_id=ticket_id)
    assert ticket is not None
    return ticket


def events(bot: BotHarness, ticket_id: int) -> list[tuple[str, int | None]]:
    return [(e.action, e.actor_id) for e in q(tickets.history, bot.engine, ticket_id=ticket_id)]


def check_effect(bot: BotHarness, way: Way, actor: Actor, before: Ticket, calls: list[Call]) -> None:
    """The visible result of an allowed action, besides its history entry."""
    assert before.id is not None
    after = current(bot, before.id)
    uid = actor.user["id"]
    if way.action == "view":
        assert after.model_dump() == before.model_dump()
        assert any(DESCRIPTION in text and CONTACT in text for text in said(calls, actor.where))
    elif way.action == "claim":
        assert (after.status, after.claimed_by) == ("claimed", uid)
    elif way.action == "reply":
        assert (after.status, after.claimed_by) == ("waiting", uid)
        assert any(REPLY_TEXT in text for text in said(calls, REPORTER["id"]))
    elif way.action == "transfer":
        assert (after.queue_id, after.status) == ("liling", "new")
        assert any(DESCRIPTION in text for text in said(calls, LILING_GROUP))  # the card moved
    elif way.action == "resolve":
        assert after.status == "resolved"
    else:  # note
        assert after.status == "new"
        note = q(tickets.thread, bot.engine, ticket_id=before.id)[-1]
        assert (note.direction, note.text, note.author_id) == ("note", NOTE_TEXT, uid)
        assert not any(NOTE_TEXT in text for text in said(calls, REPORTER["id"]))  # internal


async def check_refused(bot: BotHarness, actor: Actor, way: Way, ticket: Ticket) -> list[Call]:
    """The actor tries; nothing changes, the bot says no (for commands and buttons), nothing leaks."""
    assert ticket.id is not None
    before, history = current(bot, ticket.id).model_dump(), events(bot, ticket.id)
    calls = await perform(bot, actor, way, ticket.id)
    assert events(bot, ticket.id) == history
    assert current(bot, ticket.id).model_dump() == before
    assert leaks(calls, ticket) == []
    if way.kind != "telegram_reply" or actor.chat_id == CHALING_GROUP:
        assert refusal(ticket.id) in said(calls)
    return calls


# -- the matrix --------------------------------------------------------------------------------


async def test_the_card_carries_everything_the_leak_check_looks_for(bot: BotHarness) -> None:
    """A control: the check below would notice each piece of the ticket if it were sent."""
    ticket = await setup(bot)
    card = card_message(bot)
    assert f"#{ticket.id}" in card["text"]
    assert sorted(leaks([Call("sendMessage", card)], ticket)) == sorted(
        f"sendMessage to None: {name}" for name in needles(ticket)
    )
    assert not any(DESCRIPTION in text for text in bot.api.texts(LILING_GROUP))


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a.name)
@pytest.mark.parametrize("way", WAYS, ids=lambda w: w.id)
async def test_permission_matrix(bot: BotHarness, way: Way, actor: Actor) -> None:
    ticket = await setup(bot)
    assert ticket.id is not None
    if actor.user["id"] == REPORTER["id"] and way.kind == "telegram_reply" and actor.chat_id != CHALING_GROUP:
        # The reporter replying to the bot's message about her own report adds to its thread: her
        # words go to staff, which is not a staff action (nothing is sent back to her as a reply).
        history = events(bot, ticket.id)
        calls = await perform(bot, actor, way, ticket.id)
        assert events(bot, ticket.id) == [*history, ("user_message", REPORTER["id"])]
        assert not any(REPLY_TEXT in text for text in said(calls, REPORTER["id"]))
        assert leaks([c for c in calls if str(c.params.get("chat_id")) != str(REPORTER["id"])], ticket) == []
        return
    if not acts(actor, way):
        calls = await check_refused(bot, actor, way, ticket)
        if actor.name in MAY_ACT:  # a plain private message of someone who could act: not an action
            assert not any(REPLY_TEXT in text for text in said(calls, REPORTER["id"]))
        return
    history = events(bot, ticket.id)
    calls = await perform(bot, actor, way, ticket.id)
    made = [] if way.action == "view" else [(way.action, actor.user["id"])]
    assert events(bot, ticket.id) == [*history, *made]
    check_effect(bot, way, actor, ticket, calls)
    assert refusal(ticket.id) not in said(calls)


async def test_a_missing_ticket_is_refused_exactly_like_a_forbidden_one(bot: BotHarness) -> None:
    """The refusal is no oracle: a stranger cannot tell which ticket numbers exist."""
    ticket = await setup(bot)
    assert ticket.id is not None
    missing = ticket.id + 1000
    existing_reply = said(await perform(bot, STRANGER_PRIVATE, WAYS[0], ticket.id))
    missing_reply = said(await perform(bot, STRANGER_PRIVATE, WAYS[0], missing))
    assert existing_reply == [refusal(ticket.id)]
    assert missing_reply == [refusal(missing)]


# -- access follows the ticket and the group's membership, at the moment -----------------------


@pytest.mark.parametrize("way", WAYS, ids=lambda w: w.id)
async def test_after_a_transfer_to_liling_chaling_staff_are_refused(bot: BotHarness, way: Way) -> None:
    ticket = await setup(bot)
    assert ticket.id is not None
    await perform(bot, STAFF_HERE, Way("transfer", "command", "/transfer {id} liling"), ticket.id)
    assert current(bot, ticket.id).queue_id == "liling"
    # In their own group (old card, its buttons, replies to it) and in private: no longer theirs.
    await check_refused(bot, STAFF_HERE, way, ticket)
    await check_refused(bot, STAFF_PRIVATE, way, ticket)


async def test_after_a_transfer_liling_staff_work_it_from_the_new_card(bot: BotHarness) -> None:
    ticket = await setup(bot)
    assert ticket.id is not None
    await perform(bot, STAFF_HERE, Way("transfer", "button", "tk:to:{id}:liling"), ticket.id)
    liling_card = card_message(bot, LILING_GROUP)
    assert DESCRIPTION in liling_card["text"]
    calls = await bot.press(LILING_STAFF, f"tk:claim:{ticket.id}", liling_card)
    assert refusal(ticket.id) not in said(calls)
    assert (current(bot, ticket.id).status, current(bot, ticket.id).claimed_by) == ("claimed", LILING_STAFF["id"])
    assert events(bot, ticket.id)[-2:] == [("transfer", CHALING_STAFF["id"]), ("claim", LILING_STAFF["id"])]


async def test_membership_is_checked_with_telegram_at_every_action(bot: BotHarness) -> None:
    ticket = await setup(bot)
    assert ticket.id is not None
    claim = Way("claim", "button", "tk:claim:{id}")
    reply = Way("reply", "telegram_reply", REPLY_TEXT)

    def membership_checks() -> int:
        return sum(c.method == "getChatMember" for c in bot.api.calls)

    checks = membership_checks()
    await perform(bot, STAFF_HERE, claim, ticket.id)
    assert events(bot, ticket.id)[-1] == ("claim", CHALING_STAFF["id"])
    assert membership_checks() == checks + 1

    # Removed from the Chaling group: refused at once, in the group and in private.
    bot.api.members[CHALING_GROUP].discard(CHALING_STAFF["id"])
    await check_refused(bot, STAFF_HERE, reply, ticket)
    await check_refused(bot, STAFF_PRIVATE, Way("view", "command", "/ticket {id}"), ticket)
    assert membership_checks() == checks + 3  # asked each time, nothing remembered

    # Added back: allowed again, just as immediately.
    bot.api.members[CHALING_GROUP].add(CHALING_STAFF["id"])
    await perform(bot, STAFF_HERE, reply, ticket.id)
    assert events(bot, ticket.id)[-1] == ("reply", CHALING_STAFF["id"])
    assert current(bot, ticket.id).status == "waiting"


async def test_a_failing_membership_check_refuses(bot: BotHarness) -> None:
    """When Telegram cannot say whether someone is staff, the answer is no (and nothing leaks)."""
    ticket = await setup(bot)
    bot.api.fail("getChatMember", 400, "Bad Request: user not found")
    await check_refused(bot, STAFF_PRIVATE, Way("view", "command", "/ticket {id}"), ticket)


# -- an edit is not a second action ---------------------------------------------------------------


@pytest.mark.parametrize("way", [w for w in WAYS if w.action in ("reply", "note")], ids=lambda w: w.id)
async def test_editing_a_reply_or_note_does_not_act_twice(bot: BotHarness, way: Way) -> None:
    ticket = await setup(bot)
    assert ticket.id is not None
    text = way.text.format(id=ticket.id)
    update = bot.updates.message(CHALING_STAFF, text, chat=group(CHALING_GROUP))
    if way.kind == "telegram_reply":
        update["message"]["reply_to_message"] = card_message(bot)
    await bot.feed(update)
    await bot.deliver()
    history = events(bot, ticket.id)
    assert history[-1] == (way.action, CHALING_STAFF["id"])
    await bot.feed(edited(update, text + "（更正）"))
    await bot.deliver()
    assert events(bot, ticket.id) == history
    relayed = [sent for sent in bot.api.texts(REPORTER["id"]) if REPLY_TEXT in sent]
    assert len(relayed) == (1 if way.action == "reply" else 0)
