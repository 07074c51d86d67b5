"""/find with places in three languages through the real Application: sentences are not places, cities
outside the directory get the nearest associations with distances, results page with a "more" button,
a bare /find waits for the next message only; and a sweep of every reply for untranslated text."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.directory import places, render
from bot.directory.geo import haversine_km
from bot.directory.handlers import RESULTS
from bot.text.i18n import catalog, t
from bot.text.language import UiLang
from bot.text.script import has_cjk, to_traditional
from tests.conftest import BotHarness, make_user
from tests.directory.test_flows import (
    ANNA,
    HANT,
    MEI,
    association_of,
    callbacks,
    directory,
    distances,
    find,
    in_country,
    markup_of,
    message_with,
    result_cards,
    share_location,
)

USERS: dict[UiLang, dict[str, Any]] = {"zh-Hans": MEI, "en": ANNA, "zh-Hant": HANT}
HK = make_user(4545, first_name="Ka", language_code="zh-hk")
TW = make_user(4646, first_name="Yu", language_code="zh-tw")


@pytest.mark.parametrize("lang", ["zh-Hans", "en", "zh-Hant"])
@pytest.mark.parametrize("sentence", ["how do I renew my passport", "is it far", "Can you help us"])
async def test_sentences_are_not_places(bot: BotHarness, lang: UiLang, sentence: str) -> None:
    sent = await find(bot, USERS[lang], sentence)
    assert result_cards(sent) == []
    assert [m["text"] for m in sent] == [t("find_none", lang, place=sentence)]
    assert "/find" in sent[0]["text"]  # how to search


@pytest.mark.parametrize(
    ("lang", "text", "echo"),
    [
        ("zh-Hans", "新山", "新山"),
        ("en", "Johor Bahru", "Johor Bahru"),
        ("zh-Hant", "檀香山", "檀香山"),
        ("en", "Queens", "Queens"),
        ("en", "I live in Texas", "Texas"),
        ("en", "Bay Area", "Bay Area"),
        ("zh-Hant", "台北", "台北"),  # echoed as typed, not 臺北
        ("zh-Hans", "我住在湾区", "湾区"),
    ],
)
async def test_places_outside_the_directory_list_the_nearest_with_distances(
    bot: BotHarness, lang: UiLang, text: str, echo: str
) -> None:
    sent = await find(bot, USERS[lang], text)
    header = t("find_nearest_place", lang, place="{place}").replace("{place}", echo)
    assert sent[0]["text"] == header
    cards = result_cards(sent)
    assert len(cards) == RESULTS
    place = places.gazetteer().lookup(text)
    assert place is not None
    km = distances(cards)
    truth = sorted(haversine_km(place.lat, place.lon, a.lat, a.lon) for a in directory(bot).associations)
    assert km == [round(d) for d in truth[:RESULTS]]
    assert callbacks(sent[-1]) == [f"fm:{RESULTS}:p:{place.lat:.2f}:{place.lon:.2f}"]


async def test_english_readers_in_the_us_also_get_miles(bot: BotHarness) -> None:
    sent = await find(bot, ANNA, "Queens")
    assert re.search(r" · [\d,]+ km \([\d,]+ mi\)", result_cards(sent)[0]["text"])


@pytest.mark.parametrize("lang", ["zh-Hans", "en", "zh-Hant"])
async def test_every_association_of_a_country_is_reachable_with_more(bot: BotHarness, lang: UiLang) -> None:
    user = USERS[lang]
    query = {"zh-Hans": "马来西亚", "en": "Malaysia", "zh-Hant": "馬來西亞"}[lang]
    sent = await find(bot, user, query)
    expected = in_country(bot, "MY")
    assert len(expected) > RESULTS
    assert sent[0]["text"] == t("find_in_country", lang, country=render.country_name("MY", lang), count=len(expected))
    seen = [association_of(bot, c) for c in result_cards(sent)]
    pages = 1
    while callbacks(sent[-1]) and callbacks(sent[-1])[0].startswith("fm:"):
        [data] = callbacks(sent[-1])
        assert len(data.encode()) <= 64
        calls = await bot.press(user, data, message_with(bot, user["id"], data))
        sent = [c.params for c in calls if c.method == "sendMessage"]
        seen += [association_of(bot, c) for c in result_cards(sent)]
        pages += 1
    assert len(seen) == len(expected) and {a.id for a in seen} == {a.id for a in expected}
    assert len(seen) > RESULTS and pages == -(-len(expected) // RESULTS)  # the sixth is reachable


async def test_a_shared_location_pages_too(bot: BotHarness) -> None:
    sent = await share_location(bot, ANNA, 3.139, 101.687)
    assert sent[0]["text"] == t("nearest_results", "en")
    [data] = callbacks(sent[-1])
    calls = await bot.press(ANNA, data, message_with(bot, ANNA["id"], data))
    second = result_cards([c.params for c in calls if c.method == "sendMessage"])
    assert len(second) == RESULTS
    first_km, second_km = distances(result_cards(sent)), distances(second)
    assert max(first_km) <= min(second_km)


@pytest.mark.parametrize("lang", ["zh-Hans", "en", "zh-Hant"])
async def test_a_bare_find_waits_for_the_next_message_only(bot: BotHarness, lang: UiLang) -> None:
    user = USERS[lang]
    [ask] = await find(bot, user, "")
    assert ask["text"] == t("find_ask", lang) and "/cancel" in ask["text"]
    sent = await bot.send(user, "新山" if lang != "en" else "Johor Bahru")
    assert len(result_cards(sent)) == RESULTS
    assert markup_of(sent[0]).get("remove_keyboard") is True
    again = await bot.send(user, "Johor Bahru")  # the wait is over: a question now
    assert result_cards(again) == []


@pytest.mark.parametrize("lang", ["zh-Hans", "en", "zh-Hant"])
async def test_cancel_after_a_bare_find_says_the_prompt_was_cancelled(bot: BotHarness, lang: UiLang) -> None:
    user = USERS[lang]
    await find(bot, user, "")
    [cancelled] = await bot.send(user, "/cancel")
    assert cancelled["text"] == t("find_cancelled", lang)
    assert result_cards(await bot.send(user, "Johor Bahru")) == []
    [nothing] = await bot.send(user, "/cancel")
    assert nothing["text"] == t("nothing_to_cancel", lang)


@pytest.mark.parametrize("lang", ["zh-Hans", "en", "zh-Hant"])
async def test_an_unknown_command_says_so_then_shows_help(bot: BotHarness, lang: UiLang) -> None:
    [reply] = await bot.send(USERS[lang], "/foo")
    assert reply["text"] == t("unknown_command", lang, command="/foo") + "\n\n" + t("help", lang)


async def test_languages_are_named_in_the_reader_s_language(bot: BotHarness) -> None:
    taishanese = next(a for a in directory(bot).associations if "Taishanese" in a.languages)
    creole = next(a for a in directory(bot).associations if "Mauritian Creole" in a.languages)
    for lang, expected in (("zh-Hans", "台山话"), ("zh-Hant", "台山話"), ("en", "Taishanese")):
        shown = render.languages(taishanese, lang)  # type: ignore[arg-type]
        assert expected in shown
        if lang != "en":
            assert not re.search("[A-Za-z]", shown), shown
            creole_shown = render.languages(creole, lang)  # type: ignore[arg-type]
            assert not re.search("[A-Za-z]", creole_shown), creole_shown
    assert "粤语" in render.languages(taishanese, "zh-Hans") and "粵語" in render.languages(taishanese, "zh-Hant")


async def test_traditional_vocabulary_follows_the_telegram_language(bot: BotHarness) -> None:
    # The privacy notice speaks of 信息: Taiwan reads 資訊, Hong Kong 信息 in Traditional characters.
    assert "信息" in catalog("zh-Hans")["privacy"]
    tw = to_traditional(catalog("zh-Hans")["privacy"], "tw")
    hk = to_traditional(catalog("zh-Hans")["privacy"], "hk")
    assert "資訊" in tw and "信息" not in tw and "信息" in hk
    simplified = t("unknown_command", "zh-Hans", command="/foo") + "\n\n" + t("help", "zh-Hans")
    [tw_reply] = await bot.send(TW, "/foo")
    [hk_reply] = await bot.send(HK, "/foo")
    assert tw_reply["text"] == to_traditional(simplified, "tw")
    assert hk_reply["text"] == to_traditional(simplified, "hk") != tw_reply["text"]
    # Names come from CLDR's Taiwan or Hong Kong data: Cantonese is 粵語 in Taiwan, 廣東話 in Hong Kong.
    sent = await find(bot, HK, "吉隆坡")
    assert any("廣東話" in card["text"] for card in result_cards(sent))
    sent = await find(bot, TW, "吉隆坡")
    assert any("粵語" in card["text"] for card in result_cards(sent))


# -- the sweep ---------------------------------------------------------------------------------

CONVERSATION = [
    "/start",
    "/help",
    "/find",
    "Johor Bahru",
    "/find how do I renew my passport",
    "/find is it far",
    "/find Malaysia",
    "/find Kuala Lumpur",
    "/find Queens",
    "/find I live in Texas",
    "/find Bay Area",
    "/find Kenya",
    "/find",
    "/cancel",
    "/foo",
    "/cancel",
]
# Names shown in both forms on purpose: the examples of what can be typed.
BILINGUAL = re.compile(r"“[^”]*”|/find \S+|简体中文 / 繁體中文 / English")
URLS = re.compile(r"https?://\S+|\S+@\S+|<[^>]+>|/[a-z]+")


def _english_words() -> set[str]:
    """Words of the English catalog that are not also in the Chinese one (names, commands, units)."""
    words = {w.lower() for text in catalog("en").values() for w in re.findall(r"[A-Za-z]{4,}", text)}
    kept = {w.lower() for text in catalog("zh-Hans").values() for w in re.findall(r"[A-Za-z]{4,}", text)}
    return words - kept


async def test_sweep_no_cjk_in_english_and_no_catalog_english_in_chinese(bot: BotHarness) -> None:
    english = _english_words()
    for lang, user in USERS.items():
        replies: list[str] = []
        for text in CONVERSATION:
            sent = await bot.send(user, text)
            replies += [str(m["text"]) for m in sent]
        assert len(replies) > len(CONVERSATION)
        for reply in replies:
            if lang == "en":
                # Association names come with their Chinese form only in Chinese; English shows none.
                assert not has_cjk(BILINGUAL.sub("", reply)), reply
            else:
                own = URLS.sub("", BILINGUAL.sub("", reply))  # what the person typed is echoed as typed
                words = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", own)}
                assert not words & english, (words & english, reply)


def test_no_space_between_chinese_text_and_a_chinese_name() -> None:
    """将转给茶陵县侨联, not 将转给 茶陵县侨联: placeholders that hold Chinese names sit flush in Chinese text."""
    names = r"\{(?:queue|place|hometown|association|country|old|new)\}"
    for key, text in catalog("zh-Hans").items():
        assert not re.search(rf"[\u4e00-\u9fff] {names}|{names} [\u4e00-\u9fff]", text), (key, text)
