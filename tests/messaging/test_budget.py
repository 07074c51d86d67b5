"""One budget of Telegram's limits for every process: two Deliverers on one database (SQLite and
PostgreSQL) never exceed it in any window, and replies go before bulk sends.

Time is a fake clock shared by both workers; each Bot API call takes a few (fake) milliseconds, and
waiting for the budget advances the clock instead of sleeping. Arrivals are stamped by that clock
when the call reaches the stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.db.models import OutboxMessage, SendSlot, utcnow
from bot.db.uow import session_scope
from bot.messaging import budget, outbox
from bot.messaging.budget import Limits
from bot.messaging.delivery import Deliverer, RawBot
from bot.messaging.localapi import LOCAL_TOKEN, Call, LocalBotApi
from bot.messaging.outbox import Message

GROUP = -100777


@dataclass
class Clock:
    now: float = 10_000.0
    arrivals: list[tuple[float, int, str]] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
async def world(engine: Engine) -> AsyncIterator[tuple[Clock, LocalBotApi, list[Deliverer]]]:
    clock = Clock()
    api = LocalBotApi()

    def arrive(call: Call) -> None:  # the call reached Telegram now; it takes 7 ms
        if call.method != "sendMessage":
            return
        clock.arrivals.append((clock.now, int(call.params["chat_id"]), str(call.params.get("text", ""))))
        clock.now += 0.007

    api.on_call = arrive
    workers = []
    for _ in range(2):
        raw = RawBot(LOCAL_TOKEN, request=api)
        await raw.initialize()
        workers.append(Deliverer(raw, engine, limits=Limits(), clock=clock, sleep=clock.sleep))
    yield clock, api, workers
    for worker in workers:
        await worker.bot.shutdown()


def queue(engine: Engine, chat_id: int, text: str, *, priority: int = outbox.NOTICE) -> None:
    with session_scope(engine) as s:
        outbox.enqueue(s, Message.text(chat_id, text), key=f"{chat_id}:{text}", priority=priority)


def pending(engine: Engine) -> int:
    with session_scope(engine) as s:
        return outbox.backlog(s)


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_two_processes_together_never_exceed_the_budget_in_any_window(
    engine: Engine, world: tuple[Clock, LocalBotApi, list[Deliverer]]
) -> None:
    clock, api, workers = world
    for chat in range(1, 81):  # 80 people, three messages each: 240 sends, 8 s of budget at least
        for i in range(3):
            queue(engine, chat, f"m{i}")
    for i in range(22):  # a group: 20 a minute at most
        queue(engine, GROUP, f"g{i}")

    for _ in range(400):  # the job runs every quarter second in each process, until all went out
        if not pending(engine):
            break
        await asyncio.gather(*(w.deliver_due(utcnow()) for w in workers))
        clock.now += 0.25
    assert pending(engine) == 0
    assert len(clock.arrivals) == 240 + 22 and api.throttled == 0

    times = [at for at, _, _ in clock.arrivals]
    # Never above the budget. (How much of it is used depends on how the two workers' threads
    # interleave on a busy machine — 29 once in CI — so it is measured by bench_pipeline instead:
    # 96–101 % of 30/s with 1 and 2 processes.)
    assert most_in_any_window(times, 1.0) <= 30
    for chat in range(1, 81):
        mine = [at for at, c, _ in clock.arrivals if c == chat]
        assert most_in_any_window(mine, 3.0) <= 3  # a short burst, then one a second
    group = [at for at, c, _ in clock.arrivals if c == GROUP]
    assert most_in_any_window(group, 1.0) == 1 and most_in_any_window(group, 60.0) == 20
    # Each chat's messages in order, whichever process sent them.
    for chat in (1, 40, 80, GROUP):
        texts = [t for _, c, t in clock.arrivals if c == chat]
        assert texts == sorted(texts, key=lambda t: int(t[1:]))


async def test_replies_go_before_bulk_sends_when_the_budget_is_short(
    engine: Engine, world: tuple[Clock, LocalBotApi, list[Deliverer]]
) -> None:
    clock, _, workers = world
    for chat in range(1, 61):
        queue(engine, chat, "newsletter", priority=outbox.BULK)
    for chat in range(101, 106):
        queue(engine, chat, "report filed", priority=outbox.NOTICE)
    for chat in range(201, 211):
        queue(engine, chat, "your answer", priority=outbox.REPLY)

    for worker in workers:  # one round each: the first takes the best twenty, the second the rest
        await worker.deliver_due(utcnow(), max_rounds=1)
    sent = [t for _, _, t in clock.arrivals]
    assert len(sent) == 30  # one second's budget, shared by both processes
    assert sent[:10] == ["your answer"] * 10
    assert sent[10:15] == ["report filed"] * 5
    assert sent[15:] == ["newsletter"] * 15


def test_a_slot_in_flight_counts_for_every_process_until_its_lease_runs_out(engine: Engine) -> None:
    limits = Limits(per_second=2)
    with session_scope(engine) as s:  # process A takes two slots and dies before the calls return
        assert budget.reserve(s, candidates=[(1, 11), (2, 12)], now=100.0, limits=limits, most=10).ids == [1, 2]
    with session_scope(engine) as s:  # process B, much later: still counted (it may yet arrive)
        grant = budget.reserve(s, candidates=[(3, 13)], now=150.0, limits=limits, most=10)
        assert grant.ids == [] and grant.wait is not None
    with session_scope(engine) as s:  # after the lease, they are given up
        assert budget.reserve(s, candidates=[(3, 13)], now=100.0 + budget.LEASE + 1.0, limits=limits, most=10).ids == [
            3
        ]
        budget.finish(s, outbox_id=3, at=161.5)
    with session_scope(engine) as s:  # a finished call counts for one second after it returned
        assert budget.reserve(s, candidates=[(4, 14)], now=162.4, limits=Limits(per_second=1), most=10).ids == []
        assert budget.reserve(s, candidates=[(4, 14)], now=162.6, limits=Limits(per_second=1), most=10).ids == [4]
    with session_scope(engine) as s:  # slots over a minute past their end are pruned
        assert budget.reserve(s, candidates=[(5, 15)], now=300.0, limits=limits, most=10).ids == [5]
        assert [slot.outbox_id for slot in s.exec(select(SendSlot)).all()] == [5]


async def test_the_outbox_leases_hold_between_processes_on_sqlite_too(
    engine: Engine, world: tuple[Clock, LocalBotApi, list[Deliverer]]
) -> None:
    _, _, workers = world
    queue(engine, 5, "once")
    first = await asyncio.to_thread(workers[0]._claim, utcnow(), set())
    second = await asyncio.to_thread(workers[1]._claim, utcnow(), set())
    assert [r.chat_id for r in first[0]] == [5] and second[0] == []
    with session_scope(engine) as s:
        row = s.exec(select(OutboxMessage)).one()
        assert row.locked_by == workers[0].worker
