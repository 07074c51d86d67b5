"""A report that forgives, through the real Application in zh-Hans, zh-Hant and en: fields changed
at the summary by button and by text, questions mid-report answered while the draft stays, detours
through /faq and back, /report offering to continue, /mytickets showing the draft, hometowns shared
with places outside Hunan confirmed before routing, implausible contacts, due times on staff cards."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.db.models import Ticket
from bot.reports import repo as tickets
from bot.reports.rules import due_at
from bot.text.i18n import t
from bot.text.language import UiLang
from tests.conftest import BotHarness, make_user, q
from tests.reports.test_flows import CHALING_GROUP, reach_summary, setup_groups, texts_to
from tests.reports.test_hometowns import CONFIRMED

LANGS: list[tuple[UiLang, str]] = [("zh-Hans", "zh-hans"), ("zh-Hant", "zh-hant"), ("en", "en")]


def person(code: str, user_id: int = 5151) -> dict[str, Any]:
    return make_user(user_id, first_name="Lin", language_code=code)


def datas(messages: list[dict[str, Any]]) -> list[str]:
    """Every button's callback data in these messages."""
    out = []
    for m in messages:
        for row in (m.get("reply_markup") or {}).get("inline_keyboard", []):
            out += [b.get("callback_data", "") for b in row]
    return out


def posted(bot: BotHarness, user: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The message as Telegram holds it (with its id) for what the bot sent with ``params``."""
    return next(m for m in reversed(bot.api.messages(user["id"])) if m.get("text") == params.get("text"))


def is_summary(message: dict[str, Any]) -> bool:
    return "r:s" in datas([message])


async def submit(bot: BotHarness, user: dict[str, Any]) -> Ticket:
    summary = next(m for m in reversed(bot.api.messages(user["id"])) if is_summary(m))
    await bot.press(user, "r:s", summary)
    [ticket] = q(tickets.for_user, bot.engine, user_id=user["id"])
    return ticket  # type: ignore[no-any-return]


@pytest.mark.parametrize(("lang", "code"), LANGS)
async def test_a_field_changed_by_button_comes_back_to_the_summary(bot: BotHarness, lang: UiLang, code: str) -> None:
    user = person(code)
    await reach_summary(bot, user, "茶陵縣")
    await bot.press(user, "r:e:place")
    asked = bot.api.messages(user["id"])[-1]
    assert asked["text"].startswith(t("ask_place", lang)[:10]) and "/cancel" in asked["text"]
    sent = await bot.send(user, "醴陵")
    assert is_summary(sent[-1]) and not any("r:c:" in d for d in datas(sent))  # not the category again
    await bot.press(user, "r:e:category", posted(bot, user, sent[-1]))
    sent = await bot.send(user, "2")  # typed: the second category (education)
    assert is_summary(sent[-1])
    ticket = await submit(bot, user)
    assert (ticket.queue_id, ticket.category) == ("liling", "education")
    assert ticket.description.startswith("我的護照")  # untouched


CORRECTIONS = [
    ("zh-Hans", "zh-hans", "等一下，家乡写错了，应该是浏阳", ("changsha", "documents")),
    ("zh-Hant", "zh-hant", "等一下，家鄉寫錯了，應該是瀏陽", ("changsha", "documents")),
    ("en", "en", "wait, the hometown should be Liuyang", ("changsha", "documents")),
    ("zh-Hans", "zh-hans", "类别改成教育", ("chaling", "education")),
    ("zh-Hant", "zh-hant", "類別改成教育", ("chaling", "education")),
    ("en", "en", "change the category to Education", ("chaling", "education")),
]


@pytest.mark.parametrize(("lang", "code", "typed", "expected"), CORRECTIONS)
async def test_a_correction_typed_at_the_summary_is_understood(
    bot: BotHarness, lang: UiLang, code: str, typed: str, expected: tuple[str, str]
) -> None:
    user = person(code)
    await reach_summary(bot, user, "茶陵縣")
    sent = await bot.send(user, typed)
    assert is_summary(sent[-1])
    if expected[0] == "changsha":
        assert t("place_ok", lang, place="", queue="")[:4] in sent[0]["text"]  # the change is said
    ticket = await submit(bot, user)
    assert (ticket.queue_id, ticket.category) == expected


async def test_an_unclear_correction_asks_which_field(bot: BotHarness) -> None:
    user = person("en")
    await reach_summary(bot, user, "Chaling")
    sent = await bot.send(user, "wait, something is wrong")
    assert sent[-1]["text"] == t("which_field", "en") and "r:e:place" in datas(sent)


QUESTIONS = [
    ("zh-Hans", "zh-hans", "护照丢了怎么补办？"),
    ("zh-Hant", "zh-hant", "護照遺失了怎麼補辦？"),
    ("en", "en", "How do I replace a lost passport?"),
]


@pytest.mark.parametrize(("lang", "code", "question"), QUESTIONS)
async def test_a_question_at_the_summary_is_answered_and_the_report_continues(
    bot: BotHarness, lang: UiLang, code: str, question: str
) -> None:
    user = person(code)
    await reach_summary(bot, user, "茶陵縣")
    for _ in range(2):  # asked twice: answered twice, never the summary instead
        sent = await bot.send(user, question)
        assert not any(is_summary(m) for m in sent)
        data = datas(sent)
        assert any(d.startswith(("a:", "fb:")) for d in data) or t("report_no_answer", lang) in str(sent)
        assert sent[-1]["text"] == t("report_still_open", lang) and "r:r" in datas(sent[-1:])
    await bot.press(user, "r:r", posted(bot, user, sent[-1]))
    assert is_summary(bot.api.messages(user["id"])[-1])
    ticket = await submit(bot, user)
    assert ticket.queue_id == "chaling"


@pytest.mark.parametrize(("lang", "code"), LANGS)
async def test_a_question_at_a_button_step_is_answered_and_the_step_asked_again(
    bot: BotHarness, lang: UiLang, code: str
) -> None:
    user = person(code)
    await bot.send(user, "/report")
    await bot.press(user, "r:ok")
    await bot.send(user, "醴陵")
    sent = await bot.send(user, "How long does a new passport take?" if lang == "en" else "新护照要多久才能办好？")
    assert "r:r" in datas(sent[-1:]) and not any("r:c:" in d for d in datas(sent[-1:]))
    await bot.press(user, "r:r", posted(bot, user, sent[-1]))
    assert "r:c:documents" in datas(bot.api.messages(user["id"])[-1:])  # the categories again
    await bot.press(user, "r:c:family")
    sent = await bot.send(user, "寻找我祖父在醴陵的老家" if lang != "en" else "Looking for my grandfather's old house")
    assert q(tickets.for_user, bot.engine, user_id=user["id"]) == []


@pytest.mark.parametrize(("lang", "code"), LANGS)
async def test_a_detour_through_faq_and_back(bot: BotHarness, lang: UiLang, code: str) -> None:
    user = person(code)
    await reach_summary(bot, user, "茶陵縣")
    sent = await bot.send(user, "/faq")
    assert "r:r" in datas(sent)  # the menu, and the way back to the report
    category = next(d for d in datas(sent) if d.startswith("c:"))
    menu = posted(bot, user, next(m for m in sent if category in datas([m])))
    await bot.press(user, category, menu)
    current = next(m for m in bot.api.messages(user["id"]) if m["message_id"] == menu["message_id"])
    entry = next(d for d in datas([current]) if d.startswith("a:"))
    calls = await bot.press(user, entry, current)
    shown = [c.params for c in calls if c.method == "sendMessage"]
    assert shown[-1]["text"] == t("report_still_open", lang) and "r:r" in datas(shown[-1:])
    await bot.press(user, "r:r", posted(bot, user, shown[-1]))
    assert is_summary(bot.api.messages(user["id"])[-1])
    assert (await submit(bot, user)).queue_id == "chaling"


async def test_a_suggestion_tapped_before_filing_keeps_the_report(bot: BotHarness) -> None:
    user = person("zh-hans")
    await bot.send(user, "/report")
    await bot.press(user, "r:ok")
    await bot.send(user, "茶陵")
    await bot.press(user, "r:c:documents")
    sent = await bot.send(user, "我的护照在吉隆坡丢了，怎么补办护照")
    offered = [d for d in datas(sent) if d.startswith("a:")]
    assert offered, "the FAQ offers an answer before filing"
    calls = await bot.press(user, offered[0], posted(bot, user, sent[-1]))
    shown = [c.params for c in calls if c.method == "sendMessage"]
    assert shown[-1]["text"] == t("report_still_open", "zh-Hans")
    await bot.press(user, "r:r", posted(bot, user, shown[-1]))
    assert bot.api.messages(user["id"])[-1]["text"].startswith(t("ask_contact", "zh-Hans")[:8])
    sent = await bot.send(user, "/skip")
    assert is_summary(sent[-1])
    ticket = await submit(bot, user)
    assert "吉隆坡" in ticket.description and ticket.queue_id == "chaling"


@pytest.mark.parametrize(("lang", "code"), LANGS)
async def test_report_again_offers_to_continue_or_start_over(bot: BotHarness, lang: UiLang, code: str) -> None:
    user = person(code)
    await reach_summary(bot, user, "茶陵縣")
    sent = await bot.send(user, "/report")
    assert {"r:r", "r:new"} <= set(datas(sent)) and "/cancel" in sent[-1]["text"]
    await bot.press(user, "r:r", posted(bot, user, sent[-1]))
    assert is_summary(bot.api.messages(user["id"])[-1])  # continued where she was
    sent = await bot.send(user, "/report")
    await bot.press(user, "r:new", posted(bot, user, sent[-1]))
    assert bot.api.messages(user["id"])[-1]["text"].startswith(t("ask_place", lang)[:10])
    sent = await bot.send(user, "/mytickets")
    assert sent[0]["text"].startswith(t("my_draft", lang, so_far="")[:6]) and "r:r" in datas(sent)


@pytest.mark.parametrize(("lang", "code"), LANGS)
async def test_mytickets_shows_the_draft_in_progress(bot: BotHarness, lang: UiLang, code: str) -> None:
    user = person(code)
    await reach_summary(bot, user, "茶陵縣")
    sent = await bot.send(user, "/mytickets")
    place = {"zh-Hans": "茶陵县", "zh-Hant": "茶陵縣", "en": "Chaling County"}[lang]
    assert place in sent[0]["text"] and "r:r" in datas(sent[:1])
    await bot.press(user, "r:r", posted(bot, user, sent[0]))
    ticket = await submit(bot, user)
    sent = await bot.send(user, "/mytickets")
    assert f"#{ticket.id}" in str(sent) and "r:r" not in datas(sent)  # filed: no draft any more


HOMETOWNS = [
    ("zh-Hans", "zh-hans", "永定", "湖南省张家界市永定区", "福建省龙岩市永定区"),
    ("zh-Hant", "zh-hant", "永定", "湖南省張家界市永定區", "福建省龍巖市永定區"),
    ("en", "en", "Yongding", "Yongding District, Zhangjiajie, Hunan", "Yongding, Longyan, Fujian"),
]


@pytest.mark.parametrize(("lang", "code", "typed", "path", "outside"), HOMETOWNS)
async def test_a_shared_hometown_is_confirmed_with_its_full_path(
    bot: BotHarness, lang: UiLang, code: str, typed: str, path: str, outside: str
) -> None:
    user = person(code)
    await bot.send(user, "/report")
    await bot.press(user, "r:ok")
    sent = await bot.send(user, typed)
    assert path in sent[-1]["text"] and not any("r:c:" in d for d in datas(sent))
    buttons = [b["text"] for row in sent[-1]["reply_markup"]["inline_keyboard"] for b in row]
    assert any(outside in b for b in buttons)
    sent = [c.params for c in await bot.press(user, "r:o:0", posted(bot, user, sent[-1])) if c.method == "sendMessage"]
    assert outside in sent[0]["text"] and t("place_outside_ok", lang, where=outside) == sent[0]["text"]
    await bot.press(user, "r:c:other")
    await bot.send(user, "祖屋需要修缮" if lang != "en" else "The ancestral house needs repairs")
    if "r:go" in datas(bot.api.messages(user["id"])[-1:]):
        await bot.press(user, "r:go")
    await bot.send(user, "/skip")
    ticket = await submit(bot, user)
    assert (ticket.queue_id, ticket.place) == ("hunan", "福建省龙岩市永定区")


@pytest.mark.parametrize(("typed", "hunan", "elsewhere"), CONFIRMED)
async def test_every_ambiguous_hometown_is_confirmed_before_routing(
    bot: BotHarness, typed: str, hunan: list[str], elsewhere: str | None
) -> None:
    user = person("en")
    await bot.send(user, "/report")
    await bot.press(user, "r:ok")
    sent = await bot.send(user, typed)
    data = datas(sent)
    assert "r:re" in data and not any(d.startswith("r:c:") for d in data)  # asked, not routed
    assert any(d.startswith("r:o:") for d in data) == (elsewhere is not None)
    assert len([d for d in data if d.startswith("r:p:")]) == len(hunan)
    if hunan:  # yes: the Hunan place it names first
        await bot.press(user, data[0], posted(bot, user, sent[-1]))
        assert "r:c:documents" in datas(bot.api.messages(user["id"])[-1:])


async def test_yes_routes_inside_hunan_after_confirmation(bot: BotHarness) -> None:
    await setup_groups(bot)
    user = person("zh-hans")
    await bot.send(user, "/report")
    await bot.press(user, "r:ok")
    sent = await bot.send(user, "株洲")
    assert "湖南省株洲市" in sent[-1]["text"]
    await bot.press(user, sorted(d for d in datas(sent) if d.startswith("r:p:"))[0], posted(bot, user, sent[-1]))
    msgs = bot.api.messages(user["id"])
    assert "r:c:documents" in datas(msgs[-1:])


@pytest.mark.parametrize(("lang", "code"), LANGS)
async def test_an_implausible_contact_is_confirmed(bot: BotHarness, lang: UiLang, code: str) -> None:
    user = person(code)
    summary = await reach_summary(bot, user, "茶陵縣", contact="+60 12 345 6789")
    assert "+60 12 345 6789" in summary["text"]
    await bot.press(user, "r:e:contact", summary)
    sent = await bot.send(user, "5")
    assert not is_summary(sent[-1]) and {"r:cu", "r:ca", "r:cn"} <= set(datas(sent))
    await bot.press(user, "r:ca", posted(bot, user, sent[-1]))
    sent = await bot.send(user, "wxid_lin2024")
    assert is_summary(sent[-1])
    ticket = await submit(bot, user)
    assert ticket.contact == "wxid_lin2024"


async def test_every_prompt_says_how_to_leave(bot: BotHarness) -> None:
    user = person("zh-hant")
    await reach_summary(bot, user, "茶陵縣")
    prompts = [m for m in bot.api.messages(user["id"]) if any(d.startswith("r:") for d in datas([m]))]
    prompts += [m for m in bot.api.messages(user["id"]) if "第" in m.get("text", "") and "步" in m["text"]]
    assert prompts and all("/cancel" in m["text"] for m in prompts if "r:ok" not in datas([m]))


async def test_staff_cards_show_the_due_time_in_beijing_working_hours(bot: BotHarness) -> None:
    await setup_groups(bot)
    user = person("zh-hans")
    await reach_summary(bot, user, "茶陵縣")
    ticket = await submit(bot, user)
    await bot.deliver()
    card = texts_to(bot, CHALING_GROUP)[-1]
    filed = ticket.created_at if ticket.created_at.tzinfo else ticket.created_at.replace(tzinfo=UTC)
    due = due_at(filed, 7, calendar=bot.runtime.work_calendar()).astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"{due:%Y-%m-%d %H:%M}" in card and "北京时间" in card


async def test_a_detour_through_find_keeps_the_draft(bot: BotHarness) -> None:
    user = person("zh-hans")
    await reach_summary(bot, user, "茶陵縣")
    await bot.send(user, "/find 吉隆坡")
    sent = await bot.send(user, "/report")
    assert {"r:r", "r:new"} <= set(datas(sent))
    await bot.press(user, "r:r", posted(bot, user, sent[-1]))
    assert is_summary(bot.api.messages(user["id"])[-1])
    assert (await submit(bot, user)).queue_id == "chaling"


async def test_the_queue_lists_when_each_unclaimed_report_is_due(bot: BotHarness) -> None:
    from tests.reports.test_flows import CHALING_STAFF, in_group

    await setup_groups(bot)
    user = person("en")
    await reach_summary(bot, user, "Chaling")
    ticket = await submit(bot, user)
    due = due_at(
        ticket.created_at if ticket.created_at.tzinfo else ticket.created_at.replace(tzinfo=UTC),
        7,
        calendar=bot.runtime.work_calendar(),
    ).astimezone(ZoneInfo("Asia/Shanghai"))
    listed = await in_group(bot, CHALING_STAFF, CHALING_GROUP, "/queue")
    assert f"⏰ {due:%m-%d %H:%M}" in listed[-1]
    await in_group(bot, CHALING_STAFF, CHALING_GROUP, f"/claim {ticket.id}")
    listed = await in_group(bot, CHALING_STAFF, CHALING_GROUP, "/queue")
    assert "⏰" not in listed[-1]  # taken up: no deadline any more
