"""Durable intake: updates are stored before Telegram is told we have them, processed once, and
survive a crash; the intake and ticket tables hold Telegram's 64-bit ids on both databases."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from telegram import Update

from bot.db.delivery_tables import IntakeUpdate
from bot.db.repo import session_scope
from bot.db.ticket_tables import ReportDraft
from bot.faq.matcher import FaqIndex
from bot.messaging import intake, outbox
from bot.messaging.localapi import Call
from bot.messaging.polling import MAX_ATTEMPTS, DurablePoller
from bot.reports import drafts, tickets
from bot.text.i18n import t
from tests.conftest import BotHarness, make_user

USER = make_user(5252, first_name="Qing", language_code="zh-hans")
QUESTION = "护照丢了怎么办"
BIG = 2**40 + 12345  # above 32 bits, as Telegram's ids already are

# -- helpers -----------------------------------------------------------------------------------


def poller(bot: BotHarness) -> DurablePoller:
    """A poller over the harness's application (a new one is what a restarted process builds)."""
    return DurablePoller(bot.app, allowed_updates=["message", "callback_query"])


def get_updates_calls(bot: BotHarness) -> list[Call]:
    return [c for c in bot.api.calls if c.method == "getUpdates"]


def offset_asked(call: Call) -> int | None:
    offset = call.params.get("offset")
    return None if offset is None else int(offset)


def stored(bot: BotHarness) -> dict[int, IntakeUpdate]:
    with session_scope(bot.engine) as s:
        return {row.update_id: row for row in s.exec(select(IntakeUpdate)).all()}


def replies(bot: BotHarness) -> list[str]:
    return bot.api.texts(USER["id"])


def ask(bot: BotHarness, text: str = QUESTION) -> dict[str, Any]:
    """Telegram receives the user's message and holds it for getUpdates."""
    payload = bot.updates.message(USER, text)
    bot.api.push_update(payload)
    return payload


async def answer_once(bot: BotHarness) -> list[str]:
    """What one processing of the question sends (measured by asking it as another user)."""
    other = make_user(USER["id"] + 1)
    before = len(bot.api.calls)
    await bot.feed(bot.updates.message(other, QUESTION))
    return [str(c.params["text"]) for c in bot.api.calls[before:] if c.method == "sendMessage"]


def repeat_get_updates_answer(bot: BotHarness, monkeypatch: pytest.MonkeyPatch, answer: list[dict[str, Any]]) -> None:
    """Telegram answers the next getUpdates with ``answer`` again, whatever offset is asked."""
    original = bot.api._result
    pending = [answer]

    def result(endpoint: str, params: dict[str, Any]) -> Any:
        if endpoint == "getUpdates" and pending:
            return pending.pop()
        return original(endpoint, params)

    monkeypatch.setattr(bot.api, "_result", result)


class Crash(BaseException):
    """The process dies mid-handler (not an exception PTB's error handler would catch)."""


# -- stored before confirmed --------------------------------------------------------------------


async def test_an_update_is_stored_before_it_is_confirmed(bot: BotHarness) -> None:
    first = poller(bot)
    payload = ask(bot)
    assert await first.fetch_once(poll_timeout=0) == 1
    [call] = get_updates_calls(bot)
    assert offset_asked(call) is None  # nothing confirmed yet
    assert call.params["allowed_updates"] == ["message", "callback_query"]
    row = stored(bot)[payload["update_id"]]
    assert (row.status, row.attempts) == ("pending", 0)
    message = Update.de_json(json.loads(row.payload), bot.app.bot).message
    assert message is not None and message.text == QUESTION
    assert replies(bot) == []  # stored, not yet processed

    # The next getUpdates confirms exactly what is stored, and Telegram drops it.
    assert await first.fetch_once(poll_timeout=0) == 0
    assert offset_asked(get_updates_calls(bot)[-1]) == payload["update_id"] + 1
    assert bot.api._updates == []


async def test_the_offset_confirms_the_highest_stored_update(bot: BotHarness) -> None:
    first = poller(bot)
    ids = [ask(bot, text)["update_id"] for text in ("/start", "/help", QUESTION)]
    assert await first.fetch_once(poll_timeout=0) == 3
    assert await first.fetch_once(poll_timeout=0) == 0
    assert offset_asked(get_updates_calls(bot)[-1]) == max(ids) + 1
    assert intake.backlog(bot.engine) == 3


async def test_an_update_that_could_not_be_stored_is_not_confirmed(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = poller(bot)
    payload = ask(bot)
    real_store = intake.store

    def database_down(*args: Any, **kwargs: Any) -> bool:
        raise OSError("database unavailable")

    monkeypatch.setattr(intake, "store", database_down)
    with pytest.raises(OSError):
        await first.fetch_once(poll_timeout=0)
    monkeypatch.setattr(intake, "store", real_store)

    assert await first.fetch_once(poll_timeout=0) == 1  # Telegram still had it: asked without an offset
    assert [offset_asked(c) for c in get_updates_calls(bot)] == [None, None]
    assert list(stored(bot)) == [payload["update_id"]]


# -- exactly once ----------------------------------------------------------------------------------


async def test_an_update_pushed_twice_is_stored_and_answered_once(bot: BotHarness) -> None:
    expected = await answer_once(bot)
    assert expected
    first = poller(bot)
    payload = ask(bot)
    bot.api.push_update(payload)  # Telegram delivers the same update again
    assert await first.fetch_once(poll_timeout=0) == 1
    assert await first.process_pending() == 1
    assert await first.process_pending() == 0
    assert replies(bot) == expected
    assert stored(bot)[payload["update_id"]].status == "done"


async def test_a_repeated_get_updates_answer_is_stored_and_answered_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = await answer_once(bot)
    first = poller(bot)
    payload = ask(bot)
    assert await first.fetch_once(poll_timeout=0) == 1
    assert await first.process_pending() == 1
    assert replies(bot) == expected

    repeat_get_updates_answer(bot, monkeypatch, [payload])
    assert await first.fetch_once(poll_timeout=0) == 0  # already stored: ignored
    assert await first.process_pending() == 0
    assert replies(bot) == expected
    row = stored(bot)[payload["update_id"]]
    assert (row.status, row.attempts) == ("done", 1)


# -- crashes and failing handlers -----------------------------------------------------------------


async def test_a_crash_between_storing_and_processing_is_processed_after_restart(bot: BotHarness) -> None:
    expected = await answer_once(bot)
    payload = ask(bot)
    assert await poller(bot).fetch_once(poll_timeout=0) == 1  # then the process dies
    assert replies(bot) == []

    restarted = poller(bot)
    assert await restarted.process_pending() == 1
    assert replies(bot) == expected
    # Telegram hands back what was never confirmed; it is stored already, so nothing is new…
    assert await restarted.fetch_once(poll_timeout=0) == 0
    assert offset_asked(get_updates_calls(bot)[-1]) is None
    # …and the next call confirms it.
    assert await restarted.fetch_once(poll_timeout=0) == 0
    assert offset_asked(get_updates_calls(bot)[-1]) == payload["update_id"] + 1
    assert await restarted.process_pending() == 0
    assert replies(bot) == expected


async def test_a_crash_while_processing_runs_the_update_again_after_restart(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = await answer_once(bot)
    payload = ask(bot)
    first = poller(bot)
    await first.fetch_once(poll_timeout=0)

    def crash(self: FaqIndex, query: str) -> object:
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(FaqIndex, "match", crash)
        with pytest.raises(Crash):
            await first.process_pending()
    row = stored(bot)[payload["update_id"]]
    assert (row.status, row.attempts) == ("pending", 1)

    assert await poller(bot).process_pending() == 1
    assert replies(bot) == expected
    row = stored(bot)[payload["update_id"]]
    assert (row.status, row.attempts) == ("done", 2)


async def test_an_update_that_kills_the_process_every_time_is_given_up(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    poison = ask(bot)
    await poller(bot).fetch_once(poll_timeout=0)

    def crash(self: FaqIndex, query: str) -> object:
        raise Crash

    monkeypatch.setattr(FaqIndex, "match", crash)
    for _ in range(MAX_ATTEMPTS):  # each time a restarted process tries it and dies
        with pytest.raises(Crash):
            await poller(bot).process_pending()
    with caplog.at_level(logging.ERROR, logger="bot.messaging.polling"):
        assert await poller(bot).process_pending() == 0  # not tried a fourth time
    assert stored(bot)[poison["update_id"]].status == "failed"
    assert any("giving up" in r.getMessage() for r in caplog.records)

    # The queue behind it moves again.
    monkeypatch.undo()
    expected = await answer_once(bot)
    ask(bot)
    restarted = poller(bot)
    await restarted.fetch_once(poll_timeout=0)
    assert await restarted.process_pending() == 1
    assert replies(bot) == expected


async def test_a_handler_error_marks_the_update_done_after_the_apology(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: FaqIndex, query: str) -> object:
        raise RuntimeError("matcher exploded")

    monkeypatch.setattr(FaqIndex, "match", broken)
    payload = ask(bot)
    first = poller(bot)
    await first.fetch_once(poll_timeout=0)
    assert await first.process_pending() == 1
    assert replies(bot) == [t("error", "zh-Hans")]
    row = stored(bot)[payload["update_id"]]
    assert (row.status, row.attempts) == ("done", 1)

    # Not retried, by this process or the next one.
    assert await first.process_pending() == 0
    assert await poller(bot).process_pending() == 0
    assert replies(bot) == [t("error", "zh-Hans")]


# -- the tables on both databases, with 64-bit ids ----------------------------------------------


def draft(user_id: int = BIG) -> ReportDraft:
    return ReportDraft(
        user_id=user_id, chat_id=user_id, nonce="a1b2c3d4e5f60718", step="confirm", language="zh-Hans",
        place="茶陵县", queue_id="chaling", category="documents", description="护照在吉隆坡遗失，需要家乡开证明",
        contact="+60 12 345 6789",
    )  # fmt: skip


def test_filing_the_same_draft_twice_makes_one_ticket(engine: Engine) -> None:
    now = datetime(2030, 5, 1, 8, 0, tzinfo=UTC)
    deadline = now + timedelta(hours=24)
    ticket, created = tickets.file_ticket(engine, draft=draft(), user_name="Mei", escalate_at=deadline, now=now)
    again, created_again = tickets.file_ticket(engine, draft=draft(), user_name="Mei", escalate_at=deadline, now=now)
    assert (created, created_again) == (True, False)
    assert ticket.id is not None and again.id == ticket.id

    [row] = tickets.for_user(engine, user_id=BIG)
    assert (row.id, row.user_id, row.chat_id, row.escalate_at) == (ticket.id, BIG, BIG, deadline)
    assert [(e.action, e.actor_id) for e in tickets.history(engine, ticket_id=ticket.id)] == [("filed", BIG)]
    [message] = tickets.thread(engine, ticket_id=ticket.id)
    assert (message.direction, message.author_id) == ("in", BIG)

    # A staff action by a 64-bit user id, recorded as such.
    staff = 2**41 + 7
    tickets.change(engine, ticket_id=ticket.id, action="claim", actor_id=staff, claimed_by=(staff, "Chen"), now=now)
    claimed = tickets.get(engine, ticket_id=ticket.id)
    assert claimed is not None and claimed.claimed_by == staff
    assert tickets.history(engine, ticket_id=ticket.id)[-1].actor_id == staff


def test_a_filing_race_lost_to_another_process_returns_the_winners_ticket(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    deadline = datetime(2030, 5, 2, tzinfo=UTC)
    winner, _ = tickets.file_ticket(engine, draft=draft(), user_name="Mei", escalate_at=deadline)
    real_by_nonce = tickets.by_nonce
    looked: list[str] = []

    def checked_before_the_winner_committed(engine: Engine, *, nonce: str) -> Any:
        looked.append(nonce)
        return None if len(looked) == 1 else real_by_nonce(engine, nonce=nonce)

    monkeypatch.setattr(tickets, "by_nonce", checked_before_the_winner_committed)
    loser, created = tickets.file_ticket(engine, draft=draft(), user_name="Mei", escalate_at=deadline)
    assert (loser.id, created) == (winner.id, False)  # the unique nonce settled it
    assert winner.id is not None and len(tickets.for_user(engine, user_id=BIG)) == 1
    assert len(tickets.history(engine, ticket_id=winner.id)) == 1
    assert len(tickets.thread(engine, ticket_id=winner.id)) == 1


def test_another_draft_of_the_same_user_is_another_ticket(engine: Engine) -> None:
    deadline = datetime(2030, 5, 2, tzinfo=UTC)
    tickets.file_ticket(engine, draft=draft(), user_name=None, escalate_at=deadline)
    other = draft()
    other.nonce = "ffffeeeeddddcccc"
    tickets.file_ticket(engine, draft=other, user_name=None, escalate_at=deadline)
    assert len(tickets.for_user(engine, user_id=BIG)) == 2


def test_intake_stores_a_64_bit_update_once(engine: Engine) -> None:
    assert intake.next_offset(engine) is None
    assert intake.store(engine, update_id=BIG, payload='{"update_id": 1}') is True
    assert intake.store(engine, update_id=BIG, payload='{"update_id": 1}') is False
    assert intake.next_offset(engine) == BIG + 1
    assert [r.update_id for r in intake.pending(engine)] == [BIG]
    assert intake.begin(engine, update_id=BIG) == 1
    intake.finish(engine, update_id=BIG)
    assert intake.pending(engine) == [] and intake.backlog(engine) == 0
    assert intake.next_offset(engine) == BIG + 1  # done rows still confirm


def test_supergroup_ids_bind_and_migrate_on_both_databases(engine: Engine) -> None:
    old, new = -1001234567890, -1009876543210
    drafts.bind(engine, queue_id="chaling", chat_id=old, bound_by=BIG)
    assert drafts.chat_of_queue(engine, queue_id="chaling") == old
    assert outbox.enqueue(engine, dedupe_key="card:1:new", chat_id=old, text="card")
    assert not outbox.enqueue(engine, dedupe_key="card:1:new", chat_id=old, text="card")
    outbox.follow_migration(engine, old_chat_id=old, new_chat_id=new)
    assert drafts.chat_of_queue(engine, queue_id="chaling") == new
    [row] = outbox.due(engine, now=datetime.now(UTC) + timedelta(seconds=1))
    assert row.chat_id == new


async def test_the_processing_loop_survives_the_database_going_away(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PostgreSQL restart must not end the process: it waits and carries on."""
    from sqlalchemy.exc import OperationalError

    expected = await answer_once(bot)
    ask(bot)
    looping = poller(bot)
    await looping.fetch_once(poll_timeout=0)
    real_claim = intake.claim
    failures = iter([True, True])

    def flaky(*args: object, **kwargs: object) -> object:
        if next(failures, False):
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        return real_claim(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(intake, "claim", flaky)
    monkeypatch.setattr(looping, "_sleep", _no_wait)
    task = asyncio.create_task(looping._process_loop())
    for _ in range(200):
        if replies(bot) == expected:
            break
        await asyncio.sleep(0.01)
    looping.stop()
    await task
    assert replies(bot) == expected


async def test_a_lower_update_id_after_a_restart_is_not_skipped(bot: BotHarness) -> None:
    """Telegram may restart update ids lower after a quiet week: they are fetched, not confirmed away."""
    bot.updates.next_update_id = 900_000
    ask(bot)
    first = poller(bot)
    await first.fetch_once(poll_timeout=0)
    await first.process_pending()
    bot.updates.next_update_id = 5  # the next update Telegram sends has a much smaller id
    ask(bot, "/help")
    restarted = poller(bot)
    assert await restarted.fetch_once(poll_timeout=0) == 1
    assert await restarted.process_pending() == 1


async def _no_wait(seconds: float) -> None:
    await asyncio.sleep(0)
