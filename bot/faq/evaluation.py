"""Evaluating the FAQ matcher on a labelled set of questions, as users would feel it.

A set is a YAML mapping of entry id → list of items. An item is a question (style ``plain``) or
``{q: "…", style: "…"}``. The key ``none`` holds messages that must get no answer (off-topic, or
look-alike questions the FAQ does not cover). For each in-scope question the outcome is one of:

- ``correct``: the right entry answered;
- ``wrong``: another entry answered (the worst case: a confident wrong answer);
- ``suggested``: no answer, the right entry among the suggestion buttons;
- ``nothing``: no answer and the right entry not offered.

Off-topic messages are ``answered`` (bad), ``suggested`` (noise) or ``nothing`` (right).
The language of each question is detected from its text: zh-Hans, zh-Hant, en or mixed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.faq.matcher import MatchResult
from bot.faq.smalltalk import classify
from bot.text.script import has_cjk, looks_traditional

NONE_KEY = "none"
PLAIN = "plain"
Outcome = Literal["correct", "wrong", "suggested", "nothing"]
OUTCOMES: tuple[Outcome, ...] = ("correct", "wrong", "suggested", "nothing")
EvalLang = Literal["zh-Hans", "zh-Hant", "en", "mixed"]
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class EvalSetError(ValueError):
    """A labelled set that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled question: ``expected`` is an entry id, or None for "must get no answer"."""

    query: str
    expected: str | None
    style: str = PLAIN

    @property
    def language(self) -> EvalLang:
        return detect_language(self.query)


def detect_language(text: str) -> EvalLang:
    """zh-Hans / zh-Hant for Chinese, en for no Chinese, mixed for Chinese with Latin words."""
    if not has_cjk(text):
        return "en"
    if _LATIN_WORD.search(text):
        return "mixed"
    return "zh-Hant" if looks_traditional(text) else "zh-Hans"


def parse_cases(data: object, *, source: str, known_ids: Iterable[str] | None = None) -> list[Case]:
    """Cases from a loaded YAML document; ``source`` names the file in error messages."""
    if not isinstance(data, Mapping):
        raise EvalSetError(f"{source}: expected a mapping of entry id to a list of questions")
    known = None if known_ids is None else set(known_ids)
    cases: list[Case] = []
    for key, items in data.items():
        eid = str(key)
        if known is not None and eid != NONE_KEY and eid not in known:
            raise EvalSetError(f"{source}: unknown entry id {eid!r} (not in the FAQ)")
        if not isinstance(items, list):
            raise EvalSetError(f"{source}: {eid}: expected a list of questions")
        for item in items:
            cases.append(_case(item, None if eid == NONE_KEY else eid, source=source))
    return cases


def _case(item: object, expected: str | None, *, source: str) -> Case:
    label = expected or NONE_KEY
    if isinstance(item, str | int | float) and not isinstance(item, bool):
        query, style = str(item), PLAIN
    elif isinstance(item, Mapping) and "q" in item:
        query, style = str(item["q"]), str(item.get("style") or PLAIN)
        extra = set(item) - {"q", "style"}
        if extra:
            raise EvalSetError(f"{source}: {label}: unknown key(s) {sorted(extra)} in {dict(item)!r}")
    else:
        raise EvalSetError(f"{source}: {label}: an item is a string or {{q: ..., style: ...}}, not {item!r}")
    if not query.strip():
        raise EvalSetError(f"{source}: {label}: empty question")
    return Case(query, expected, style)


def load_cases(path: Path, *, known_ids: Iterable[str] | None = None) -> list[Case]:
    """Read a labelled YAML set; unknown entry ids (when ``known_ids`` is given) are an error."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise EvalSetError(f"{path}: cannot read: {exc}") from exc
    return parse_cases(data, source=str(path), known_ids=known_ids)


def outcome(case: Case, result: MatchResult) -> Outcome:
    """What the user got for one question (see the module docstring)."""
    if result.match is not None:
        return "correct" if case.expected is not None and result.match.id == case.expected else "wrong"
    if case.expected is not None and any(s.id == case.expected for s in result.suggestions):
        return "suggested"
    if case.expected is None and result.suggestions:
        return "suggested"
    return "nothing"


@dataclass
class Tally:
    """Counts of outcomes for one group of in-scope questions."""

    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def pct(self, key: str) -> float:
        return 100.0 * self.counts[key] / self.total if self.total else 0.0

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"total": self.total}
        for key in OUTCOMES:
            out[key] = self.counts[key]
            out[f"{key}_pct"] = round(self.pct(key), 1)
        out["offered_pct"] = round(self.pct("correct") + self.pct("suggested"), 1)
        return out


@dataclass(frozen=True, slots=True)
class Miss:
    """A question answered with the wrong entry."""

    query: str
    expected: str | None
    answered: str
    score: int
    style: str
    language: EvalLang


@dataclass
class Report:
    """Everything ``qiaobot faq eval`` prints."""

    in_scope: Tally = field(default_factory=Tally)
    by_style: dict[str, Tally] = field(default_factory=dict)
    by_language: dict[str, Tally] = field(default_factory=dict)
    offtopic_total: int = 0
    offtopic_answered: int = 0
    offtopic_suggested: int = 0
    wrong: list[Miss] = field(default_factory=list)

    def add(self, case: Case, result: MatchResult) -> Outcome:
        got = outcome(case, result)
        if result.match is not None and got == "wrong":
            self.wrong.append(
                Miss(case.query, case.expected, result.match.id, result.match.score, case.style, case.language)
            )
        if case.expected is None:
            self.offtopic_total += 1
            self.offtopic_answered += got == "wrong"
            self.offtopic_suggested += got == "suggested"
            return got
        self.in_scope.counts[got] += 1
        self.by_style.setdefault(case.style, Tally()).counts[got] += 1
        self.by_language.setdefault(case.language, Tally()).counts[got] += 1
        return got

    def pct(self, key: str) -> float:
        return self.in_scope.pct(key)

    @property
    def offered_pct(self) -> float:
        """The right entry answered or among the suggestions, in % of in-scope questions."""
        return self.pct("correct") + self.pct("suggested")

    @property
    def offtopic_answered_pct(self) -> float:
        return 100.0 * self.offtopic_answered / self.offtopic_total if self.offtopic_total else 0.0

    @property
    def offtopic_suggested_pct(self) -> float:
        return 100.0 * self.offtopic_suggested / self.offtopic_total if self.offtopic_total else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "in_scope": self.in_scope.as_json(),
            "offtopic": {
                "total": self.offtopic_total,
                "answered": self.offtopic_answered,
                "answered_pct": round(self.offtopic_answered_pct, 1),
                "suggested": self.offtopic_suggested,
                "suggested_pct": round(self.offtopic_suggested_pct, 1),
            },
            "by_style": {k: v.as_json() for k, v in sorted(self.by_style.items())},
            "by_language": {k: v.as_json() for k, v in sorted(self.by_language.items())},
            "wrong": [
                {
                    "query": m.query,
                    "expected": m.expected,
                    "answered": m.answered,
                    "score": m.score,
                    "style": m.style,
                    "language": m.language,
                }
                for m in self.wrong
            ],
        }

    def render(self) -> str:
        """A plain-text report for a terminal."""
        t = self.in_scope
        lines = [f"in-scope questions: {t.total}"]
        labels = {
            "correct": "answered correctly",
            "wrong": "answered wrongly",
            "suggested": "right entry only suggested",
            "nothing": "nothing (right entry not offered)",
        }
        for key in OUTCOMES:
            lines.append(f"  {labels[key]:<36}{t.counts[key]:>5}  {t.pct(key):5.1f} %")
        lines.append(f"  {'answered or suggested (right entry)':<36}{'':>5}  {self.offered_pct:5.1f} %")
        lines.append(f"off-topic (none): {self.offtopic_total}")
        lines.append(f"  {'answered':<36}{self.offtopic_answered:>5}  {self.offtopic_answered_pct:5.1f} %")
        lines.append(f"  {'suggested':<36}{self.offtopic_suggested:>5}  {self.offtopic_suggested_pct:5.1f} %")
        for title, groups in (("style", self.by_style), ("language", self.by_language)):
            lines.append("")
            lines.append(f"{'by ' + title:<14}{'n':>5}{'correct':>9}{'wrong':>8}{'sugg.':>8}{'nothing':>9}")
            for name, tally in sorted(groups.items()):
                lines.append(
                    f"  {name:<12}{tally.total:>5}"
                    + "".join(f"{tally.pct(k):>{w}.1f}" for k, w in zip(OUTCOMES, (9, 8, 8, 9), strict=True))
                )
        lines.append("")
        lines.append(f"wrong answers: {len(self.wrong)}")
        for m in self.wrong:
            lines.append(f"  {m.query!r}: expected {m.expected or NONE_KEY}, answered {m.answered} ({m.score})")
        return "\n".join(lines)


def as_the_bot_answers(match: Callable[[str], MatchResult]) -> Callable[[str], MatchResult]:
    """``match`` behind the small-talk check, as the bot's question handler does: a greeting or a
    thanks gets a friendly word, never an FAQ answer or suggestions."""

    def answer(query: str) -> MatchResult:
        return MatchResult(query.strip(), None) if classify(query) is not None else match(query)

    return answer


def evaluate(cases: Sequence[Case], match: Callable[[str], MatchResult]) -> Report:
    """Run every case through ``match`` (e.g. ``as_the_bot_answers(index.match)``) and tally the outcomes."""
    report = Report()
    for case in cases:
        report.add(case, match(case.query))
    return report
