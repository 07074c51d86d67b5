"""The outbox worker against the recording fake: retries, flood waits, refusals, migrations,
outages, per-chat order and pacing. Time is passed in (``now=``); nothing sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bot.db.models import OutboxMessage, Ticket, utcnow
from bot.groups import repo as bindings
from bot.messaging import outbox
from bot.messaging.budget import Limits
from bot.messaging.context import DELIVERER_KEY
from bot.messaging.delivery import Deliverer
from bot.messaging.localapi import FakeBotApi
from bot.messaging.outbox import Message
from bot.reports import repo as tickets
from bot.users import repo as users
from tests.conftest import BotHarness, make_user, q
from tests.reports.test_flows import (
    CHALING_GROUP,
    CHALING_STAFF,
    LILING_GROUP,
    MEI,
    file_report,
    setup_groups,
)

USER = make_user(3131, first_name="Lan")
CHALING_SUPERGROUP = -1009876543210

# -- helpers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Try:
    """One call the bot made to send something, whatever Telegram answered."""

    chat_id: int
    text: str
    status: int


@pytest.fixture
def tries(bot: BotHarness, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Try]]:
    """Every sendMessage attempt (the fake records only successful calls in ``api.calls``)."""
    seen: list[Try] = []
    handle = bot.api.handle

    def recording(endpoint: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, body = handle(endpoint, params)
        if endpoint == "sendMessage":
            seen.append(Try(int(params["chat_id"]), str(params.get("text", "")), status))
        return status, body

    monkeypatch.setattr(bot.api, "handle", recording)
    yield seen


def queue(bot: BotHarness, key: str, *, now: datetime, chat_id: int = USER["id"], text: str | None = None) -> None:
    assert q(outbox.enqueue, bot.engine, Message.text(chat_id, text or key), key=key, now=now)


def row(bot: BotHarness, key: str) -> OutboxMessage:
    with Session(bot.engine) as s:
        found = s.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).one()
    return found


def all_rows(bot: BotHarness) -> list[OutboxMessage]:
    with Session(bot.engine) as s:
        return list(s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def delivered(bot: BotHarness, chat_id: int = USER["id"]) -> list[str]:
    return bot.api.texts(chat_id)


def card_header(ticket: Ticket) -> str:
    return f"<b>反映 #{ticket.id}</b>"


def cards_in(api: FakeBotApi, chat_id: int, ticket: Ticket) -> int:
    return sum(card_header(ticket) in text for text in api.texts(chat_id))


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, by: float) -> None:
        self.now += by


# -- retries and refusals -----------------------------------------------------------------------


async def test_a_502_is_retried_later_and_delivered_exactly_once(bot: BotHarness, tries: list[Try]) -> None:
    now = utcnow()
    queue(bot, "hello", now=now)
    bot.api.fail("sendMessage", 502)
    assert await bot.deliver(now) == 0
    failed = row(bot, "hello")
    assert (failed.status, failed.attempts, failed.sent_at) == ("pending", 1, None)
    assert failed.next_attempt_at > now
    assert failed.last_error is not None and "Bad Gateway" in failed.last_error

    # Not due yet: not even tried.
    assert await bot.deliver(failed.next_attempt_at - seconds(0.001)) == 0
    assert len(tries) == 1

    assert await bot.deliver(failed.next_attempt_at) == 1
    sent = row(bot, "hello")
    assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 2, failed.next_attempt_at)
    assert sent.message_id is not None
    assert delivered(bot) == ["hello"]

    # Later rounds never send it again.
    assert await bot.deliver(now + timedelta(days=1)) == 0
    assert delivered(bot) == ["hello"] and [t.status for t in tries] == [502, 200]


async def test_repeated_failures_back_off_exponentially_up_to_an_hour(bot: BotHarness) -> None:
    now = utcnow()
    queue(bot, "hello", now=now)
    bot.api.fail("sendMessage", 502, times=14)
    waits = []
    for _ in range(14):
        assert await bot.deliver(now) == 0
        pending = row(bot, "hello")
        waits.append((pending.next_attempt_at - now).total_seconds())
        now = pending.next_attempt_at
    assert waits[:5] == [1, 2, 4, 8, 16]
    assert waits[-1] == 3600
    assert await bot.deliver(now) == 1


async def test_a_row_that_is_not_due_is_not_sent(bot: BotHarness, tries: list[Try]) -> None:
    now = utcnow()
    queue(bot, "later", now=now + seconds(10))
    queue(bot, "other chat, now", now=now, chat_id=5151)
    assert await bot.deliver(now) == 1
    assert [t.chat_id for t in tries] == [5151]
    assert await bot.deliver(now + seconds(10)) == 1
    assert delivered(bot) == ["later"]


async def test_429_waits_exactly_retry_after(bot: BotHarness, tries: list[Try]) -> None:
    now = utcnow()
    queue(bot, "flooded", now=now)
    bot.api.fail("sendMessage", 429, retry_after=30)
    assert await bot.deliver(now) == 0
    waiting = row(bot, "flooded")
    assert (waiting.status, waiting.attempts, waiting.next_attempt_at) == ("pending", 1, now + seconds(30))
    for wait in (1, 15, 29.999):
        assert await bot.deliver(now + seconds(wait)) == 0
    assert len(tries) == 1  # not retried before retry_after
    assert await bot.deliver(now + seconds(30)) == 1
    assert delivered(bot) == ["flooded"]
    assert row(bot, "flooded").status == "sent"


async def test_403_marks_the_user_blocked_and_is_never_retried(bot: BotHarness, tries: list[Try]) -> None:
    now = utcnow()
    q(users.touch, bot.engine, user_id=USER["id"], telegram_language="zh-hans", now=now - timedelta(days=1))
    queue(bot, "to a user who blocked us", now=now)
    bot.api.fail("sendMessage", 403)
    assert await bot.deliver(now) == 0
    refused = row(bot, "to a user who blocked us")
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert refused.last_error is not None and refused.last_error.startswith("403")
    user = q(users.get, bot.engine, user_id=USER["id"])
    assert user is not None and user.blocked_at == now

    for later in (seconds(1), timedelta(hours=2), timedelta(days=30)):
        assert await bot.deliver(now + later) == 0
    assert len(tries) == 1 and delivered(bot) == []
    assert q(outbox.backlog, bot.engine) == 0


async def test_403_from_a_group_fails_the_row_without_blocking_anyone(bot: BotHarness) -> None:
    now = utcnow()
    queue(bot, "to a group that removed the bot", now=now, chat_id=CHALING_GROUP)
    bot.api.fail("sendMessage", 403, "Forbidden: bot was kicked from the supergroup chat")
    assert await bot.deliver(now) == 0
    assert row(bot, "to a group that removed the bot").status == "failed"
    assert await bot.deliver(now + timedelta(days=1)) == 0


async def test_400_fails_the_row_and_the_chat_moves_on(bot: BotHarness, tries: list[Try]) -> None:
    now = utcnow()
    queue(bot, "malformed", now=now)
    queue(bot, "fine", now=now)
    bot.api.fail("sendMessage", 400, "Bad Request: can't parse entities")
    assert await bot.deliver(now) == 0
    bad = row(bot, "malformed")
    assert (bad.status, bad.attempts) == ("failed", 1)
    assert bad.last_error is not None and "can't parse entities" in bad.last_error.lower()
    assert await bot.deliver(now + seconds(1)) == 1
    assert delivered(bot) == ["fine"]
    assert await bot.deliver(now + timedelta(days=1)) == 0
    assert [t.text for t in tries] == ["malformed", "fine"]


# -- a group that became a supergroup ------------------------------------------------------------


async def test_a_migrated_group_takes_its_binding_and_pending_cards_along(bot: BotHarness) -> None:
    await setup_groups(bot)
    bot.api.migrated = {CHALING_GROUP: CHALING_SUPERGROUP}  # before the first card reaches the group
    bot.api.members[CHALING_SUPERGROUP] = {CHALING_STAFF["id"]}
    first = await file_report(bot, MEI)
    second = await file_report(bot, make_user(4343, first_name="Hua"))

    await bot.deliver()  # Telegram answers "migrated" for the old id
    assert q(bindings.chat_of_queue, bot.engine, queue_id="chaling") == CHALING_SUPERGROUP
    assert q(bindings.queue_of_chat, bot.engine, chat_id=CHALING_GROUP) is None
    pending_cards = [r for r in all_rows(bot) if r.dedupe_key.startswith("card:")]
    assert {r.chat_id for r in pending_cards} == {CHALING_SUPERGROUP}

    await bot.deliver()
    for ticket in (first, second):
        assert cards_in(bot.api, CHALING_SUPERGROUP, ticket) == 1
    assert bot.api.texts(CHALING_GROUP)[-1].startswith("本群已绑定")  # nothing more reached the old id

    # A later card goes straight to the new id: nobody had to /bind again.
    third = await file_report(bot, make_user(4444, first_name="Yun"))
    [card_row] = [r for r in all_rows(bot) if r.dedupe_key == f"card:{third.id}:new"]
    assert card_row.chat_id == CHALING_SUPERGROUP
    assert cards_in(bot.api, CHALING_SUPERGROUP, third) == 1

    # And its staff work it from there.
    card = next(m for m in bot.api.messages(CHALING_SUPERGROUP) if f"tk:claim:{third.id}" in str(m))
    await bot.press(CHALING_STAFF, f"tk:claim:{third.id}", card)
    assert third.id is not None
    claimed = q(tickets.get, bot.engine, ticket_id=third.id)
    assert claimed is not None and (claimed.status, claimed.claimed_by) == ("claimed", CHALING_STAFF["id"])


# -- an outage ------------------------------------------------------------------------------------


async def test_an_outage_delays_cards_but_never_drops_or_duplicates_them(bot: BotHarness, tries: list[Try]) -> None:
    await setup_groups(bot)
    # The staff side is down while three reports are filed (the users' conversations go through).
    bot.api.fail("sendMessage", 502, times=1000, chat_id=CHALING_GROUP)
    bot.api.fail("sendMessage", 502, times=1000, chat_id=LILING_GROUP)
    filed = [
        await file_report(bot, MEI),
        await file_report(bot, make_user(4343, first_name="Hua"), place="醴陵市"),
        await file_report(bot, make_user(4444, first_name="Yun")),
    ]
    assert [t.queue_id for t in filed] == ["chaling", "liling", "chaling"]
    rows = [r for r in all_rows(bot) if r.status == "pending"]
    chats = {r.chat_id for r in rows}
    assert chats == {CHALING_GROUP, LILING_GROUP}
    del tries[:]  # the conversations that filed them

    now = utcnow()
    for round_ in range(10):
        before = len(tries)
        assert await bot.deliver(now + timedelta(hours=2 * (round_ + 1))) == 0
        # Each round tried again: the first message of every chat, and no more (order is kept).
        assert sorted(t.chat_id for t in tries[before:]) == sorted(chats)
    ids = {r.id for r in rows}
    assert {r.status for r in all_rows(bot) if r.id in ids} == {"pending"}

    bot.api.faults.clear()
    assert await bot.deliver(now + timedelta(hours=24)) == len(rows)
    assert await bot.deliver(now + timedelta(hours=34)) == 0
    assert {r.status for r in all_rows(bot)} == {"sent"}
    for ticket in filed:
        group = CHALING_GROUP if ticket.queue_id == "chaling" else LILING_GROUP
        assert cards_in(bot.api, group, ticket) == 1
        assert sum(f"#{ticket.id}" in text for text in bot.api.texts(ticket.chat_id)) == 1  # the user's reference
    assert sum(t.status == 200 for t in tries) == len(rows)


# -- order within a chat ------------------------------------------------------------------------


async def test_a_failed_message_holds_back_the_rest_of_its_chat_in_that_round(
    bot: BotHarness, tries: list[Try]
) -> None:
    now = utcnow()
    for key in ("first", "second", "third"):
        queue(bot, key, now=now)
    queue(bot, "another chat", now=now, chat_id=5151)
    bot.api.fail("sendMessage", 502, chat_id=USER["id"])
    assert await bot.deliver(now) == 1
    assert [(t.text, t.status) for t in tries] == [("first", 502), ("another chat", 200)]
    assert await bot.deliver(row(bot, "first").next_attempt_at) == 3
    assert delivered(bot) == ["first", "second", "third"]


@pytest.mark.parametrize("fault", ["429", "502-twice"])
async def test_messages_to_one_chat_arrive_in_order_even_when_an_earlier_one_is_retried(
    bot: BotHarness, fault: str
) -> None:
    now = utcnow()
    for key in ("first", "second", "third"):
        queue(bot, key, now=now)
    if fault == "429":
        bot.api.fail("sendMessage", 429, retry_after=5)
    else:
        bot.api.fail("sendMessage", 502, times=2)
    for tick in range(10):  # the worker runs every second
        await bot.deliver(now + seconds(tick))
    assert delivered(bot) == ["first", "second", "third"]


# -- pacing ----------------------------------------------------------------------------------------


async def test_the_worker_paces_a_group_and_keeps_the_rest_pending(bot: BotHarness, tries: list[Try]) -> None:
    clock = FakeClock()
    deliverer: Deliverer = bot.app.bot_data[DELIVERER_KEY]
    deliverer.limits, deliverer.clock = Limits(), clock
    now = utcnow()
    for i in range(3):
        queue(bot, f"card {i}", now=now, chat_id=CHALING_GROUP)
    queue(bot, "to the user", now=now)

    assert await bot.deliver(now) == 2  # one to the group, one to the user
    assert await bot.deliver(now) == 0  # the same second: nothing more, and nothing tried
    assert len(tries) == 2
    assert row(bot, "card 1").attempts == 0  # held back by pacing is no failed attempt
    for expected in (1, 1, 0):
        clock.advance(1.0)
        assert await bot.deliver(now) == expected
    assert bot.api.texts(CHALING_GROUP) == ["card 0", "card 1", "card 2"]


async def test_a_paced_group_backlog_does_not_hold_up_other_chats(bot: BotHarness) -> None:
    clock = FakeClock()
    deliverer: Deliverer = bot.app.bot_data[DELIVERER_KEY]
    deliverer.limits, deliverer.clock = Limits(), clock
    now = utcnow()
    for i in range(60):  # e.g. what piled up for a busy group during an outage
        queue(bot, f"group {i}", now=now, chat_id=CHALING_GROUP)
    queue(bot, "to the user", now=now)
    await bot.deliver(now)
    assert delivered(bot) == ["to the user"]
