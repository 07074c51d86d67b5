"""Bot API faults around an answer: every reply goes through the outbox, so a 502, a 429, a
refusal or an outage never loses an answer nor sends it twice, and a handler error rolls the update
back and ends in one apology."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.db.models import utcnow
from bot.faq.matcher import FaqIndex
from bot.faq.render import answer as render_answer
from bot.messaging import intake
from bot.text.i18n import t
from bot.text.language import UiLang
from bot.users import repo as users
from tests.conftest import BotHarness, make_user, q
from tests.messaging.test_intake import time_passes

QUESTION = "护照丢了怎么办"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)

# -- helpers -----------------------------------------------------------------------------------


def expected_answer(bot: BotHarness) -> list[str]:
    return render_answer(bot.runtime.faq.current.faq.by_id["lost-passport"], "zh-Hans")


def answers_received(bot: BotHarness, chat_id: int) -> int:
    """How many times the complete lost-passport answer reached the chat."""
    texts, parts = bot.api.texts(chat_id), expected_answer(bot)
    return sum(texts[i : i + len(parts)] == parts for i in range(len(texts)))


def blocked_at(bot: BotHarness, user_id: int) -> object:
    user = q(users.get, bot.engine, user_id=user_id)
    assert user is not None
    return user.blocked_at


def later(seconds: float) -> object:
    return utcnow() + timedelta(seconds=seconds)


# -- tests ---------------------------------------------------------------------------------------


async def test_a_502_is_retried_by_the_outbox_and_the_user_gets_the_answer_once(bot: BotHarness) -> None:
    bot.api.fail("sendMessage", 502, times=1)
    await bot.send(make_user(1), QUESTION)
    assert answers_received(bot, 1) == 0  # the first try failed; the answer waits in the outbox
    await bot.deliver(later(5))  # type: ignore[arg-type]
    assert bot.api.faults == []
    assert answers_received(bot, 1) == 1
    await bot.deliver(later(3600))  # type: ignore[arg-type]
    assert answers_received(bot, 1) == 1


async def test_a_429_waits_exactly_retry_after_then_answers(bot: BotHarness) -> None:
    bot.api.fail("sendMessage", 429, retry_after=7)
    await bot.send(make_user(2), QUESTION)
    await bot.deliver(later(6))  # type: ignore[arg-type]
    assert answers_received(bot, 2) == 0  # Telegram asked for 7 seconds
    await bot.deliver(later(8))  # type: ignore[arg-type]
    assert answers_received(bot, 2) == 1


async def test_403_marks_the_user_blocked_and_a_later_message_unblocks(bot: BotHarness) -> None:
    user = make_user(4)
    bot.api.fail("sendMessage", 403)
    assert await bot.send(user, QUESTION) == []  # no exception escapes, nothing was delivered
    assert blocked_at(bot, 4) is not None
    assert bot.api.faults == []

    sent = await bot.send(user, QUESTION)
    assert [p["text"] for p in sent] == expected_answer(bot)
    assert blocked_at(bot, 4) is None


async def test_an_outage_longer_than_any_retry_loses_no_answer(bot: BotHarness) -> None:
    """Telegram down for hours: the answer is kept and arrives once it is back."""
    user = make_user(6)
    bot.api.fail("sendMessage", 502, times=50)
    assert await bot.send(user, QUESTION) == []
    for hours in range(1, 11):
        await bot.deliver(later(3600 * hours))  # type: ignore[arg-type]
    assert answers_received(bot, 6) == 0
    bot.api.faults.clear()
    await bot.deliver(later(3600 * 12))  # type: ignore[arg-type]
    assert answers_received(bot, 6) == 1
    sent = await bot.send(user, QUESTION)  # and the bot kept working meanwhile
    assert [p["text"] for p in sent] == expected_answer(bot)


@pytest.mark.parametrize(
    ("language_code", "text", "lang"),
    [
        ("zh-hans", "12308", "zh-Hans"),
        ("en", "12308", "en"),
        ("zh-hant", "12308", "zh-Hant"),
    ],
)
async def test_a_handler_that_keeps_failing_ends_in_one_polite_apology(
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
    user = make_user(7, language_code=language_code)
    with caplog.at_level(logging.WARNING, logger="bot.messaging.pipeline"):
        await bot.send(user, text)
        for _ in range(intake.MAX_ATTEMPTS - 1):
            time_passes(bot)
            await bot.feed(bot.updates.message(user, "/help"))  # another update wakes the processor
    assert bot.api.texts(7).count(t("error", lang)) == 1
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None and isinstance(errors[0].exc_info[1], RuntimeError)
    assert text not in caplog.text  # the person's words stay out of the log


async def test_a_double_tapped_menu_button_does_not_apologise(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user(8)
    await bot.send(user, "/faq")
    menu = bot.api.messages(8)[-1]
    await bot.press(user, "c:documents", menu)
    # The second tap asks for the very same edit; Telegram refuses it as a no-op.
    bot.api.fail("editMessageText", 400, NOT_MODIFIED)
    with caplog.at_level(logging.WARNING):
        calls = await bot.press(user, "c:documents", menu)
    assert t("error", "zh-Hans") not in [c.params.get("text") for c in calls if c.method == "sendMessage"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
