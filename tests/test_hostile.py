"""A hostile-input corpus against the real application, on SQLite and PostgreSQL: markup and entity
injection, texts of 4,096 and 10,000 characters, zero-width and right-to-left characters, NUL,
emoji only, absurd command arguments, forged and stale buttons, edits, stickers, voice and contacts
where text is expected, forwarded and channel messages, malformed updates.

For every case: no update fails or is set aside, nothing is logged at ERROR, Telegram would refuse
nothing the bot sends (HTML, length, buttons), nothing comes back unescaped, and the case is either
answered or deliberately ignored.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.content.live import LiveFaq
from bot.db.models import IntakeUpdate, Ticket
from bot.messaging import intake, local
from bot.messaging.localapi import html_error
from tests.conftest import BotHarness, build_harness, make_user, q
from tests.reports.test_flows import ADMIN, CHALING_GROUP, group, reach_summary, setup_groups

MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<b>bold</b> & <i>",
    "&lt;&amp;&#x27;",
    "</b></i></a>",
    "<a href='javascript:alert(1)'>x</a>",
    "&",
    "<",
    "a < b > c",
    "<tg-spoiler>",
]
ODD = [
    "\u200b\u200b\u200b",
    "\u202eevil\u202c",
    "abc\u0000def",
    "\x07\x1b[31mred",
    "😀😀😀",
    "🇨🇳",
    " ",
    "\u00a0",
    "ｆｕｌｌｗｉｄｔｈ",
    "護照\u200d丟了",
    "\ufeff護照",
    "𠀀𠀁𠀂",
    "a\r\nb",
    "\t\t",
]
LONG = ["护" * 4096, "x" * 10_000, "A" * 4095 + "😀", "<b>" * 2000, "& " * 3000]
COMMANDS = [
    "/ticket 100000000000000000000",
    "/ticket ²",
    "/ticket ①",
    "/ticket -1",
    "/ticket #",
    "/ticket 0",
    "/claim 99999",
    "/reply",
    "/reply 1",
    "/transfer 1",
    "/transfer 1 nowhere",
    "/resolve abc",
    "/note",
    "/find " + "x" * 5000,
    "/find <script>",
    "/find is it far",
    "/report extra words",
    "/start@other_bot",
    "/bind",
    "/bind ../../etc",
    "/unbind now",
    "/reload",
    "/queue",
    "/mytickets x",
    "/language xx",
    "/skip",
    "/cancel",
    "/foo",
    "/" + "a" * 100,
    "/find 🇲🇾",
]
FORGED = [
    "tk:claim:1",
    "tk:to:1:hunan",
    "tk:claim:100000000000000000000",
    "rt:1:5",
    "rt:1:9",
    "jr:ok:1",
    "jc:ok:deadbeef",
    "r:s",
    "r:p:99999",
    "r:q:nowhere",
    "fb:1:y",
    "fb:99:n",
    "a:no-such-entry",
    "c:no-such-category",
    "d:no-such-association",
    "j:no-such-association",
    "l:xx",
    "m",
    "m:extra",
    "tk:claim:²",
    "nonsense",
    "",
    "x" * 64,
    "tk:claim:1:" + "q" * 70,
]


def cases() -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    out += [("text", s) for s in MARKUP + ODD + LONG]
    out += [("name", s) for s in [*MARKUP[:6], "\u202e" * 50, "x" * 300]]
    out += [("command", s) for s in COMMANDS]
    out += [("button", s) for s in FORGED]
    out += [
        ("kind", k)
        for k in (
            "sticker",
            "voice",
            "contact",
            "location",
            "dice",
            "edited",
            "forwarded",
            "channel_post",
            "my_chat_member",
            "group_chatter",
            "photo_caption_markup",
            "document_name_markup",
        )
    ]
    out += [("raw", r) for r in ("no_message", "empty_message", "no_chat", "unknown_type", "bad_types")]
    return out


CASES = cases()
ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(params=ENGINES)
async def harness(request: pytest.FixtureRequest, live_faq: LiveFaq) -> AsyncIterator[BotHarness]:
    engine: Engine = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
    app, api = build_harness(engine, live_faq, admin_ids="777")
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]
    bot = BotHarness(app, api, engine)
    await setup_groups(bot)
    yield bot
    await app.shutdown()


def payload_for(bot: BotHarness, kind: str, value: Any, user: dict[str, Any]) -> dict[str, Any]:
    f = bot.updates
    if kind in ("text", "command"):
        return f.message(user, value)
    if kind == "name":
        return f.message({**user, "first_name": value, "last_name": value, "username": "u" * 32}, "/start")
    if kind == "button":
        message = {"message_id": 1, "date": 1, "chat": {"id": user["id"], "type": "private"}, "text": "old"}
        update = f.callback(user, value, message)
        if value == "":
            update["callback_query"].pop("data")  # a game button, or a client sending no data
        return update
    update = f.message(user, "x")
    message = update["message"]
    message.pop("text", None)
    if kind == "sticker":
        return f.non_text(user)
    if kind == "voice":
        message["voice"] = {"file_id": "v", "file_unique_id": "v", "duration": 3}
    elif kind == "contact":
        message["contact"] = {"phone_number": "<b>+86</b>", "first_name": "<i>x</i>"}
    elif kind == "location":
        message["location"] = {"latitude": 91.0, "longitude": 500.0}  # impossible coordinates
    elif kind == "dice":
        message["dice"] = {"emoji": "🎲", "value": 3}
    elif kind == "edited":
        update["edited_message"] = {**update.pop("message"), "text": "/resolve 1", "edit_date": 2}
    elif kind == "forwarded":
        message["text"] = "护照丢了怎么办"
        message["forward_origin"] = {"type": "hidden_user", "sender_user_name": "<b>x</b>", "date": 1}
    elif kind == "channel_post":
        chat = {"id": -100777, "type": "channel", "title": "<b>c</b>"}
        update = {
            "update_id": update["update_id"],
            "channel_post": {"message_id": 5, "date": 1, "chat": chat, "text": "/claim 1"},
        }
    elif kind == "my_chat_member":
        member = {"user": {"id": 1000, "is_bot": True, "first_name": "Qiaolian"}, "status": "kicked", "until_date": 0}
        update = {
            "update_id": update["update_id"],
            "my_chat_member": {
                "chat": group(CHALING_GROUP),
                "from": ADMIN,
                "date": 1,
                "old_chat_member": {**member, "status": "member"},
                "new_chat_member": member,
            },
        }
    elif kind == "group_chatter":
        update = f.message(user, "<b>hello</b> everyone", chat=group(CHALING_GROUP))
    elif kind == "photo_caption_markup":
        message["photo"] = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
        message["caption"] = "<script>" * 200
    elif kind == "document_name_markup":
        message["document"] = {"file_id": "d", "file_unique_id": "d", "file_name": "<b>.pdf"}
    return update


def raw_payload(bot: BotHarness, value: str) -> dict[str, Any]:
    update_id = bot.updates.next_update_id
    bot.updates.next_update_id += 1
    return {
        "no_message": {"update_id": update_id},
        "empty_message": {"update_id": update_id, "message": {}},
        "no_chat": {"update_id": update_id, "message": {"message_id": 1, "date": 1, "text": "hi"}},
        "unknown_type": {"update_id": update_id, "business_future_thing": {"x": 1}},
        "bad_types": {"update_id": update_id, "message": {"message_id": "1", "date": "x", "chat": [], "text": 5}},
    }[value]


SILENT = {("kind", "edited"), ("kind", "channel_post"), ("kind", "my_chat_member"), ("kind", "group_chatter")}
SILENT |= {("raw", r) for r in ("no_message", "empty_message", "no_chat", "unknown_type")}


@pytest.mark.parametrize(("kind", "value"), CASES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
async def test_hostile_input_is_answered_or_ignored_and_breaks_nothing(
    harness: BotHarness, kind: str, value: Any, caplog: pytest.LogCaptureFixture
) -> None:
    bot = harness
    user = make_user(2**40 + 99, first_name="Eve", language_code="en")
    payload = raw_payload(bot, value) if kind == "raw" else payload_for(bot, kind, value, user)
    before = len(bot.api.calls)
    with caplog.at_level(logging.WARNING):
        await local.feed(bot.app, payload)
    calls = bot.api.calls[before:]
    with Session(bot.engine) as s:
        row = s.get(IntakeUpdate, payload["update_id"])
        assert row is not None, "not stored"
        if kind == "raw" and row.status == "failed":  # unreadable: set aside, the bot carries on
            assert (row.error or "").startswith("unreadable update")
        else:
            assert row.status == "done", (row.status, row.error)
        assert len(s.exec(select(Ticket)).all()) == 0  # nothing hostile filed or changed a report
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert bot.api.refusals == []
    for call in calls:
        text = call.params.get("text")
        if isinstance(text, str) and call.params.get("parse_mode") == "HTML":
            assert html_error(text) is None  # only Telegram's own tags: anything echoed was escaped
    sent = [c for c in calls if c.method in ("sendMessage", "editMessageText", "answerCallbackQuery")]
    if (kind, value) in SILENT or (kind == "raw"):
        return
    assert sent, f"{kind} {value!r:.40} got no answer at all"


def test_the_corpus_has_over_a_hundred_cases() -> None:
    assert len(CASES) >= 100


async def test_a_nul_byte_in_a_report_is_filed_without_it(harness: BotHarness) -> None:
    bot = harness
    user = make_user(2**40 + 7, first_name="Nu\u0000ll", language_code="zh-hans")
    await reach_summary(bot, user, "茶陵县", description="护照\u0000丢了，需要证明\u0007")
    await bot.press(user, "r:s")
    with Session(bot.engine) as s:
        [ticket] = s.exec(select(Ticket)).all()
    assert "\u0000" not in ticket.description and "\u0007" not in ticket.description
    assert "护照丢了" in ticket.description and ticket.user_name == "Null"
    assert q(intake.backlog, bot.engine) == 0
