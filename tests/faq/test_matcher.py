"""The matcher on the real faq/: own phrasings, held-out paraphrases, off-topic chatter, bands."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.live import LiveFaq
from bot.faq.entries import FaqEntry, Localized
from bot.faq.evaluation import load_cases
from bot.faq.matcher import CONFIDENT, SUGGEST, FaqIndex, MatchResult
from bot.text.script import to_traditional

EVAL = load_cases(Path(__file__).resolve().parents[1] / "data" / "faq_eval.yaml")
REQUIRED = {
    "passport-renewal",
    "lost-passport",
    "visa-ethnic-chinese",
    "permanent-residence",
    "overseas-chinese-status",
    "returnee-relative-status",
    "return-settlement",
    "id-card",
    "children-education",
    "university-admission",
    "chinese-language-learning",
    "youth-camp",
    "root-seeking",
    "join-association",
    "report-difficulty",
    "consular-protection",
    "legal-aid",
    "property-rights",
    "inheritance",
    "notarization",
    "investment",
    "donation",
    "pension-social-insurance",
    "marriage-registration",
    "home-for-overseas-chinese",
    "contact-federation",
}


@pytest.fixture(scope="module")
def index(live_faq: LiveFaq) -> FaqIndex:
    return live_faq.current.index


def test_the_shipped_faq_has_every_required_entry(live_faq: LiveFaq) -> None:
    missing = REQUIRED - set(live_faq.current.faq.by_id)
    assert missing == set()


def test_every_entry_answers_its_own_phrasings_in_both_scripts(live_faq: LiveFaq, index: FaqIndex) -> None:
    failures = []
    for entry in live_faq.current.faq.entries:
        for lang, phrasings in entry.questions.items():
            for phrasing in phrasings:
                variants = [phrasing, to_traditional(phrasing)] if lang == "zh" else [phrasing, phrasing.upper()]
                for text in variants:
                    result = index.match(text)
                    if result.match is None or result.match.id != entry.id:
                        failures.append((entry.id, text, result.match, result.suggestions[:2]))
    assert failures == []


OFFTOPIC = [c.query for c in EVAL if c.expected is None and c.style == "plain"]
LOOKALIKE = [c.query for c in EVAL if c.expected is None and c.style == "lookalike"]


@pytest.mark.parametrize("query", LOOKALIKE)
def test_look_alike_questions_about_other_things_get_no_answer(index: FaqIndex, query: str) -> None:
    """A bank card, a car or a visa expiring in China share words with FAQ entries, but are not them."""
    assert index.match(query).match is None


@pytest.mark.parametrize("query", OFFTOPIC)
def test_off_topic_messages_get_no_answer(index: FaqIndex, query: str) -> None:
    assert index.match(query).match is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("护照丢了怎么办", "lost-passport"),
        ("護照不見了", "lost-passport"),
        ("my passport was stolen", "lost-passport"),
        ("pasport stolen", "lost-passport"),
        ("PASSPORT EXPIRED", "passport-renewal"),
        ("怎么加入当地的华人社团", "join-association"),
        ("12308", "consular-protection"),
    ],
)
def test_typical_questions(index: FaqIndex, query: str, expected: str) -> None:
    ranked = index.rank(query)
    assert ranked and ranked[0].id == expected, ranked


def test_empty_and_punctuation_only_queries(index: FaqIndex) -> None:
    for query in ("", "   ", "？？？", "!!!", "😀😀"):
        assert index.match(query) == MatchResult(query.strip(), None)


def test_huge_query_is_bounded_and_still_matches(index: FaqIndex) -> None:
    result = index.match("护照丢了怎么办 " + "啊" * 12_000)
    assert result.query.startswith("护照丢了")
    assert result.match is not None or result.suggestions


def _entry(eid: str, zh: list[str], en: list[str], keywords: tuple[str, ...] = ()) -> FaqEntry:
    return FaqEntry(eid, "c", {"zh": tuple(zh), "en": tuple(en)}, Localized("答", "A"), {"zh": keywords, "en": ()})


def test_bands_on_a_small_faq() -> None:
    index = FaqIndex.build(
        [
            _entry("renew", ["护照过期了怎么换"], ["renew my passport"]),
            _entry("lost", ["护照丢了怎么办"], ["lost my passport"]),
            _entry("school", ["孩子回国上学"], ["child school in china"]),
        ]
    )
    exact = index.match("护照丢了怎么办")
    assert exact.band == "answered" and exact.match is not None and exact.match.id == "lost"
    assert exact.match.score >= CONFIDENT
    vague = index.match("passport")
    assert vague.band == "suggested"
    assert {s.id for s in vague.suggestions} == {"renew", "lost"}
    assert all(s.score >= SUGGEST for s in vague.suggestions)
    assert index.match("weather in paris tomorrow").band == "unanswered"


def test_keywords_break_ties() -> None:
    index = FaqIndex.build(
        [_entry("a", ["证件问题"], ["documents"], ("旅行证",)), _entry("b", ["证件办理"], ["papers"])]
    )
    assert index.rank("旅行证")[0].id == "a"


def test_json_shape() -> None:
    index = FaqIndex.build([_entry("lost", ["护照丢了怎么办"], ["lost my passport"])])
    data = index.match("lost my passport").as_json()
    assert data["query"] == "lost my passport"
    assert data["match"] == {"id": "lost", "score": data["match"]["score"]}  # type: ignore[index]
    assert data["suggestions"] == []
