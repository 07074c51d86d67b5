"""The matcher on the labelled evaluation sets: the figures reached stay reached.

``tests/data/eval/dev.yaml``, ``dev2.yaml`` (the held-out part until December 2026, no longer blind) and
the older ``faq_eval.yaml`` are what ``tests/bench/fit_decision.py`` fits the decision model on;
``tests/data/eval/heldout.yaml`` (written blind in December 2026) is measured once a model is fixed.
The matcher is deterministic, so these are regression bounds at (a little under) the figures reached,
not timing tests. If a change moves them, look at ``qiaobot faq eval FILE`` before moving a bound.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.live import LiveFaq
from bot.faq.evaluation import Report, as_the_bot_answers, evaluate, load_cases

DATA = Path(__file__).resolve().parents[1] / "data"

# (set, min % answered correctly, max % answered wrongly, min % right entry answered or suggested,
#  max % off-topic answered)
# Reached: dev 75.6 / 0.7 / 97.8 / 3.6; dev2 76.5 / 2.2 / 94.0 / 2.7; faq_eval 82.7 / 0.6 / 97.2 / 0.0;
# held-out 74.0 / 3.5 / 93.0 / 6.7 (issue 10's targets, not met: ≥ 90 / ≤ 2 / ≥ 98 / ≤ 3).
BOUNDS = [
    ("eval/dev.yaml", 75.5, 1.0, 97.5, 4.0),
    ("eval/dev2.yaml", 76.0, 2.5, 93.5, 3.0),
    ("faq_eval.yaml", 82.5, 1.0, 97.0, 1.0),
    ("eval/heldout.yaml", 73.5, 3.6, 92.5, 7.0),
]


@pytest.fixture(scope="module")
def reports(live_faq: LiveFaq) -> dict[str, Report]:
    snapshot = live_faq.current
    match = as_the_bot_answers(snapshot.index.match)
    return {name: evaluate(load_cases(DATA / name, known_ids=snapshot.faq.by_id), match) for name, *_ in BOUNDS}


@pytest.mark.parametrize(("name", "correct", "wrong", "offered", "offtopic"), BOUNDS)
def test_figures_stay_at_least_where_they_were(
    reports: dict[str, Report], name: str, correct: float, wrong: float, offered: float, offtopic: float
) -> None:
    report = reports[name]
    print(f"\n{name}:\n{report.render()}")
    assert report.in_scope.total >= 150 and report.offtopic_total >= 40
    assert report.pct("correct") >= correct
    assert report.pct("wrong") <= wrong
    assert report.offered_pct >= offered
    assert report.offtopic_answered_pct <= offtopic


def test_every_style_and_language_is_measured(reports: dict[str, Report]) -> None:
    dev = reports["eval/dev.yaml"]
    assert {"plain", "colloquial", "typo", "keyword", "story", "regional", "non-native", "mixed"} <= set(dev.by_style)
    assert set(dev.by_language) == {"zh-Hans", "zh-Hant", "en", "mixed"}
    for tally in dev.by_language.values():  # no language left behind
        assert tally.pct("correct") >= 50.0 and tally.pct("wrong") <= 5.0
