"""``qiaobot chat`` sends what Telegram's buttons and menus send: the location and contact keyboard
buttons as numbered choices, ``/location LAT,LON``, ``/attach PATH`` (photos and documents)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.cli.chat import TERMINAL, Shown, TerminalChat, parse_coordinates
from bot.config import load_settings
from bot.db.models import Ticket
from bot.messaging.context import RUNTIME_KEY
from bot.text.i18n import t
from bot.text.language import UiLang
from tests.conftest import FAQ_DIR

KM = re.compile(r" · (?:< )?([\d,]+) km")


@pytest.fixture(params=["en", "zh-Hans", "zh-Hant"])
async def chat(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TerminalChat]:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'chat.db'}", faq_dir=FAQ_DIR)
    async with TerminalChat(settings, request.param) as terminal:
        yield terminal


def texts(shown: list[Shown]) -> list[str]:
    return [item.text for item in shown]


def number_of(shown: list[Shown], label: str) -> str:
    return next(str(n) for item in shown for n, text in item.buttons if text == label)


def lang_of(chat: TerminalChat) -> UiLang:
    assert chat.lang is not None
    return chat.lang


def distances(shown: list[Shown]) -> list[int]:
    return [int(m.group(1).replace(",", "")) for item in shown if (m := KM.search(item.text))]


async def test_the_location_button_is_a_numbered_choice_taking_coordinates_or_a_place(chat: TerminalChat) -> None:
    lang = lang_of(chat)
    shown = await chat.send("/find")
    choice = number_of(shown, t("share_location", lang))
    asked = await chat.send(choice)
    assert texts(asked) == [chat.say("ask_location")]
    assert texts(await chat.send("nowhere at all")) == [chat.say("bad_location")]  # asked again
    results = await chat.send("1.4655,103.7578")
    assert t("nearest_results", lang) in texts(results)
    km = distances(results)
    assert len(km) == 5 and km == sorted(km)
    # A place name instead of coordinates: the gazetteer gives the point.
    await chat.send("/find")
    await chat.send(choice)
    by_name = await chat.send("Johor Bahru")
    assert distances(by_name) == km


async def test_slash_location_sends_a_location(chat: TerminalChat) -> None:
    shown = await chat.send("/location 3.139,101.687")
    assert texts(shown)[0] == t("nearest_results", lang_of(chat))
    assert distances(shown)[0] <= 1
    assert texts(await chat.send("/location somewhere")) == [chat.say("usage_location")]


async def test_a_report_with_a_photo_a_document_and_a_shared_number(chat: TerminalChat, tmp_path: Path) -> None:
    lang = lang_of(chat)
    photo, deed = tmp_path / "house.jpg", tmp_path / "deed.pdf"
    photo.write_bytes(b"\xff\xd8\xff")
    deed.write_bytes(b"%PDF-1.4")
    shown = await chat.send("/report")
    await chat.send("1")  # the privacy notice's "I agree"
    shown = await chat.send("茶陵" if lang != "en" else "Chaling")
    await chat.send(next(str(n) for item in shown for n, _ in item.buttons[2:3]))  # a category
    attached = await chat.send(f"/attach {photo}")
    assert attached[0].text == chat.say("attached", kind=chat.say("photo"), name="house.jpg")
    await chat.send("我家的房子被人占了" if lang != "en" else "Someone took my family's house")
    attached = await chat.send(f"/attach {deed} the deed")
    assert attached[0].text == chat.say("attached", kind=chat.say("document"), name="deed.pdf")
    contact = number_of(attached, t("share_phone", lang))
    assert texts(await chat.send(contact)) == [chat.say("ask_contact")]
    assert texts(await chat.send("not a number")) == [chat.say("bad_phone")]
    summary = await chat.send("+60 12 345 6789")
    assert any("+60 12 345 6789" in item.text for item in summary)
    await chat.send(next(str(n) for item in summary for n, _ in item.buttons[:1]))  # submit
    with Session(chat.app.bot_data[RUNTIME_KEY].engine) as s:
        [ticket] = s.exec(select(Ticket)).all()
    kinds = sorted(a["type"] for a in json.loads(ticket.attachments))
    assert kinds == ["document", "photo"] and ticket.contact == "+60 12 345 6789"


async def test_attach_explains_itself(chat: TerminalChat, tmp_path: Path) -> None:
    assert texts(await chat.send("/attach")) == [chat.say("usage_attach")]
    missing = tmp_path / "missing.png"
    assert texts(await chat.send(f"/attach {missing}")) == [chat.say("no_file", path=str(missing))]


def test_coordinates_are_read_strictly() -> None:
    assert parse_coordinates("1.46,103.76") == (1.46, 103.76)
    assert parse_coordinates("-33.87, 151.21") == (-33.87, 151.21)
    assert parse_coordinates("95,10") is None and parse_coordinates("Texas") is None


def test_the_terminal_speaks_both_languages() -> None:
    for zh, en in TERMINAL.values():
        assert zh and en and not re.search("[\u4e00-\u9fff]", en)


async def test_a_second_session_in_the_same_folder_is_answered(tmp_path: Path) -> None:
    """``qiaobot chat`` run again next to its ``qiaobot.db`` goes on from the stored update ids: a
    number used before would be taken for a duplicate and the bot would say nothing."""
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'chat.db'}", faq_dir=FAQ_DIR)
    replies: list[list[str]] = []
    for _ in range(2):
        async with TerminalChat(settings, "en") as terminal:
            replies.append(texts(await terminal.send("/find is it far")))
            replies.append(texts(await terminal.send("/help")))
    assert all(replies), replies
    assert replies[2] == replies[0] and replies[3] == replies[1]
    assert any("is it far" in text for text in replies[2])
