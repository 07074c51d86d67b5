"""Bot API faults and handler crashes: users still get an answer or an apology, the bot survives."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from bot.db import repo
from bot.faq.matcher import FaqIndex
from bot.messaging.localapi import Call
from bot.messaging.render import render_answer
from bot.text.i18n import t
from bot.text.language import UiLang
from tests.conftest import BotHarness, make_user

QUESTION = "护照丢了怎么办"
ERRORS_LOGGER = "bot.messaging.errors"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)

# -- helpers -----------------------------------------------------------------------------------


def expected_answer(bot: BotHarness) -> list[str]:
    return render_answer(bot.app.bot_data["services"].faq.current.faq.by_id["lost-passport"], "zh-Hans")


def answers_received(bot: BotHarness, chat_id: int) -> int:
    """How many times the complete lost-passport answer reached the chat."""
    texts, parts = bot.api.texts(chat_id), expected_answer(bot)
    return sum(texts[i : i + len(parts)] == parts for i in range(len(texts)))


def blocked_at(bot: BotHarness, user_id: int) -> object:
    user = repo.get_user(bot.engine, user_id=user_id)
    assert user is not None
    return user.blocked_at


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Record the delays the bot asks asyncio.sleep for, without really waiting them out."""
    requested: list[float] = []
    real_sleep = asyncio.sleep

    async def fake_sleep(delay: float, result: object = None) -> object:
        requested.append(delay)
        return await real_sleep(0, result)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    yield requested


def slept_before_delivery(bot: BotHarness, sleeps: list[float]) -> list[float]:
    """Make the API note, at its first delivered sendMessage, what had been slept until then."""
    seen: list[float] = []

    def on_call(call: Call) -> None:
        if call.method == "sendMessage" and not seen:
            seen.extend(sleeps or [0.0])

    bot.api.on_call = on_call
    return seen


# -- tests ---------------------------------------------------------------------------------------


async def test_a_502_once_is_retried_and_the_user_gets_the_answer_once(bot: BotHarness) -> None:
    bot.api.fail("sendMessage", 502, times=1)
    sent = await bot.send(make_user(1), QUESTION)
    assert [p["text"] for p in sent] == expected_answer(bot)
    assert bot.api.faults == []
    assert answers_received(bot, 1) == 1


async def test_a_429_waits_retry_after_then_answers(bot: BotHarness, sleeps: list[float]) -> None:
    before_delivery = slept_before_delivery(bot, sleeps)
    bot.api.fail("sendMessage", 429, retry_after=1)
    sent = await bot.send(make_user(2), QUESTION)
    assert [p["text"] for p in sent] == expected_answer(bot)
    assert bot.api.faults == []
    assert answers_received(bot, 2) == 1
    # The limiter waited retry_after before the retry (on a faked clock: the test does not wait).
    assert max(before_delivery) >= 1.0


async def test_403_marks_the_user_blocked_and_a_later_message_unblocks(bot: BotHarness) -> None:
    user = make_user(4)
    bot.api.fail("sendMessage", 403)
    assert await bot.send(user, QUESTION) == []  # no exception escapes, nothing was delivered
    assert blocked_at(bot, 4) is not None
    assert bot.api.faults == []

    sent = await bot.send(user, QUESTION)
    assert [p["text"] for p in sent] == expected_answer(bot)
    assert blocked_at(bot, 4) is None


async def test_403_is_not_retried_and_no_apology_is_attempted(bot: BotHarness) -> None:
    bot.api.fail("sendMessage", 403, times=2)
    await bot.send(make_user(5), QUESTION)
    assert len(bot.api.faults) == 1  # one attempt: Telegram refused, retrying cannot help


async def test_repeated_502_is_logged_and_the_bot_keeps_working(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    user = make_user(6)
    bot.api.fail("sendMessage", 502, times=50)
    with caplog.at_level(logging.WARNING):
        assert await bot.send(user, QUESTION) == []
    errors = [r for r in caplog.records if r.name == ERRORS_LOGGER and r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "error while handling update" in errors[0].getMessage()
    assert errors[0].exc_info is not None and "Bad Gateway" in str(errors[0].exc_info[1])
    assert any("could not send the apology" in r.getMessage() for r in caplog.records)
    retries = [r for r in caplog.records if r.name == "bot.messaging.ratelimit"]
    assert retries and len(bot.api.faults) < 50  # it retried before giving up
    assert sorted(sleeps)[:2] == pytest.approx([0.01, 0.01])  # exponential backoff starts small

    bot.api.faults.clear()
    sent = await bot.send(user, QUESTION)
    assert [p["text"] for p in sent] == expected_answer(bot)


@pytest.mark.parametrize(
    ("language_code", "text", "lang"),
    [
        ("zh-hans", "12308", "zh-Hans"),
        ("en", "12308", "en"),
        ("zh-hant", "12308", "zh-Hant"),
        ("zh-hans", "my passport is lost", "en"),  # the apology follows the message's language
        ("zh-hans", "護照丟了", "zh-Hant"),
    ],
)
async def test_a_handler_crash_gets_the_polite_error_text(
    bot: BotHarness,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    language_code: str,
    text: str,
    lang: UiLang,
) -> None:
    def broken_match(self: FaqIndex, query: str) -> object:
        raise RuntimeError("matcher exploded")

    monkeypatch.setattr(FaqIndex, "match", broken_match)
    with caplog.at_level(logging.ERROR, logger=ERRORS_LOGGER):
        sent = await bot.send(make_user(7, language_code=language_code), text)
    assert [p["text"] for p in sent] == [t("error", lang)]
    [record] = [r for r in caplog.records if r.name == ERRORS_LOGGER]
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


async def test_a_double_tapped_menu_button_does_not_apologise(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user(8)
    await bot.send(user, "/faq")
    menu = bot.api.messages(8)[-1]
    await bot.press(user, "c:documents", menu)
    # The second tap asks for the very same edit; Telegram refuses it as a no-op.
    bot.api.fail("editMessageText", 400, NOT_MODIFIED)
    with caplog.at_level(logging.ERROR, logger=ERRORS_LOGGER):
        calls = await bot.press(user, "c:documents", menu)
    assert t("error", "zh-Hans") not in [c.params.get("text") for c in calls if c.method == "sendMessage"]
    assert not [r for r in caplog.records if r.name == ERRORS_LOGGER and r.levelno >= logging.ERROR]
