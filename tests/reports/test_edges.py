"""Reports at their edges: 4,096-character texts in every direction, courtesy calls that fail, a
group that lost its cards, /queue in a city group, a flooding user, what the logs may hold."""

from __future__ import annotations

import io
import logging

from bot.config import configure_logging
from bot.messaging import local
from bot.reports import repo as tickets
from bot.text.i18n import t
from tests.conftest import BotHarness, make_user, q
from tests.reports.test_flows import (
    ADMIN,
    CHALING_GROUP,
    CHALING_STAFF,
    LILING_GROUP,
    MEI,
    ZHUZHOU_GROUP,
    file_report,
    in_group,
    reach_summary,
    setup_groups,
    texts_to,
)

LONG = "长" * 4096


async def test_a_4096_character_description_reaches_the_summary_and_staff_whole(bot: BotHarness) -> None:
    await setup_groups(bot)
    user = make_user(6001, language_code="zh-hans")
    summary = await reach_summary(bot, user, "茶陵县", category="other", description=LONG)
    assert "r:s" in str(summary["reply_markup"]) and t("text_truncated", "zh-Hans", length=4096) in summary["text"]
    await bot.press(user, "r:id")  # the summary is edited in place: still within Telegram's limit
    await bot.press(user, "r:s")
    [ticket] = q(tickets.for_user, bot.engine, user_id=user["id"])
    assert ticket.description == LONG  # kept whole
    card = next(x for x in texts_to(bot, CHALING_GROUP) if x.startswith(f"<b>反映 #{ticket.id}</b>"))
    assert t("card_truncated", "zh-Hans", length=4096, id=ticket.id) in card
    shown = await in_group(bot, CHALING_STAFF, CHALING_GROUP, f"/ticket {ticket.id}")
    assert len(shown) >= 2 and "".join(shown).count("长") >= 4096 + 2500  # the whole text, split


async def test_a_4080_character_staff_reply_and_a_4096_character_user_message_arrive_whole(bot: BotHarness) -> None:
    await setup_groups(bot)
    ticket = await file_report(bot)
    reply = "㐀" * 4080  # a character no other text of the bot has
    await in_group(bot, CHALING_STAFF, CHALING_GROUP, f"/reply {ticket.id} {reply}")
    assert "".join(texts_to(bot, MEI["id"])).count("㐀") == 4080
    await bot.send(MEI, "㐁" * 4096)
    assert "".join(texts_to(bot, CHALING_GROUP)).count("㐁") == 4096


async def test_submit_files_even_when_telegram_fails_the_button_answer(bot: BotHarness) -> None:
    """answerCallbackQuery is a courtesy: a 502 (or "query is too old") never costs the report."""
    await setup_groups(bot)
    user = make_user(6002, language_code="zh-hans")
    await reach_summary(bot, user, "茶陵县", description="护照在国外丢了")
    bot.api.fail("answerCallbackQuery", 502, times=5)
    bot.api.fail("answerCallbackQuery", 400, "Bad Request: query is too old and response timeout expired")
    await bot.press(user, "r:s")
    [ticket] = q(tickets.for_user, bot.engine, user_id=user["id"])
    assert any(f"#{ticket.id}" in x for x in texts_to(bot, user["id"]))


async def test_a_card_lost_while_the_bot_was_out_of_the_group_comes_back_on_bind(bot: BotHarness) -> None:
    await setup_groups(bot)
    bot.api.fail("sendMessage", 403, "Forbidden: bot was kicked from the supergroup chat", chat_id=CHALING_GROUP)
    ticket = await file_report(bot)
    assert not any(x.startswith(f"<b>反映 #{ticket.id}</b>") for x in texts_to(bot, CHALING_GROUP))
    # The bot is added back and an admin binds the group again.
    await in_group(bot, ADMIN, CHALING_GROUP, "/bind chaling")
    assert sum(x.startswith(f"<b>反映 #{ticket.id}</b>") for x in texts_to(bot, CHALING_GROUP)) == 1


async def test_queue_in_a_city_group_lists_exactly_what_it_works(bot: BotHarness) -> None:
    await setup_groups(bot)  # chaling, liling and zhuzhou have groups; yanling has none
    chaling = await file_report(bot, MEI, "茶陵县")
    yanling = await file_report(bot, make_user(6003, first_name="Y"), "炎陵县")
    bot.api.members[ZHUZHOU_GROUP] = {701}
    listing = "\n".join(await in_group(bot, make_user(701), ZHUZHOU_GROUP, "/queue"))
    assert f"#{yanling.id}" in listing  # no group of its own: the city's group works it
    assert f"#{chaling.id}" not in listing  # Chaling's group works that one
    liling = "\n".join(await in_group(bot, make_user(601), LILING_GROUP, "/queue"))
    assert f"#{chaling.id}" not in liling and f"#{yanling.id}" not in liling


async def test_a_flooding_user_is_served_after_others_with_one_notice_and_loses_nothing(bot: BotHarness) -> None:
    flooder, other = make_user(6100, language_code="en"), make_user(6101, language_code="en")
    for i in range(30):
        await local.store(bot.app, bot.updates.message(flooder, f"message {i}"))
    calm = bot.updates.message(other, "/help")
    await local.store(bot.app, calm)
    await local.process(bot.app)
    await bot.deliver()
    order = [int(c.params["chat_id"]) for c in bot.api.calls if c.method == "sendMessage"]
    assert order.index(other["id"]) < 10  # answered long before the flood was worked through
    texts = bot.api.texts(flooder["id"])
    assert texts.count(t("flood_notice", "en")) == 1
    assert len([x for x in texts if x != t("flood_notice", "en")]) >= 30  # every message answered


def capture_logs(level: str, personal_data: bool) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(level, personal_data=personal_data)
    for handler in logging.getLogger().handlers:
        handler.setStream(stream)  # type: ignore[attr-defined]
    return stream


async def test_debug_logs_hold_neither_the_token_nor_what_people_wrote(bot: BotHarness) -> None:
    stream = capture_logs("DEBUG", personal_data=False)
    try:
        secret_words = "我的护照号码是 E98765432"
        await bot.send(make_user(6200), secret_words)
        logging.getLogger("telegram.ext.ExtBot").debug(
            "Calling %s", "https://api.telegram.org/bot1000:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/x"
        )
        logging.getLogger("bot.x").warning(
            "url %s", "https://api.telegram.org/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ/getMe"
        )
    finally:
        logging.getLogger().setLevel(logging.WARNING)
    text = stream.getvalue()
    assert "E98765432" not in text and "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" not in text
    assert "ABCDEFGHIJKLMNOPQRSTUVWXYZ" not in text and "<token>" in text


def test_personal_data_appears_only_when_asked_for() -> None:
    stream = capture_logs("DEBUG", personal_data=True)
    logging.getLogger("telegram.ext.ExtBot").debug("Calling with text %s", "hello there")
    assert "hello there" in stream.getvalue()
    configure_logging("WARNING")
