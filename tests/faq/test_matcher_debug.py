"""`FaqIndex.explain` and `qiaobot chat --debug`: the candidates, their features and why the band."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.chat import run_chat
from bot.config import load_settings
from bot.content.live import LiveFaq
from bot.faq.matcher import FEATURES, FaqIndex
from tests.conftest import FAQ_DIR


@pytest.fixture(scope="module")
def index(live_faq: LiveFaq) -> FaqIndex:
    return live_faq.current.index


def test_explanation_agrees_with_the_match_and_shows_features(index: FaqIndex) -> None:
    for query in ("护照丢了怎么办", "my bank card expired", "今天天气怎么样", "护照过其了"):
        explanation = index.explain(query)
        assert explanation.result == index.match(query)
        text = explanation.render()
        assert f"band: {explanation.result.band} — {explanation.reason}" in text
        if explanation.candidates:
            assert all(name in text for name in FEATURES)
            assert explanation.candidates[0].id in text
            probabilities = [c.probability for c in explanation.candidates]
            assert probabilities == sorted(probabilities, reverse=True)


def test_explanation_names_the_spelling_correction(index: FaqIndex) -> None:
    explanation = index.explain("pasport stolen")
    assert ("pasport", "passport") in explanation.corrections
    assert "pasport → passport" in explanation.render()


def test_an_exact_phrasing_is_answered_and_says_so(index: FaqIndex) -> None:
    explanation = index.explain("护照丢了怎么办？")
    assert explanation.result.match is not None and explanation.result.match.id == "lost-passport"
    assert "one of lost-passport's phrasings" in explanation.reason


def test_nothing_to_match_is_explained(index: FaqIndex) -> None:
    explanation = index.explain("😀")
    assert explanation.candidates == () and explanation.result.band == "unanswered"
    assert "no word of the question is in the FAQ" in explanation.render()


async def test_chat_debug_prints_the_explanation_under_each_free_text_reply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'chat.db'}", faq_dir=FAQ_DIR)
    lines = iter(["/start", "我的护照丢了", "谢谢", "1"])

    def read(_prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    assert await run_chat(settings, "zh-Hans", read, debug=True) == 0
    out = capsys.readouterr().out
    assert out.count("· query: ") == 1  # the question only: not /start, not a button number
    assert "· query: '我的护照丢了'" in out and "· band: answered" in out and "lost-passport" in out
    assert "· small talk" in out


async def test_chat_without_debug_prints_no_explanation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'chat.db'}", faq_dir=FAQ_DIR)
    lines = iter(["我的护照丢了"])

    def read(_prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    assert await run_chat(settings, "zh-Hans", read) == 0
    assert "· query" not in capsys.readouterr().out
