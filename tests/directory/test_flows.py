"""The association directory through the real Application: /find, shared locations, details, joining."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.db import conversations
from bot.db.conversations import State
from bot.db.models import JoinRequest, OutboxMessage
from bot.directory import render
from bot.directory import render as directory_render
from bot.directory import repo as joins
from bot.directory.geo import haversine_km
from bot.directory.handlers import RESULTS
from bot.directory.model import Association, Directory
from bot.groups import repo as bindings
from bot.reports.notify import STAFF_LANG
from bot.text.i18n import localize, t
from bot.text.language import UiLang, content_lang, parse
from tests.conftest import BotHarness, make_user, q
from tests.reports.test_flows import ADMIN, in_group, texts_to

LIAISON_GROUP, ASSOCIATION_GROUP = -2001, -2002
OFFICER = make_user(801, first_name="Lin", language_code="zh-hans")
ASSOCIATION_OFFICER = make_user(802, first_name="Tan", language_code="en")
STRANGER = make_user(999, first_name="Eve", language_code="en")
MEI = make_user(4242, first_name="Mei", language_code="zh-hans")
ANNA = make_user(4343, first_name="Anna", language_code="en")
HANT = make_user(4444, first_name="Wen", language_code="zh-hant")
USERS: dict[str, dict[str, Any]] = {"zh-Hans": MEI, "en": ANNA, "zh-Hant": HANT}

# Answers to the join form, with markup that must come back escaped.
FORM = ("Mei <b>Lee</b>", "+60 12 345 6789 & WeChat mei_2024", "来自茶陵，在吉隆坡工作三年 <i>hi</i>")

ALLOWED_TAG = re.compile(r'</?b>|<a href="[^"<>]*">|</a>')
ENTITY = re.compile(r"&(amp|lt|gt|quot|#x27|#\d+);")
DISTANCE = re.compile(r" · (?:&lt; )?([\d,]+) km")


# -- helpers -----------------------------------------------------------------------------------


def directory(bot: BotHarness) -> Directory:
    return bot.runtime.faq.current.directory  # type: ignore[no-any-return]


def in_city(bot: BotHarness, city_en: str) -> list[Association]:
    found = [a for a in directory(bot).associations if a.city.en == city_en]
    assert found, city_en
    return found


def in_country(bot: BotHarness, code: str) -> list[Association]:
    found = [a for a in directory(bot).associations if a.country == code]
    assert found, code
    return found


def by_request_in(bot: BotHarness, city_en: str) -> Association:
    return next(a for a in in_city(bot, city_en) if a.joins_by_request)


def markup_of(message: dict[str, Any]) -> dict[str, Any]:
    markup = message.get("reply_markup") or {}
    return json.loads(markup) if isinstance(markup, str) else markup


def inline_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in markup_of(message).get("inline_keyboard", []) for b in row]


def callbacks(message: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for b in inline_buttons(message) if "callback_data" in b]


def result_cards(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages that show one association each (they carry its d:<id> button)."""
    return [m for m in sent if any(data.startswith("d:") for data in callbacks(m))]


def association_of(bot: BotHarness, card: dict[str, Any]) -> Association:
    [data] = [d for d in callbacks(card) if d.startswith("d:")]
    return directory(bot).by_id[data.removeprefix("d:")]


def shown(text: str, lang: UiLang) -> str:
    """Content text as a card shows it: in the reader's script, HTML-escaped."""
    return html.escape(localize(text, lang), quote=False)


def assert_safe_html(text: str) -> None:
    """Only the bot's own tags remain, and every & starts an entity: nothing interpolated leaks as markup."""
    bare = ALLOWED_TAG.sub("", text)
    assert "<" not in bare and ">" not in bare, text
    assert all(ENTITY.match(bare, m.start()) for m in re.finditer("&", bare)), text


def assert_buttons(association: Association, message: dict[str, Any]) -> None:
    buttons = inline_buttons(message)
    for button in buttons:
        data = button.get("callback_data")
        if data is not None:
            assert data.isascii() and len(data.encode()) <= 64, data
    assert f"d:{association.id}" in callbacks(message)
    if association.joins_by_request:
        assert f"j:{association.id}" in callbacks(message)
    else:
        assert association.join in [b.get("url") for b in buttons]
        assert not any(d.startswith("j:") for d in callbacks(message))


def assert_card(bot: BotHarness, card: dict[str, Any], association: Association, lang: UiLang) -> None:
    """A result shows name, city, languages, every contact and the last verified date."""
    text = str(card["text"])
    cl = content_lang(lang)
    country = next(c for c in directory(bot).countries if c.code == association.country)
    assert f"<b>{shown(association.name.get(cl), lang)}</b>" in text
    city, nation = association.city.get(cl), country.name.get(cl)
    where = city if city == nation else f"{city}{'，' if cl == 'zh' else ', '}{nation}"
    assert shown(where, lang) in text
    assert html.escape(render.languages(association, lang), quote=False) in text
    for value in association.contacts.values():
        assert html.escape(value, quote=False) in text
    assert association.last_verified.isoformat() in text
    assert ("Last verified" if lang == "en" else localize("核实日期", lang)) in text
    assert_safe_html(text)
    assert_buttons(association, card)


async def find(bot: BotHarness, user: dict[str, Any], place: str) -> list[dict[str, Any]]:
    return await bot.send(user, f"/find {place}".rstrip())


def location_update(bot: BotHarness, user: dict[str, Any], lat: float, lon: float) -> dict[str, Any]:
    update = bot.updates.message(user, "x")
    del update["message"]["text"]
    update["message"]["location"] = {"latitude": lat, "longitude": lon}
    return update


async def share_location(bot: BotHarness, user: dict[str, Any], lat: float, lon: float) -> list[dict[str, Any]]:
    before = len(bot.api.calls)
    await bot.feed(location_update(bot, user, lat, lon))
    return [c.params for c in bot.api.calls[before:] if c.method == "sendMessage"]


def distances(cards: list[dict[str, Any]]) -> list[int]:
    out = []
    for card in cards:
        match = DISTANCE.search(str(card["text"]))
        assert match, card["text"]
        out.append(int(match.group(1).replace(",", "")))
    return out


def message_with(bot: BotHarness, chat_id: int, data: str) -> dict[str, Any]:
    """The newest message in a chat carrying a button with ``data``."""
    return next(m for m in reversed(bot.api.messages(chat_id)) if data in callbacks(m))


def answers(calls: list[Any]) -> list[dict[str, Any]]:
    return [c.params for c in calls if c.method == "answerCallbackQuery"]


def sent_texts(calls: list[Any]) -> list[str]:
    return [str(c.params.get("text")) for c in calls if c.method == "sendMessage"]


def join_form(bot: BotHarness, user: dict[str, Any]) -> State | None:
    """The join form the user is filling in, if any."""
    return q(conversations.get, bot.engine, user_id=user["id"], kind="join")  # type: ignore[no-any-return]


def requests_of(bot: BotHarness, user: dict[str, Any]) -> list[JoinRequest]:
    """Every join request a user has sent."""
    with Session(bot.engine) as s:
        return list(s.exec(select(JoinRequest).where(JoinRequest.user_id == user["id"])).all())


def officer_rows(bot: BotHarness, request_id: int | None) -> list[OutboxMessage]:
    with Session(bot.engine) as s:
        stmt = select(OutboxMessage).where(OutboxMessage.dedupe_key == f"join:{request_id}:officers")
        return list(s.exec(stmt).all())


def officer_cards(bot: BotHarness, chat_id: int, request_id: int | None) -> list[dict[str, Any]]:
    """The officer cards for a request that a group has (as they are now)."""
    sent = {(row.chat_id, row.message_id) for row in officer_rows(bot, request_id)}
    return [m for m in bot.api.messages(chat_id) if (chat_id, m["message_id"]) in sent]


async def bind(bot: BotHarness, chat_id: int, queue: str) -> str:
    [reply] = await in_group(bot, ADMIN, chat_id, f"/bind {queue}")
    return reply


async def setup_liaison(bot: BotHarness) -> None:
    bot.api.members = {LIAISON_GROUP: {OFFICER["id"]}, ASSOCIATION_GROUP: {ASSOCIATION_OFFICER["id"]}}
    assert "liaison" in await bind(bot, LIAISON_GROUP, "liaison")


async def fill_form(bot: BotHarness, user: dict[str, Any], association: Association) -> dict[str, Any]:
    """Find the association's city, tap "ask to join" on its card and answer; returns the consent message."""
    await find(bot, user, association.city.en)
    calls = await bot.press(user, f"j:{association.id}", message_with(bot, user["id"], f"j:{association.id}"))
    lang = parse(user["language_code"])
    assert lang is not None
    assert sent_texts(calls) == [t("join_ask_name", lang, association=directory_render.name(association, lang))]
    for answer in FORM:
        await bot.send(user, answer)
    return bot.api.messages(user["id"])[-1]


async def submit(bot: BotHarness, user: dict[str, Any], association: Association) -> JoinRequest:
    """The whole form, consent given, and the outbox delivered; returns the pending request."""
    consent = await fill_form(bot, user, association)
    [ok, _] = callbacks(consent)
    await bot.press(user, ok, consent)
    await bot.deliver()
    [request] = q(joins.for_user, bot.engine, user_id=user["id"])[:1]
    assert request.status == "pending"
    return request


async def decide(bot: BotHarness, officer: dict[str, Any], chat_id: int, data: str) -> list[Any]:
    """An officer taps ``data`` on the request's card in ``chat_id``."""
    [card] = officer_cards(bot, chat_id, int(data.rsplit(":", 1)[1]))
    calls = await bot.press(officer, data, card)
    # What the group sees (the applicant's notice is another chat's business).
    return [c for c in calls if c.method == "answerCallbackQuery" or c.params.get("chat_id") in (chat_id, str(chat_id))]


def status_of(bot: BotHarness, request_id: int | None) -> str:
    assert request_id is not None
    request = q(joins.get, bot.engine, request_id=request_id)
    assert request is not None
    return request.status


# -- finding by place --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "lang", "where"),
    [
        ("吉隆坡", "zh-Hans", "city:Kuala Lumpur"),
        ("kuala lumpur", "en", "city:Kuala Lumpur"),
        ("jilongpo", "zh-Hans", "city:Kuala Lumpur"),
        ("紐約", "zh-Hant", "city:New York"),
        ("New York", "en", "city:New York"),
        ("Malaysia", "en", "country:MY"),
    ],
)
async def test_find_by_city_or_country(bot: BotHarness, place: str, lang: UiLang, where: str) -> None:
    kind, _, value = where.partition(":")
    expected = in_city(bot, value) if kind == "city" else in_country(bot, value)
    sent = await find(bot, USERS[lang], place)
    cards = result_cards(sent)
    if kind == "city":
        assert sent[0]["text"] == t("find_results", lang, count=len(expected))
    else:  # the country's CLDR name in the reader's language
        assert sent[0]["text"] == t(
            "find_in_country", lang, country=render.country_name(value, lang), count=len(expected)
        )
    more = 1 if len(expected) > RESULTS else 0  # the "more" button's message
    assert len(cards) == min(RESULTS, len(expected)) and len(sent) == len(cards) + 1 + more
    found = [association_of(bot, card) for card in cards]
    ids = [a.id for a in found]
    assert len(set(ids)) == len(ids) and set(ids) <= {a.id for a in expected}
    for card, association in zip(cards, found, strict=True):
        assert_card(bot, card, association, lang)


async def test_traditional_readers_get_traditional_cards(bot: BotHarness) -> None:
    [card, *_] = result_cards(await find(bot, HANT, "紐約"))
    assert "紐約" in card["text"] and "纽约" not in card["text"]


async def test_bare_find_asks_for_a_place_offering_the_location_button(bot: BotHarness) -> None:
    [ask] = await find(bot, ANNA, "")
    assert ask["text"] == t("find_ask", "en")
    [[button]] = markup_of(ask)["keyboard"]
    assert button["request_location"] is True and button["text"] == t("share_location", "en")

    sent = await bot.send(ANNA, "Sydney")
    cards = result_cards(sent)
    assert sent[0]["text"].startswith(t("find_results", "en", count=len(cards)))
    assert {association_of(bot, c).id for c in cards} == {a.id for a in in_city(bot, "Sydney")}
    assert markup_of(sent[0]).get("remove_keyboard") is True

    # The question was answered: the next message is not taken as a place again.
    assert result_cards(await bot.send(ANNA, "Sydney")) == []


async def test_an_unknown_place_gets_a_polite_answer(bot: BotHarness) -> None:
    sent = await find(bot, ANNA, "Qwertyville")
    assert [m["text"] for m in sent] == [t("find_none", "en", place="Qwertyville")]
    assert result_cards(sent) == []


async def test_the_place_is_escaped_in_the_answer(bot: BotHarness) -> None:
    [answer] = await find(bot, MEI, "<b>Atlantis</b> & co")
    assert "&lt;b&gt;Atlantis&lt;/b&gt; &amp; co" in answer["text"]
    assert_safe_html(answer["text"])


async def test_every_association_s_buttons_fit_telegram_limits(bot: BotHarness) -> None:
    for association in directory(bot).associations:
        for lang in ("zh-Hans", "en"):
            markup = directory_render.buttons(association, lang)
            assert_buttons(association, {"reply_markup": markup})


# -- finding by location -----------------------------------------------------------------------


async def test_a_location_in_sydney_lists_the_nearest_first(bot: BotHarness) -> None:
    sent = await share_location(bot, ANNA, -33.8688, 151.2093)
    assert sent[0]["text"] == t("nearest_results", "en")
    cards = result_cards(sent)
    assert len(cards) == RESULTS
    km = distances(cards)
    assert km == sorted(km) and km[0] <= 1
    assert association_of(bot, cards[0]).city.en == "Sydney"
    for card in cards:
        assert_card(bot, card, association_of(bot, card), "en")


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(0.0, -160.0), (-89.9, 0.0), (89.9, 45.0), (-17.7, 179.9), (51.5, -179.9)],
    ids=["mid-pacific", "south-pole", "north-pole", "fiji-antimeridian", "bering-antimeridian"],
)
async def test_any_point_on_earth_gets_the_true_nearest(bot: BotHarness, lat: float, lon: float) -> None:
    cards = result_cards(await share_location(bot, MEI, lat, lon))
    assert len(cards) == RESULTS
    km = distances(cards)
    assert km == sorted(km)
    everything = sorted(haversine_km(lat, lon, a.lat, a.lon) for a in directory(bot).associations)
    assert km == [round(d) for d in everything[:RESULTS]]


# -- details -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
async def test_details_show_the_description_and_the_sample_note(bot: BotHarness, lang: UiLang) -> None:
    user = USERS[lang]
    association = next(a for a in in_city(bot, "Kuala Lumpur") if a.hometown)
    await find(bot, user, "Kuala Lumpur")
    calls = await bot.press(user, f"d:{association.id}", message_with(bot, user["id"], f"d:{association.id}"))
    [details] = [c.params for c in calls if c.method == "sendMessage"]
    text = str(details["text"])
    cl = content_lang(lang)
    assert shown(association.description.get(cl), lang) in text
    assert text.endswith(t("sample_note", lang))
    assert association.hometown is not None and render.hometown(association, lang) in text
    assert f"<b>{shown(association.name.get(cl), lang)}</b>" in text
    assert_safe_html(text)
    assert_buttons(association, details)


async def test_details_of_a_removed_association(bot: BotHarness) -> None:
    await find(bot, ANNA, "Sydney")
    card = message_with(bot, ANNA["id"], "d:" + in_city(bot, "Sydney")[0].id)
    calls = await bot.press(ANNA, "d:gone-away", card)
    assert sent_texts(calls) == [t("answer_gone", "en")]


# -- joining -----------------------------------------------------------------------------------


async def test_join_form_consent_sends_one_card_to_liaison(bot: BotHarness) -> None:
    await setup_liaison(bot)
    association = by_request_in(bot, "Kuala Lumpur")
    consent = await fill_form(bot, MEI, association)
    form = join_form(bot, MEI)
    assert form is not None and form.step == "consent"
    assert (form.data["association_id"], form.data["name"], form.data["contact"], form.data["about"]) == (
        association.id,
        *FORM,
    )
    assert callbacks(consent) == [f"jc:ok:{form.nonce}", f"jc:x:{form.nonce}"]
    for answer in FORM:
        assert html.escape(answer, quote=False) in consent["text"]
    assert_safe_html(consent["text"])
    assert q(joins.for_user, bot.engine, user_id=MEI["id"]) == []  # nothing sent before consent

    await bot.press(MEI, f"jc:ok:{form.nonce}", consent)
    await bot.press(MEI, f"jc:ok:{form.nonce}", consent)  # a second tap (or a replayed update)
    [draft] = requests_of(bot, MEI)
    assert join_form(bot, MEI) is None
    await bot.deliver()

    assert status_of(bot, draft.id) == "pending"
    assert callbacks(bot.api.messages(MEI["id"])[consent["message_id"] - 1]) == []  # the consent buttons are gone
    [card] = officer_cards(bot, LIAISON_GROUP, draft.id)
    assert len(officer_rows(bot, draft.id)) == 1
    assert callbacks(card) == [f"jr:ok:{draft.id}", f"jr:no:{draft.id}"]
    assert f"J{draft.id}" in card["text"] and directory_render.name(association, STAFF_LANG) in card["text"]
    for answer in FORM:
        assert html.escape(answer, quote=False) in card["text"]
    assert_safe_html(card["text"])
    confirmations = [m for m in texts_to(bot, MEI["id"]) if m == t("join_sent", "zh-Hans", id=draft.id)]
    assert len(confirmations) == 1 and f"J{draft.id}" in confirmations[0]


async def test_officer_approves_and_the_applicant_gets_the_contacts(bot: BotHarness) -> None:
    await setup_liaison(bot)
    association = by_request_in(bot, "Kuala Lumpur")
    request = await submit(bot, MEI, association)
    assert request.id is not None

    # Someone outside the liaison group is refused and nothing changes.
    calls = await decide(bot, STRANGER, LIAISON_GROUP, f"jr:ok:{request.id}")
    [alert] = answers(calls)
    assert alert["text"] == t("officer_only", STAFF_LANG) and alert["show_alert"] is True
    assert status_of(bot, request.id) == "pending" and officer_cards(bot, LIAISON_GROUP, request.id)

    calls = await decide(bot, OFFICER, LIAISON_GROUP, f"jr:ok:{request.id}")
    decided = q(joins.get, bot.engine, request_id=request.id)
    assert decided is not None and (decided.status, decided.decided_by) == ("approved", OFFICER["id"])
    verdict = t("verdict_approved", STAFF_LANG)
    assert sent_texts(calls) == [t("officer_done", STAFF_LANG, actor="Lin", verdict=verdict, id=request.id)]
    [card] = officer_cards(bot, LIAISON_GROUP, request.id)
    assert callbacks(card) == []  # the buttons are gone
    await bot.deliver()
    # Decided in the liaison group (the association has no group of its own): the liaison department approved.
    approved = t("join_approved_liaison", "zh-Hans", association=association.name.zh, id=request.id, how="")
    [told] = [m for m in texts_to(bot, MEI["id"]) if m.startswith(approved)]
    for value in association.contacts.values():
        assert html.escape(value, quote=False) in told

    # A second decision is refused.
    calls = await decide(bot, OFFICER, LIAISON_GROUP, f"jr:no:{request.id}")
    assert [a.get("text") for a in answers(calls)] == [t("already_decided", STAFF_LANG)]
    assert status_of(bot, request.id) == "approved"


async def test_officer_declines_and_the_applicant_is_told(bot: BotHarness) -> None:
    await setup_liaison(bot)
    association = by_request_in(bot, "Kuala Lumpur")
    request = await submit(bot, ANNA, association)
    await decide(bot, OFFICER, LIAISON_GROUP, f"jr:no:{request.id}")
    assert status_of(bot, request.id) == "declined"
    await bot.deliver()
    declined = t("join_declined_liaison", "en", association=association.name.en, id=request.id)
    assert declined in texts_to(bot, ANNA["id"])
    calls = await decide(bot, OFFICER, LIAISON_GROUP, f"jr:ok:{request.id}")
    assert [a.get("text") for a in answers(calls)] == [t("already_decided", STAFF_LANG)]
    assert status_of(bot, request.id) == "declined"


async def test_an_association_group_takes_its_own_requests(bot: BotHarness) -> None:
    await setup_liaison(bot)
    association = by_request_in(bot, "Kuala Lumpur")
    reply = await bind(bot, ASSOCIATION_GROUP, f"association:{association.id}")
    assert association.name.zh in reply and f"association:{association.id}" in reply
    assert q(bindings.chat_of_queue, bot.engine, queue_id=f"association:{association.id}") == ASSOCIATION_GROUP

    request = await submit(bot, ANNA, association)
    assert request.id is not None
    assert officer_cards(bot, LIAISON_GROUP, request.id) == []
    assert len(officer_cards(bot, ASSOCIATION_GROUP, request.id)) == 1

    # The liaison officer does not decide for this association; its own officer does.
    await decide(bot, OFFICER, ASSOCIATION_GROUP, f"jr:ok:{request.id}")
    assert status_of(bot, request.id) == "pending"
    await decide(bot, ASSOCIATION_OFFICER, ASSOCIATION_GROUP, f"jr:ok:{request.id}")
    assert status_of(bot, request.id) == "approved"

    # Other associations still go to liaison.
    other = next(a for a in in_city(bot, "Sydney") if a.joins_by_request)
    other_request = await submit(bot, MEI, other)
    assert len(officer_cards(bot, LIAISON_GROUP, other_request.id)) == 1


async def test_binding_an_unknown_association_is_refused(bot: BotHarness) -> None:
    await setup_liaison(bot)
    reply = await bind(bot, ASSOCIATION_GROUP, "association:nonexistent")
    queues = [q.id for q in bot.runtime.faq.current.federation.queues]
    assert reply.startswith(t("unknown_queue", STAFF_LANG, queue="association:nonexistent", queues="")[:-1])
    assert all(q in reply for q in queues) and "association:&lt;id&gt;" in reply
    assert q(bindings.chat_of_queue, bot.engine, queue_id="association:nonexistent") is None
    assert q(bindings.queue_of_chat, bot.engine, chat_id=ASSOCIATION_GROUP) is None


async def test_only_admins_bind_an_association(bot: BotHarness) -> None:
    association = by_request_in(bot, "Kuala Lumpur")
    replies = await in_group(bot, OFFICER, ASSOCIATION_GROUP, f"/bind association:{association.id}")
    assert replies == [t("admins_only", STAFF_LANG)]
    assert q(bindings.chat_of_queue, bot.engine, queue_id=f"association:{association.id}") is None


async def test_mytickets_lists_join_requests_with_their_status(bot: BotHarness) -> None:
    await setup_liaison(bot)
    association = by_request_in(bot, "Kuala Lumpur")
    request = await submit(bot, ANNA, association)
    [listing] = await bot.send(ANNA, "/mytickets")
    assert t("my_joins", "en") in listing["text"]
    assert f"J{request.id} · {t('join_status_pending', 'en')} · {association.name.en}" in listing["text"]
    await decide(bot, OFFICER, LIAISON_GROUP, f"jr:ok:{request.id}")
    [listing] = await bot.send(ANNA, "/mytickets")
    assert f"J{request.id} · {t('join_status_approved', 'en')}" in listing["text"]


async def test_cancel_during_the_form_discards_it(bot: BotHarness) -> None:
    await setup_liaison(bot)
    association = by_request_in(bot, "Kuala Lumpur")
    await find(bot, MEI, "吉隆坡")
    await bot.press(MEI, f"j:{association.id}", message_with(bot, MEI["id"], f"j:{association.id}"))
    await bot.send(MEI, FORM[0])
    [cancelled] = await bot.send(MEI, "/cancel")
    assert cancelled["text"] == t("report_cancelled", "zh-Hans")
    assert requests_of(bot, MEI) == []
    # The next message is an ordinary question again, not the form's next answer.
    sent = await bot.send(MEI, FORM[1])
    assert t("join_ask_about", "zh-Hans") not in [m["text"] for m in sent]
    assert requests_of(bot, MEI) == []
    [listing] = await bot.send(MEI, "/mytickets")
    assert listing["text"] == t("my_tickets_none", "zh-Hans")
    await bot.deliver()
    assert bot.api.messages(LIAISON_GROUP)[1:] == []  # only the /bind confirmation


async def test_the_consent_cancel_button_drops_the_request(bot: BotHarness) -> None:
    await setup_liaison(bot)
    consent = await fill_form(bot, ANNA, by_request_in(bot, "Kuala Lumpur"))
    [_, cancel] = callbacks(consent)
    calls = await bot.press(ANNA, cancel, consent)
    assert sent_texts(calls) == [t("join_cancelled", "en")]
    assert requests_of(bot, ANNA) == []
    await bot.deliver()
    assert bot.api.messages(LIAISON_GROUP)[1:] == []


async def test_someone_else_s_consent_buttons_do_nothing(bot: BotHarness) -> None:
    await setup_liaison(bot)
    consent = await fill_form(bot, ANNA, by_request_in(bot, "Kuala Lumpur"))
    [ok, _] = callbacks(consent)
    calls = await bot.press(STRANGER, ok, {**consent, "chat": {"id": STRANGER["id"], "type": "private"}})
    assert sent_texts(calls) == []
    assert requests_of(bot, ANNA) == [] and join_form(bot, ANNA) is not None  # still hers, unsent


async def test_associations_joined_by_link_have_no_form(bot: BotHarness) -> None:
    association = next(a for a in in_city(bot, "Kuala Lumpur") if not a.joins_by_request)
    await find(bot, ANNA, "Kuala Lumpur")
    card = message_with(bot, ANNA["id"], f"d:{association.id}")
    calls = await bot.press(ANNA, f"j:{association.id}", card)  # a forged or outdated button
    assert sent_texts(calls) == [t("answer_gone", "en")]
    assert requests_of(bot, ANNA) == []


# -- bugs --------------------------------------------------------------------------------------


async def test_cancel_after_sending_does_not_claim_a_cancellation_that_did_not_happen(bot: BotHarness) -> None:
    await setup_liaison(bot)
    consent = await fill_form(bot, ANNA, by_request_in(bot, "Kuala Lumpur"))
    [ok, cancel] = callbacks(consent)
    await bot.press(ANNA, ok, consent)
    calls = await bot.press(ANNA, cancel, consent)  # a double tap, or a client showing the old keyboard
    [request] = q(joins.for_user, bot.engine, user_id=ANNA["id"])
    told_cancelled = t("join_cancelled", "en") in sent_texts(calls)
    assert not (told_cancelled and request.status == "pending")


async def test_a_pending_card_stays_decidable_after_the_association_gets_its_own_group(bot: BotHarness) -> None:
    await setup_liaison(bot)
    association = by_request_in(bot, "Kuala Lumpur")
    request = await submit(bot, MEI, association)
    await bind(bot, ASSOCIATION_GROUP, f"association:{association.id}")
    await decide(bot, OFFICER, LIAISON_GROUP, f"jr:ok:{request.id}")
    assert status_of(bot, request.id) == "approved"


async def test_a_bare_find_waits_for_a_place_only_until_another_command(bot: BotHarness) -> None:
    user = USERS["en"]
    await bot.send(user, "/find")
    await bot.send(user, "/help")
    sent = await bot.send(user, "my passport expired")
    assert not any("Associations found" in str(s["text"]) for s in sent)  # a question again, not a place
    await bot.send(user, "/find")
    assert (await bot.send(user, "Kulala"))[0]["text"] == t("find_none", "en", place="Kulala")
    sent = await bot.send(user, "Kuala Lumpur")  # only the next message was a place: now a question again
    assert result_cards(sent) == []


async def test_hunan_associations_come_first_and_more_are_announced(bot: BotHarness) -> None:
    sent = await find(bot, USERS["en"], "Malaysia")
    malaysian = in_country(bot, "MY")
    assert len(malaysian) > RESULTS
    assert sent[-1]["text"] == t("find_more", "en", first=1, last=RESULTS, total=len(malaysian))
    assert callbacks(sent[-1]) == [f"fm:{RESULTS}:c:MY"]
    hunan = [a for a in malaysian if a.hometown == "Hunan"]
    firsts = [association_of(bot, card) for card in result_cards(sent)][: len(hunan)]
    assert {a.id for a in firsts} == {a.id for a in hunan}


async def test_an_admin_decides_a_join_request_from_a_private_chat(bot: BotHarness) -> None:
    await setup_liaison(bot)
    request = await submit(bot, MEI, by_request_in(bot, "Kuala Lumpur"))
    admin = make_user(777, first_name="Admin", language_code="zh-hans")
    listed = await bot.send(admin, "/joins")
    [card] = [m for m in listed if f"J{request.id}" in m["text"]]
    assert f"jr:ok:{request.id}" in str(card["reply_markup"])
    calls = await bot.press(admin, f"jr:ok:{request.id}", bot.api.messages(777)[-1])
    assert status_of(bot, request.id) == "approved"
    assert any(
        "J" + str(request.id) in str(c.params.get("text"))
        for c in calls
        if c.params.get("chat_id") in (MEI["id"], str(MEI["id"]))
    )
    stranger = await bot.send(STRANGER, "/joins")
    assert [m["text"] for m in stranger] == [t("admins_only", "en")]


async def test_a_late_decision_still_decides_and_tells_the_applicant(bot: BotHarness) -> None:
    """The officer's press arrives after Telegram stopped accepting an answer to it ("query is too old")."""
    await setup_liaison(bot)
    request = await submit(bot, MEI, by_request_in(bot, "Kuala Lumpur"))
    bot.api.fail("answerCallbackQuery", 400, "Bad Request: query is too old and response timeout expired")
    await decide(bot, OFFICER, LIAISON_GROUP, f"jr:no:{request.id}")
    assert status_of(bot, request.id) == "declined"
    assert any(f"J{request.id}" in x for x in texts_to(bot, MEI["id"]))


async def test_a_join_form_in_the_middle_of_a_report_keeps_the_draft(bot: BotHarness) -> None:
    """Asking to join an association while a report is half written: the form answers first, the
    draft waits, and when the request is sent the person is offered to continue the report."""
    await setup_liaison(bot)
    await bot.send(MEI, "/report")
    await bot.press(MEI, "r:ok")
    await bot.send(MEI, "茶陵")
    await bot.press(MEI, "r:c:documents")
    consent = await fill_form(bot, MEI, by_request_in(bot, "Kuala Lumpur"))
    form = join_form(bot, MEI)
    assert form is not None and form.data["name"] == FORM[0]  # the answers went to the join form
    calls = await bot.press(MEI, f"jc:ok:{form.nonce}", consent)
    shown = [c.params for c in calls if c.method == "sendMessage"]
    assert shown[-1]["text"] == t("report_still_open", "zh-Hans")
    assert "r:r" in callbacks(shown[-1])
    assert len(requests_of(bot, MEI)) == 1
    resume = next(m for m in reversed(bot.api.messages(MEI["id"])) if m.get("text") == shown[-1]["text"])
    await bot.press(MEI, "r:r", resume)
    assert bot.api.messages(MEI["id"])[-1]["text"].startswith(t("ask_description", "zh-Hans")[:8])
    await bot.send(MEI, "护照在吉隆坡丢了，需要老家开证明")
    await bot.send(MEI, "/skip")  # the FAQ's entries offered before filing
    summary = (await bot.send(MEI, "/skip"))[-1]["text"]  # no contact: the summary, with what was typed
    assert "护照在吉隆坡丢了" in summary and "茶陵" in summary
