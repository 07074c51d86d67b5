"""Difficulty reports end to end through the real Application: file, route, triage, rate, escalate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.db.models import AuditEntry, OutboxMessage, Ticket
from bot.reports import repo as tickets
from bot.reports.jobs import escalate_overdue
from bot.reports.rules import due_at
from bot.text.i18n import t
from tests.conftest import BotHarness, make_user, q

ADMIN = make_user(777, first_name="Admin")
CHALING_GROUP, LILING_GROUP, ZHUZHOU_GROUP = -1001, -1002, -1003
CHALING_STAFF = make_user(501, first_name="Chen")
LILING_STAFF = make_user(601, first_name="Li")
STRANGER = make_user(999, first_name="Eve")
MEI = make_user(4242, first_name="Mei", language_code="zh-hant")


def group(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": f"staff {chat_id}"}


async def in_group(bot: BotHarness, user: dict[str, Any], chat_id: int, text: str) -> list[str]:
    before = len(bot.api.calls)
    await bot.feed(bot.updates.message(user, text, chat=group(chat_id)))
    return [str(c.params.get("text")) for c in bot.api.calls[before:] if c.method == "sendMessage"]


async def setup_groups(bot: BotHarness) -> None:
    bot.api.members = {CHALING_GROUP: {501, 777}, LILING_GROUP: {601}, ZHUZHOU_GROUP: {701}}
    for chat_id, queue in ((CHALING_GROUP, "chaling"), (LILING_GROUP, "liling"), (ZHUZHOU_GROUP, "zhuzhou")):
        replies = await in_group(bot, ADMIN, chat_id, f"/bind {queue}")
        assert queue in replies[0]


DESCRIPTION = "我的護照在吉隆坡遺失了，需要家鄉開一份證明"


async def reach_summary(
    bot: BotHarness,
    user: dict[str, Any] = MEI,
    place: str = "茶陵縣",
    *,
    category: str = "documents",
    description: str = DESCRIPTION,
    contact: str = "/skip",
) -> dict[str, Any]:
    """Walk the report conversation as a user would, typing and tapping, up to the summary (returned)."""
    sent = await bot.send(user, "/report")
    if sent[0]["text"].startswith("<b>"):  # the privacy notice, the first time
        await bot.press(user, "r:ok")
    sent = await bot.send(user, place)
    assert any(f"r:c:{category}" in str(s.get("reply_markup")) for s in sent)
    await bot.press(user, f"r:c:{category}")
    sent = await bot.send(user, description)
    if any("r:go" in str(s.get("reply_markup")) for s in sent):  # "does this answer it?"
        await bot.press(user, "r:go")
    sent = await bot.send(user, contact)
    assert "r:s" in str(sent[-1]["reply_markup"])
    return bot.api.messages(user["id"])[-1]


async def file_report(
    bot: BotHarness, user: dict[str, Any] = MEI, place: str = "茶陵縣", *, share_name: bool = True
) -> Ticket:
    """The whole conversation, submitted (with the name shown to staff, unless ``share_name`` is off)."""
    await reach_summary(bot, user, place)
    if share_name:
        await bot.press(user, "r:id")  # "show my name to staff" is off until she turns it on
    await bot.press(user, "r:s")
    [ticket] = [t for t in q(tickets.for_user, bot.engine, user_id=user["id"])][:1]
    return ticket


def texts_to(bot: BotHarness, chat_id: int) -> list[str]:
    return [str(p.get("text", "")) for p in bot.api.sent(chat_id)]


async def test_whole_flow_file_claim_reply_transfer_resolve_rate(bot: BotHarness) -> None:
    await setup_groups(bot)
    ticket = await file_report(bot)
    assert (ticket.queue_id, ticket.place, ticket.category, ticket.status) == ("chaling", "茶陵县", "documents", "new")
    await bot.deliver()
    assert any(f"#{ticket.id}" in text for text in texts_to(bot, MEI["id"]))  # the reference
    card = texts_to(bot, CHALING_GROUP)[-1]
    assert f"#{ticket.id}" in card and "吉隆坡" in card and "Mei" in card
    assert not any("吉隆坡" in text for text in texts_to(bot, LILING_GROUP))

    # Liling staff and a stranger may not touch it, and learn nothing about it.
    refused = await in_group(bot, LILING_STAFF, LILING_GROUP, f"/reply {ticket.id} hello")
    assert "吉隆坡" not in refused[0] and "Mei" not in refused[0]
    refused = await bot.send(STRANGER, f"/claim {ticket.id}")
    assert "吉隆坡" not in refused[0]["text"]
    assert q(tickets.get, bot.engine, ticket_id=ticket.id).status == "new"  # type: ignore[union-attr]

    # Chaling claims with the card's button, then answers by replying to the card.
    card_message = next(m for m in bot.api.messages(CHALING_GROUP) if "tk:claim" in str(m.get("reply_markup")))
    await bot.press(CHALING_STAFF, f"tk:claim:{ticket.id}", card_message)
    assert q(tickets.get, bot.engine, ticket_id=ticket.id).status == "claimed"  # type: ignore[union-attr]
    reply = bot.updates.message(CHALING_STAFF, "請提供護照號碼", chat=group(CHALING_GROUP))
    reply["message"]["reply_to_message"] = {**card_message, "chat": group(CHALING_GROUP)}
    await bot.deliver()
    await bot.feed(reply)
    await bot.deliver()
    assert any("請提供護照號碼" in text for text in texts_to(bot, MEI["id"]))
    assert q(tickets.get, bot.engine, ticket_id=ticket.id).status == "waiting"  # type: ignore[union-attr]

    # Her answer joins the thread and reaches the group.
    await bot.send(MEI, "護照號碼是 E12345678")
    await bot.deliver()
    assert any("E12345678" in text for text in texts_to(bot, CHALING_GROUP))

    # Transfer to Liling: Chaling loses access, Liling gets the card.
    await in_group(bot, CHALING_STAFF, CHALING_GROUP, f"/transfer {ticket.id} liling")
    await bot.deliver()
    assert any(f"#{ticket.id}" in text and "吉隆坡" in text for text in texts_to(bot, LILING_GROUP))
    refused = await in_group(bot, CHALING_STAFF, CHALING_GROUP, f"/resolve {ticket.id}")
    assert "不可用" in refused[0]

    await in_group(bot, LILING_STAFF, LILING_GROUP, f"/resolve {ticket.id} 已开具证明")
    await bot.deliver()
    assert q(tickets.get, bot.engine, ticket_id=ticket.id).status == "resolved"  # type: ignore[union-attr]
    rating_message = bot.api.messages(MEI["id"])[-1]
    assert "rt:" in str(rating_message.get("reply_markup"))
    await bot.press(MEI, f"rt:{ticket.id}:5", rating_message)
    final = q(tickets.get, bot.engine, ticket_id=ticket.id)
    assert final is not None and (final.status, final.rating) == ("closed", 5)
    actions = [e.action for e in q(tickets.history, bot.engine, ticket_id=ticket.id)]
    assert actions == ["filed", "claim", "reply", "user_message", "transfer", "resolve", "rate"]


async def test_low_rating_reopens(bot: BotHarness) -> None:
    await setup_groups(bot)
    ticket = await file_report(bot)
    await in_group(bot, CHALING_STAFF, CHALING_GROUP, f"/resolve {ticket.id}")
    await bot.deliver()
    await bot.press(MEI, f"rt:{ticket.id}:2", bot.api.messages(MEI["id"])[-1])
    assert q(tickets.get, bot.engine, ticket_id=ticket.id).status == "reopened"  # type: ignore[union-attr]
    # A second rating is not accepted.
    await bot.press(MEI, f"rt:{ticket.id}:5", bot.api.messages(MEI["id"])[-1])
    assert q(tickets.get, bot.engine, ticket_id=ticket.id).rating == 2  # type: ignore[union-attr]


async def test_escalation_after_sla_with_a_controlled_clock(bot: BotHarness) -> None:
    await setup_groups(bot)
    ticket = await file_report(bot)
    svc = bot.runtime
    calendar = svc.work_calendar()
    # The county's SLA (7 working hours) counted in Beijing working hours from the filing.
    due = aware(ticket.escalate_at)
    assert due == due_at(aware(ticket.created_at), 7, calendar=calendar)
    minute = timedelta(minutes=1)
    assert escalate_overdue(svc, due - minute) == []
    assert escalate_overdue(svc, due + minute) == [ticket.id]
    moved = q(tickets.get, bot.engine, ticket_id=ticket.id)
    assert moved is not None and moved.queue_id == "zhuzhou"
    await bot.deliver()
    assert any("⏫" in text for text in texts_to(bot, CHALING_GROUP))
    assert any(f"#{ticket.id}" in text and "吉隆坡" in text for text in texts_to(bot, ZHUZHOU_GROUP))
    # Deadlines live in the database: the next one is the parent's SLA later, and runs once.
    assert escalate_overdue(svc, due + minute) == []
    next_due = aware(moved.escalate_at)
    assert next_due == due_at(due + minute, 14, calendar=calendar)
    assert escalate_overdue(svc, next_due - minute) == []
    assert escalate_overdue(svc, next_due + minute) == [ticket.id]


def aware(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def test_submit_twice_files_one_ticket(bot: BotHarness) -> None:
    await setup_groups(bot)
    summary = await reach_summary(
        bot, MEI, "chaling", category="other", description="村里修路占了我家的地", contact="+60 12 345 6789"
    )
    submit = bot.updates.callback(MEI, "r:s", summary)
    await bot.feed(submit)
    await bot.feed(submit)  # Telegram delivered the same update again
    await bot.press(MEI, "r:s", summary)  # and she tapped again
    await bot.deliver()
    assert len(q(tickets.for_user, bot.engine, user_id=MEI["id"])) == 1
    with Session(bot.engine) as s:
        cards = s.exec(select(OutboxMessage).where(OutboxMessage.chat_id == CHALING_GROUP)).all()
    assert len([c for c in cards if "card:" in c.dedupe_key]) == 1
    assert q(tickets.for_user, bot.engine, user_id=MEI["id"])[0].contact == "+60 12 345 6789"


async def test_unknown_place_goes_to_the_province_and_cancel_works_everywhere(bot: BotHarness) -> None:
    user = make_user(4343, language_code="en")
    await bot.send(user, "/report")
    await bot.press(user, "r:ok")
    sent = await bot.send(user, "Kuala Lumpur")
    assert "r:q:hunan" in str(sent[0]["reply_markup"])
    await bot.send(user, "/cancel")
    assert q(tickets.for_user, bot.engine, user_id=4343) == []
    sent = await bot.send(user, "passport")  # a question again, not a report step
    assert "r:" not in str(sent[-1].get("reply_markup"))


async def test_emergency_shows_the_hotline_at_once(bot: BotHarness) -> None:
    user = make_user(4444, language_code="en")
    await bot.send(user, "/report")
    await bot.press(user, "r:ok")
    await bot.send(user, "Liling")
    calls = await bot.press(user, "r:c:emergency")
    assert any("12308" in str(c.params.get("text")) for c in calls if c.method == "sendMessage")


@pytest.mark.parametrize("place", ["株洲县", "lukou", "Lukou District"])
async def test_former_and_romanised_names_route(bot: BotHarness, place: str) -> None:
    user = make_user(4545)
    await bot.send(user, "/report")
    await bot.press(user, "r:ok")
    sent = await bot.send(user, place)
    assert "渌口" in sent[0]["text"]


async def test_history_is_append_only_and_complete(bot: BotHarness) -> None:
    await setup_groups(bot)
    ticket = await file_report(bot)
    await in_group(bot, CHALING_STAFF, CHALING_GROUP, f"/note {ticket.id} 已电话联系")
    await bot.deliver()
    assert not any("已电话联系" in text for text in texts_to(bot, MEI["id"]))  # internal
    with Session(bot.engine) as s:
        events = s.exec(select(AuditEntry).where(AuditEntry.ticket_id == ticket.id)).all()
    assert [(e.action, e.actor_id) for e in events] == [("filed", MEI["id"]), ("note", CHALING_STAFF["id"])]


async def test_every_step_accepts_typed_answers(bot: BotHarness) -> None:
    await setup_groups(bot)
    user = make_user(4646, language_code="zh-hans")
    await bot.send(user, "/report")
    await bot.send(user, "同意")
    await bot.send(user, "醴陵")
    await bot.send(user, "房产")  # a category typed by (part of) its label
    sent = await bot.send(user, "老家的房子被邻居占了，村里不管")
    if any("r:go" in str(s.get("reply_markup")) for s in sent):
        await bot.send(user, "补充：已经找过村委会")  # typed at the FAQ check: kept, and the report goes on
    await bot.send(user, "微信 mei_2024")
    await bot.send(user, "提交")
    [ticket] = q(tickets.for_user, bot.engine, user_id=4646)
    assert (ticket.queue_id, ticket.category, ticket.contact) == ("liling", "property", "微信 mei_2024")
    assert "邻居" in ticket.description


async def test_the_name_stays_hidden_unless_the_user_agrees(bot: BotHarness) -> None:
    await setup_groups(bot)
    ticket = await file_report(bot, share_name=False)
    await bot.deliver()
    card = next(text for text in texts_to(bot, CHALING_GROUP) if f"#{ticket.id}" in text)
    assert "Mei" not in card and "不显示名字" in card


async def test_cards_stay_current_and_lose_their_buttons_when_closed(bot: BotHarness) -> None:
    await setup_groups(bot)
    ticket = await file_report(bot)
    await bot.deliver()
    card = next(m for m in bot.api.messages(CHALING_GROUP) if "tk:claim" in str(m.get("reply_markup")))
    assert "待认领" in card["text"]
    await bot.press(CHALING_STAFF, f"tk:claim:{ticket.id}", card)
    await bot.deliver()
    assert "处理中" in card["text"] and "Chen" not in card["text"]  # the stored message itself was edited
    await in_group(bot, CHALING_STAFF, CHALING_GROUP, f"/resolve {ticket.id}")
    await bot.deliver()
    assert "已解决" in card["text"]
    assert not card.get("reply_markup")  # Telegram drops an empty keyboard


async def test_the_old_groups_card_freezes_after_a_transfer(bot: BotHarness) -> None:
    await setup_groups(bot)
    ticket = await file_report(bot)
    await bot.deliver()
    old_card = next(m for m in bot.api.messages(CHALING_GROUP) if "tk:claim" in str(m.get("reply_markup")))
    await in_group(bot, CHALING_STAFF, CHALING_GROUP, f"/transfer {ticket.id} liling")
    await bot.deliver()
    frozen = dict(old_card)
    assert not frozen.get("reply_markup")  # no buttons that would only be refused
    await in_group(bot, LILING_STAFF, LILING_GROUP, f"/resolve {ticket.id}")
    await bot.deliver()
    assert old_card["text"] == frozen["text"]  # later changes are Liling's business
    new_card = next(m for m in bot.api.messages(LILING_GROUP) if f"#{ticket.id}" in str(m.get("text")))
    assert "已解决" in new_card["text"] and not new_card.get("reply_markup")


async def test_step_words_are_never_stored_as_the_report(bot: BotHarness) -> None:
    await setup_groups(bot)
    user = make_user(4747)
    await bot.send(user, "/report")
    await bot.send(user, "同意")
    await bot.send(user, "攸县")
    await bot.send(user, "其他")
    sent = await bot.send(user, "继续")  # not a description: asked again
    assert sent[-1]["text"].startswith(t("ask_description", "zh-Hans")) and "/cancel" in sent[-1]["text"]
    sent = await bot.send(user, "村里修路把我家祖坟迁了，没人通知")
    if any("r:go" in str(s.get("reply_markup")) for s in sent):
        await bot.send(user, "ok")
    await bot.send(user, "继续")  # at the contact step: no contact
    await bot.send(user, "提交")
    [ticket] = q(tickets.for_user, bot.engine, user_id=4747)
    assert ticket.description == "村里修路把我家祖坟迁了，没人通知" and ticket.contact is None


async def test_the_summary_echoes_the_description_and_contact_as_typed_for_traditional_readers(
    bot: BotHarness,
) -> None:
    """The summary around them is in Traditional, but the user's own words are theirs: a Simplified
    description or Taiwan's 台北 is not rewritten (臺北, 資訊) on the way back."""
    typed = "我在台北的护照过期了，里面的信息需要证明"
    summary = await reach_summary(bot, description=typed, contact="微信 taipei_mei")
    assert typed in summary["text"] and "微信 taipei_mei" in summary["text"]
    assert "請確認" in summary["text"] and "臺北" not in summary["text"]
