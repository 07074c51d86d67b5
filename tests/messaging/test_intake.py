"""Durable intake: updates are stored before Telegram is told we have them, processed once in one
unit of work, and survive a crash; the intake table holds Telegram's 64-bit ids on both databases."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select
from telegram import Update

from bot.db.models import IntakeUpdate, OutboxMessage
from bot.db.uow import session_scope
from bot.faq.matcher import FaqIndex
from bot.groups import repo as bindings
from bot.messaging import faults, intake, outbox
from bot.messaging.localapi import Call
from bot.messaging.outbox import Message
from bot.messaging.pipeline import Processor
from bot.messaging.polling import DurablePoller
from bot.text.i18n import t
from tests.conftest import BotHarness, make_user, q

USER = make_user(5252, first_name="Qing", language_code="zh-hans")
QUESTION = "护照丢了怎么办"
BIG = 2**40 + 12345  # above 32 bits, as Telegram's ids already are

# -- helpers -----------------------------------------------------------------------------------


def processor(bot: BotHarness) -> Processor:
    return Processor(bot.app, bot.runtime, concurrency=1)


def poller(bot: BotHarness) -> DurablePoller:
    """A poller over the harness's application (a new one is what a restarted process builds)."""
    return DurablePoller(bot.app, bot.runtime, processor(bot), allowed_updates=["message", "callback_query"])


def restarted(bot: BotHarness) -> Processor:
    """What a process starting again does before it takes work: its dead predecessor's leases go."""
    intake.release_stale(bot.engine)
    return processor(bot)


async def process(bot: BotHarness, worker: Processor | None = None) -> int:
    done = await (worker or processor(bot)).process_pending()
    await bot.deliver()
    return done


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


def time_passes(bot: BotHarness) -> None:
    """An update waiting to be retried becomes due (instead of sleeping through its backoff)."""
    with session_scope(bot.engine) as s:
        s.execute(update(IntakeUpdate).values(not_before=None))


def repeat_get_updates_answer(bot: BotHarness, monkeypatch: pytest.MonkeyPatch, answer: list[dict[str, Any]]) -> None:
    """Telegram answers the next getUpdates with ``answer`` again, whatever offset is asked."""
    original = bot.api._result
    pending = [answer]

    def result(endpoint: str, params: dict[str, Any]) -> Any:
        if endpoint == "getUpdates" and pending:
            return pending.pop()
        return original(endpoint, params)

    monkeypatch.setattr(bot.api, "_result", result)


@pytest.fixture(autouse=True)
def _no_armed_faults() -> Any:
    yield
    faults.disarm()


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
    assert q(intake.backlog, bot.engine) == 3


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
    assert await process(bot) == 1
    assert await process(bot) == 0
    assert replies(bot) == expected
    assert stored(bot)[payload["update_id"]].status == "done"


async def test_a_repeated_get_updates_answer_is_stored_and_answered_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = await answer_once(bot)
    first = poller(bot)
    payload = ask(bot)
    assert await first.fetch_once(poll_timeout=0) == 1
    assert await process(bot) == 1
    assert replies(bot) == expected

    repeat_get_updates_answer(bot, monkeypatch, [payload])
    assert await first.fetch_once(poll_timeout=0) == 0  # already stored: ignored
    assert await process(bot) == 0
    assert replies(bot) == expected
    row = stored(bot)[payload["update_id"]]
    assert (row.status, row.attempts) == ("done", 1)


async def test_an_update_and_its_answer_commit_together(bot: BotHarness) -> None:
    """The answer is queued in the update's own transaction: done and queued, or neither."""
    payload = ask(bot)
    await poller(bot).fetch_once(poll_timeout=0)
    await processor(bot).process_pending()
    with session_scope(bot.engine) as s:
        queued = s.exec(
            select(OutboxMessage).where(col(OutboxMessage.dedupe_key).startswith(f"u{payload['update_id']}:"))
        ).all()
    assert stored(bot)[payload["update_id"]].status == "done" and queued
    assert all(r.status == "pending" for r in queued)  # delivered afterwards, by the worker
    await bot.deliver()
    assert replies(bot)


# -- crashes and failing handlers -----------------------------------------------------------------


async def test_a_crash_between_storing_and_processing_is_processed_after_restart(bot: BotHarness) -> None:
    expected = await answer_once(bot)
    payload = ask(bot)
    assert await poller(bot).fetch_once(poll_timeout=0) == 1  # then the process dies
    assert replies(bot) == []

    again = poller(bot)
    assert await process(bot, restarted(bot)) == 1
    assert replies(bot) == expected
    # Telegram hands back what was never confirmed; it is stored already, so nothing is new…
    assert await again.fetch_once(poll_timeout=0) == 0
    assert offset_asked(get_updates_calls(bot)[-1]) is None
    # …and the next call confirms it.
    assert await again.fetch_once(poll_timeout=0) == 0
    assert offset_asked(get_updates_calls(bot)[-1]) == payload["update_id"] + 1
    assert await process(bot) == 0
    assert replies(bot) == expected


@pytest.mark.parametrize("point", ["intake.claimed", "update.before_commit"])
async def test_a_crash_while_processing_runs_the_update_again_after_restart(bot: BotHarness, point: str) -> None:
    expected = await answer_once(bot)
    payload = ask(bot)
    await poller(bot).fetch_once(poll_timeout=0)
    faults.arm(point)
    with pytest.raises(faults.Crash):
        await processor(bot).process_pending()
    await bot.deliver()
    assert replies(bot) == []  # nothing of it was committed, so nothing was sent
    row = stored(bot)[payload["update_id"]]
    assert (row.status, row.attempts) == ("pending", 1)

    assert await process(bot, restarted(bot)) == 1
    assert replies(bot) == expected
    row = stored(bot)[payload["update_id"]]
    assert (row.status, row.attempts) == ("done", 2)


async def test_a_crash_after_the_commit_is_not_processed_again(bot: BotHarness) -> None:
    expected = await answer_once(bot)
    payload = ask(bot)
    await poller(bot).fetch_once(poll_timeout=0)
    faults.arm("update.after_commit")
    with pytest.raises(faults.Crash):
        await processor(bot).process_pending()
    assert stored(bot)[payload["update_id"]].status == "done"
    assert await process(bot, restarted(bot)) == 0  # done: the answer is in the outbox already
    assert replies(bot) == expected


async def test_an_update_that_kills_the_process_every_time_is_set_aside(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    poison = ask(bot)
    await poller(bot).fetch_once(poll_timeout=0)

    def crash(self: FaqIndex, query: str) -> object:
        raise faults.Crash("in the matcher")

    monkeypatch.setattr(FaqIndex, "match", crash)
    for _ in range(intake.MAX_ATTEMPTS):  # each time a restarted process tries it and dies
        with pytest.raises(faults.Crash):
            await restarted(bot).process_pending()
    with caplog.at_level(logging.ERROR, logger="bot.messaging.pipeline"):
        assert await process(bot, restarted(bot)) == 1  # not run a fourth time: set aside
    row = stored(bot)[poison["update_id"]]
    assert (row.status, row.attempts) == ("failed", intake.MAX_ATTEMPTS + 1)
    assert any("set aside" in r.getMessage() for r in caplog.records)
    assert replies(bot) == [t("error", "zh-Hans")]  # the person is told, once
    assert QUESTION not in caplog.text  # no message text in the log

    # The queue behind it moves again.
    monkeypatch.undo()
    expected = await answer_once(bot)
    ask(bot)
    await poller(bot).fetch_once(poll_timeout=0)
    assert await process(bot) == 1
    assert replies(bot) == [t("error", "zh-Hans"), *expected]


async def test_a_failing_handler_rolls_back_is_retried_and_then_set_aside_with_an_apology(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: FaqIndex, query: str) -> object:
        raise RuntimeError("matcher exploded")

    monkeypatch.setattr(FaqIndex, "match", broken)
    payload = ask(bot)
    await poller(bot).fetch_once(poll_timeout=0)
    for attempt in range(1, intake.MAX_ATTEMPTS + 1):
        assert await process(bot) == 1
        row = stored(bot)[payload["update_id"]]
        assert row.attempts == attempt and row.error and "RuntimeError" in row.error
        assert await process(bot) == 0  # waiting for its retry time, not looping
        time_passes(bot)
    row = stored(bot)[payload["update_id"]]
    assert row.status == "failed"
    assert replies(bot) == [t("error", "zh-Hans")]  # one apology, nothing half-done before it
    assert q(intake.failed, bot.engine)[0].update_id == payload["update_id"]

    # Once the cause is fixed, `qiaobot intake retry` puts it back in line and it is answered.
    monkeypatch.undo()
    expected = await answer_once(bot)
    assert q(intake.requeue, bot.engine, update_id=payload["update_id"])
    assert await process(bot) == 1
    assert replies(bot) == [t("error", "zh-Hans"), *expected]


async def test_an_update_python_telegram_bot_cannot_read_is_set_aside_and_the_bot_carries_on(
    bot: BotHarness,
) -> None:
    bad = {"update_id": 77, "message": {"message_id": "not a number", "chat": "nonsense"}}
    assert intake.store(bot.engine, update_id=77, payload=json.dumps(bad))
    ask(bot)
    await poller(bot).fetch_once(poll_timeout=0)
    assert await process(bot) == 2
    assert stored(bot)[77].status == "failed" and "unreadable" in (stored(bot)[77].error or "")
    assert replies(bot)  # the next update was answered


# -- the tables on both databases, with 64-bit ids ----------------------------------------------


def test_intake_stores_claims_and_finishes_a_64_bit_update_once(engine: Engine) -> None:
    assert intake.store(engine, update_id=BIG, payload='{"update_id": 1}') is True
    assert intake.store(engine, update_id=BIG, payload='{"update_id": 1}') is False
    [claimed] = intake.claim(engine, worker="w1")
    row = claimed.update
    assert (row.update_id, row.attempts, row.locked_by, claimed.flooding) == (BIG, 1, "w1", False)
    assert intake.claim(engine, worker="w2") == []  # leased to w1
    q(intake.finish, engine, update_id=BIG)
    assert q(intake.backlog, engine) == 0


def test_a_chat_is_worked_in_order_and_busy_chats_are_skipped(engine: Engine) -> None:
    for update_id, chat in ((1, 10), (2, 10), (3, 20)):
        payload = json.dumps({"update_id": update_id, "message": {"chat": {"id": chat}}})
        intake.store(engine, update_id=update_id, payload=payload)
    rows = intake.claim(engine, worker="w", limit=5)
    assert sorted(r.update.update_id for r in rows) == [1, 3]  # the head of each chat, not update 2
    q(intake.finish, engine, update_id=1)
    assert [r.update.update_id for r in intake.claim(engine, worker="w", limit=5, busy={20})] == [2]


def test_a_flooding_chat_waits_behind_everyone_else_in_order_and_loses_nothing(engine: Engine) -> None:
    for update_id in range(1, 31):  # 30 updates in a few seconds from one chat
        intake.store(
            engine, update_id=update_id, payload=json.dumps({"update_id": update_id, "message": {"chat": {"id": 10}}})
        )
    intake.store(engine, update_id=31, payload=json.dumps({"update_id": 31, "message": {"chat": {"id": 20}}}))
    flood = intake.Flood(messages=20, seconds=10)
    [first] = intake.claim(engine, worker="w", flood=flood)
    assert (first.update.update_id, first.flooding) == (31, False)  # the newcomer first, though it came last
    q(intake.finish, engine, update_id=31)
    taken = []
    while claimed := intake.claim(engine, worker="w", flood=flood):
        [item] = claimed
        assert item.flooding
        taken.append(item.update.update_id)
        q(intake.finish, engine, update_id=item.update.update_id)
    assert taken == list(range(1, 31))  # then every one of the flood, in order


def test_supergroup_ids_bind_and_migrate_on_both_databases(engine: Engine) -> None:
    old, new = -1001234567890, -1009876543210
    q(bindings.bind, engine, queue_id="chaling", chat_id=old, bound_by=BIG)
    assert q(bindings.chat_of_queue, engine, queue_id="chaling") == old
    assert q(outbox.enqueue, engine, Message.text(old, "card"), key="card:1:new")
    assert not q(outbox.enqueue, engine, Message.text(old, "card"), key="card:1:new")
    q(outbox.follow_migration, engine, old_chat_id=old, new_chat_id=new)
    assert q(bindings.chat_of_queue, engine, queue_id="chaling") == new
    [row] = q(outbox.due, engine, now=datetime.now(UTC) + timedelta(seconds=1))
    assert row.chat_id == new


async def test_the_processing_loop_survives_the_database_going_away(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PostgreSQL restart must not end the process: it waits and carries on."""
    expected = await answer_once(bot)
    ask(bot)
    await poller(bot).fetch_once(poll_timeout=0)
    looping = processor(bot)
    real_claim = intake.claim
    failures = iter([True, True])

    def flaky(*args: object, **kwargs: object) -> object:
        if next(failures, False):
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        return real_claim(*args, **kwargs)  # type: ignore[arg-type]

    async def no_wait(seconds: float) -> None:
        await asyncio.sleep(0)

    monkeypatch.setattr(intake, "claim", flaky)
    monkeypatch.setattr(looping, "_sleep", no_wait)
    task = asyncio.create_task(looping.run_forever())
    for _ in range(500):
        if stored(bot) and all(r.status == "done" for r in stored(bot).values()):
            break
        await asyncio.sleep(0.01)
    looping.stop()
    await task
    await bot.deliver()
    assert replies(bot) == expected


async def test_a_lower_update_id_after_a_restart_is_not_skipped(bot: BotHarness) -> None:
    """Telegram may restart update ids lower after a quiet week: they are fetched, not confirmed away."""
    bot.updates.next_update_id = 900_000
    ask(bot)
    first = poller(bot)
    await first.fetch_once(poll_timeout=0)
    await process(bot)
    bot.updates.next_update_id = 5  # the next update Telegram sends has a much smaller id
    ask(bot, "/help")
    assert await poller(bot).fetch_once(poll_timeout=0) == 1
    assert await process(bot) == 1
