"""Crash safety, proven by fault injection: for every action and every commit boundary, the process
"dies" exactly there, a fresh application on the same database replays, and the end state and the
notifications are the same as in a run without a crash — each notice queued exactly once, and
delivered once (or twice only for the one message Telegram accepted in the instant before the crash).

Nothing here depends on timing: the crash is raised at a named point (``bot.messaging.faults``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.content.live import LiveFaq
from bot.db.engine import create_db_engine, upgrade
from bot.db.models import AuditEntry, JoinRequest, OutboxMessage, Ticket, TicketMessage, utcnow
from bot.messaging import faults, intake, local
from bot.messaging.localapi import LocalBotApi
from bot.reports.jobs import escalate_overdue
from tests.conftest import BotHarness, build_harness, make_user
from tests.directory.test_flows import LIAISON_GROUP, OFFICER, by_request_in, callbacks, fill_form, setup_liaison
from tests.reports.test_flows import CHALING_GROUP, CHALING_STAFF, MEI, file_report, group, reach_summary, setup_groups

POINTS = ("intake.claimed", "update.before_commit", "update.after_commit", "outbox.after_send", "outbox.after_mark")
ANNA = make_user(4343, first_name="Anna", language_code="en")
JOB_CLOCK = {"escalate": 24 * 14}  # hours ahead: past the county SLA (7 working hours) on any weekday or holiday


# -- the world: a database and a Telegram that outlive any one process ---------------------------


@dataclass
class World:
    engine: Engine
    api: LocalBotApi
    live: LiveFaq

    @asynccontextmanager
    async def process(self) -> AsyncIterator[BotHarness]:
        """A bot process: a new Application on the same database and the same Telegram."""
        app, _ = build_harness(self.engine, self.live, self.api, admin_ids="777")
        await app.initialize()
        await app.post_init(app)  # type: ignore[misc]
        intake.release_stale(self.engine)  # what a starting process does with its predecessor's leases
        harness = BotHarness(app, self.api, self.engine)
        try:
            yield harness
        finally:
            faults.disarm()
            await app.shutdown()


def new_world(path: Path, live: LiveFaq) -> World:
    engine = create_db_engine(f"sqlite:///{path / 'bot.db'}")
    upgrade(engine)
    return World(engine, LocalBotApi(), live)


# -- the actions: a setup, then the one update (or job run) that is crashed ---------------------

Trigger = Callable[[BotHarness], Awaitable[None]]


def update_trigger(payload: dict[str, Any]) -> Trigger:
    async def run(bot: BotHarness) -> None:
        await local.store(bot.app, payload)
        await local.process(bot.app)
        await local.deliver(bot.app)

    return run


async def card_of(bot: BotHarness, chat_id: int, ticket_id: int) -> dict[str, Any]:
    return next(m for m in bot.api.messages(chat_id) if f"tk:claim:{ticket_id}" in str(m.get("reply_markup")))


async def file_action(bot: BotHarness) -> Trigger:
    """Everything but the Submit press; the press is the action."""
    await setup_groups(bot)
    summary = await reach_summary(bot, MEI)
    return update_trigger(bot.updates.callback(MEI, "r:s", summary))


async def staff_command(
    bot: BotHarness, text: str, chat_id: int = CHALING_GROUP, user: dict[str, Any] = CHALING_STAFF
) -> Trigger:
    return update_trigger(bot.updates.message(user, text, chat=group(chat_id)))


async def claim_action(bot: BotHarness) -> Trigger:
    await setup_groups(bot)
    ticket = await file_report(bot)
    card = await card_of(bot, CHALING_GROUP, ticket.id or 0)
    return update_trigger(bot.updates.callback(CHALING_STAFF, f"tk:claim:{ticket.id}", card))


async def reply_action(bot: BotHarness) -> Trigger:
    await setup_groups(bot)
    ticket = await file_report(bot)
    return await staff_command(bot, f"/reply {ticket.id} 請提供護照號碼")


async def reply_to_card_action(bot: BotHarness) -> Trigger:
    await setup_groups(bot)
    ticket = await file_report(bot)
    card = await card_of(bot, CHALING_GROUP, ticket.id or 0)
    reply = bot.updates.message(CHALING_STAFF, "請提供護照號碼", chat=group(CHALING_GROUP))
    reply["message"]["reply_to_message"] = {**card, "chat": group(CHALING_GROUP)}
    return update_trigger(reply)


async def transfer_action(bot: BotHarness) -> Trigger:
    await setup_groups(bot)
    ticket = await file_report(bot)
    return await staff_command(bot, f"/transfer {ticket.id} liling")


async def resolve_action(bot: BotHarness) -> Trigger:
    await setup_groups(bot)
    ticket = await file_report(bot)
    return await staff_command(bot, f"/resolve {ticket.id} 已开具证明")


async def note_action(bot: BotHarness) -> Trigger:
    await setup_groups(bot)
    ticket = await file_report(bot)
    return await staff_command(bot, f"/note {ticket.id} 已电话联系")


async def rate_action(bot: BotHarness) -> Trigger:
    await setup_groups(bot)
    ticket = await file_report(bot)
    await bot.feed(bot.updates.message(CHALING_STAFF, f"/resolve {ticket.id}", chat=group(CHALING_GROUP)))
    rating = bot.api.messages(MEI["id"])[-1]
    return update_trigger(bot.updates.callback(MEI, f"rt:{ticket.id}:2", rating))  # 2 stars: reopens


async def user_message_action(bot: BotHarness) -> Trigger:
    await setup_groups(bot)
    ticket = await file_report(bot)
    await bot.feed(bot.updates.message(CHALING_STAFF, f"/reply {ticket.id} 號碼？", chat=group(CHALING_GROUP)))
    return update_trigger(bot.updates.message(MEI, "護照號碼是 E12345678"))


async def join_request_action(bot: BotHarness) -> Trigger:
    await setup_liaison(bot)
    consent = await fill_form(bot, ANNA, by_request_in(bot, "Kuala Lumpur"))
    [ok, _] = callbacks(consent)
    return update_trigger(bot.updates.callback(ANNA, ok, consent))


async def join_decision_action(bot: BotHarness) -> Trigger:
    await setup_liaison(bot)
    consent = await fill_form(bot, ANNA, by_request_in(bot, "Kuala Lumpur"))
    [ok, _] = callbacks(consent)
    await bot.press(ANNA, ok, consent)
    card = next(m for m in bot.api.messages(LIAISON_GROUP) if "jr:ok:" in str(m.get("reply_markup")))
    [approve, _] = callbacks(card)
    return update_trigger(bot.updates.callback(OFFICER, approve, card))


async def bind_action(bot: BotHarness) -> Trigger:
    """Reports filed while no group works their queue reach the group bound afterwards."""
    bot.api.members = {CHALING_GROUP: {501, 777}}
    await file_report(bot)
    await file_report(bot, ANNA)
    return await staff_command(bot, "/bind chaling", user=make_user(777, first_name="Admin"))


async def escalation_action(bot: BotHarness) -> Trigger:
    await setup_groups(bot)
    await file_report(bot)

    async def run(crashing: BotHarness) -> None:
        escalate_overdue(crashing.runtime, utcnow() + timedelta(hours=JOB_CLOCK["escalate"]))
        await local.deliver(crashing.app)

    return run


ACTIONS: dict[str, Callable[[BotHarness], Awaitable[Trigger]]] = {
    "file": file_action,
    "claim": claim_action,
    "reply": reply_action,
    "reply-to-card": reply_to_card_action,
    "transfer": transfer_action,
    "resolve": resolve_action,
    "note": note_action,
    "rate": rate_action,
    "user-message": user_message_action,
    "join-request": join_request_action,
    "join-decision": join_decision_action,
    "bind": bind_action,
    "escalate": escalation_action,
}


# -- what is compared ---------------------------------------------------------------------------


def state(engine: Engine) -> dict[str, Any]:
    """The end state that matters, free of timestamps and row ids that differ between runs."""
    with Session(engine) as s:
        tickets = [(t.id, t.status, t.queue_id, t.claimed_by, t.rating) for t in s.exec(select(Ticket)).all()]
        thread = [(m.ticket_id, m.direction, m.text) for m in s.exec(select(TicketMessage)).all()]
        audit = [(a.ticket_id, a.join_request_id, a.action, a.actor_id) for a in s.exec(select(AuditEntry)).all()]
        joins = [(j.id, j.status, j.sent_to) for j in s.exec(select(JoinRequest)).all()]
        queued = sorted(
            (o.dedupe_key, o.chat_id, o.method, json.loads(o.payload).get("text"), o.status)
            for o in s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        )
        pending = [u.update_id for u in s.exec(select(intake.IntakeUpdate)).all() if u.status != "done"]
    return {
        "tickets": tickets,
        "thread": thread,
        "audit": audit,
        "joins": joins,
        "outbox": queued,
        "unfinished updates": pending,
    }


def deliveries(api: LocalBotApi) -> Counter[tuple[Any, ...]]:
    """Every message Telegram accepted: (chat, method, text or file), counted."""
    wanted = ("sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup")
    return Counter(
        (
            str(c.params.get("chat_id")),
            c.method,
            c.params.get("text")
            or c.params.get("photo")
            or c.params.get("document")
            or str(c.params.get("message_id")),
        )
        for c in api.calls
        if c.method in wanted
    )


async def run_action(world: World, action: str, point: str | None) -> None:
    async with world.process() as bot:
        trigger = await ACTIONS[action](bot)
        await local.deliver(bot.app)
        if point is not None:
            faults.arm(point)
        try:
            await trigger(bot)
        except faults.Crash:
            pass  # the process died here
        else:
            if point is not None:
                raise AssertionError(f"{action}: the crash point {point} was never reached")
    # A new process starts on the same database and Telegram, and finishes the work: what was stored
    # and its jobs (the SLA job runs every minute; for the escalation its clock is past the deadline).
    async with world.process() as bot:
        await local.process(bot.app)
        escalate_overdue(bot.runtime, utcnow() + timedelta(hours=JOB_CLOCK.get(action, 0)))
        for _ in range(3):
            await local.deliver(bot.app, utcnow() + timedelta(hours=2))


_reference: dict[str, tuple[dict[str, Any], Counter[tuple[Any, ...]]]] = {}


async def reference(tmp_path_factory: pytest.TempPathFactory, live: LiveFaq, action: str) -> Any:
    if action not in _reference:
        world = new_world(tmp_path_factory.mktemp(f"ref-{action}"), live)
        await run_action(world, action, None)
        _reference[action] = (state(world.engine), deliveries(world.api))
        world.engine.dispose()
    return _reference[action]


# The SLA job is not an update: its boundaries are its own commit and the outbox's.
JOB_POINTS = ("job.before_commit", "outbox.after_send", "outbox.after_mark")
CASES = [(a, p) for a in ACTIONS for p in (JOB_POINTS if a in JOB_CLOCK else POINTS)]


@pytest.mark.parametrize(("action", "point"), CASES)
async def test_a_crash_at_any_commit_boundary_loses_nothing_and_doubles_nothing(
    action: str, point: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, live_faq: LiveFaq
) -> None:
    expected_state, expected_sent = await reference(tmp_path_factory, live_faq, action)
    world = new_world(tmp_path, live_faq)
    await run_action(world, action, point)
    assert state(world.engine) == expected_state  # same end state; every notice queued exactly once
    sent = deliveries(world.api)
    extra = sent - expected_sent
    assert expected_sent - sent == Counter(), "a message was never delivered"
    if point == "outbox.after_send":  # Telegram took one message the instant before the crash
        assert sum(extra.values()) <= 1, extra
    else:
        assert extra == Counter(), f"sent twice: {extra}"
    world.engine.dispose()


def test_every_fault_point_is_exercised() -> None:
    assert {p for _, p in CASES} == set(faults.POINTS)
    assert len(CASES) == 12 * len(POINTS) + len(JOB_POINTS)
