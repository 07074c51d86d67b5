"""The evaluation of the matcher: reading labelled sets, outcomes, languages, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.faq.evaluation import Case, EvalSetError, detect_language, evaluate, load_cases, outcome, parse_cases
from bot.faq.matcher import MatchResult, Scored

ROOT = Path(__file__).resolve().parents[2]


def test_items_are_strings_or_mappings_and_none_holds_off_topic() -> None:
    cases = parse_cases(
        {"lost": ["护照丢了", {"q": "pasport gone", "style": "typo"}], "none": ["hello", 123456]},
        source="set.yaml",
        known_ids={"lost"},
    )
    assert cases == [
        Case("护照丢了", "lost", "plain"),
        Case("pasport gone", "lost", "typo"),
        Case("hello", None, "plain"),
        Case("123456", None, "plain"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"nope": ["x"]}, "set.yaml: unknown entry id 'nope'"),
        (["x"], "set.yaml: expected a mapping"),
        ({"lost": "x"}, "set.yaml: lost: expected a list"),
        ({"lost": [{"q": "x", "lang": "en"}]}, "unknown key(s) ['lang']"),
        ({"lost": [{"question": "x"}]}, "an item is a string or"),
        ({"lost": ["  "]}, "empty question"),
    ],
)
def test_bad_sets_are_errors_that_name_the_file(data: object, message: str) -> None:
    with pytest.raises(EvalSetError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        parse_cases(data, source="set.yaml", known_ids={"lost"})


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("护照丢了怎么办", "zh-Hans"),
        ("護照不見了", "zh-Hant"),
        ("身分證到期", "zh-Hant"),
        ("lost my passport", "en"),
        ("12308", "en"),
        ("我的passport过期了", "mixed"),
        ("PR 可以回国吗", "mixed"),
    ],
)
def test_language_is_detected_from_the_text(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def _result(match: str | None, *suggested: str) -> MatchResult:
    return MatchResult("q", Scored(match, 80) if match else None, tuple(Scored(s, 40) for s in suggested))


def test_outcomes() -> None:
    case = Case("q", "lost")
    assert outcome(case, _result("lost")) == "correct"
    assert outcome(case, _result("renew", "lost")) == "wrong"
    assert outcome(case, _result(None, "renew", "lost")) == "suggested"
    assert outcome(case, _result(None, "renew")) == "nothing"
    assert outcome(case, _result(None)) == "nothing"
    off = Case("hello", None)
    assert outcome(off, _result("lost")) == "wrong"
    assert outcome(off, _result(None, "lost")) == "suggested"
    assert outcome(off, _result(None)) == "nothing"


def test_report_counts_percentages_groups_and_wrong_answers() -> None:
    answers = {
        "a1": _result("a"),
        "a2": _result("b"),
        "a3": _result(None, "a"),
        "a4": _result(None),
        "off": _result("a"),
    }
    cases = [Case("a1", "a"), Case("a2", "a", "typo"), Case("a3", "a"), Case("a4", "a"), Case("off", None)]
    report = evaluate(cases, lambda q: answers[q])
    assert report.in_scope.total == 4
    assert [report.in_scope.counts[k] for k in ("correct", "wrong", "suggested", "nothing")] == [1, 1, 1, 1]
    assert report.offered_pct == 50.0
    assert (report.offtopic_total, report.offtopic_answered, report.offtopic_answered_pct) == (1, 1, 100.0)
    assert set(report.by_style) == {"plain", "typo"}
    assert report.by_style["typo"].counts["wrong"] == 1
    assert [(m.query, m.expected, m.answered) for m in report.wrong] == [("a2", "a", "b"), ("off", None, "a")]
    data = report.as_json()
    assert data["in_scope"]["correct_pct"] == 25.0
    assert data["offtopic"]["answered_pct"] == 100.0
    assert data["by_language"]["en"]["total"] == 4
    text = report.render()
    assert "answered correctly" in text and "'a2': expected a, answered b" in text


def test_cli_eval_prints_figures_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labelled = tmp_path / "set.yaml"
    labelled.write_text(
        "lost-passport: [护照丢了怎么办, {q: passport stolen abroad, style: en}]\nnone: [红烧肉怎么做]\n"
    )
    assert main(["faq", "eval", str(labelled), "--faq-dir", str(ROOT / "faq")]) == 0
    assert "in-scope questions: 2" in capsys.readouterr().out
    assert main(["faq", "eval", str(labelled), "--json", "--faq-dir", str(ROOT / "faq")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["in_scope"]["total"] == 2 and data["offtopic"]["total"] == 1


def test_cli_eval_names_the_file_and_an_unknown_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labelled = tmp_path / "set.yaml"
    labelled.write_text("no-such-entry: [护照丢了怎么办]\n")
    assert main(["faq", "eval", str(labelled), "--faq-dir", str(ROOT / "faq")]) == 2
    err = capsys.readouterr().err
    assert str(labelled) in err and "no-such-entry" in err


def test_the_old_development_set_reads() -> None:
    cases = load_cases(ROOT / "tests" / "data" / "faq_eval.yaml")
    assert len([c for c in cases if c.expected]) >= 150
    assert len([c for c in cases if c.expected is None]) >= 40
