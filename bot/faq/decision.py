"""The three bands: the fitted models, the result types, and why a band was chosen.

Each candidate entry comes with ``FEATURES`` (computed by :mod:`bot.faq.matcher`):

- ``cos``: TF-IDF cosine with its closest phrasing;
- ``cov``: the share of the query's information found anywhere in the entry's bag;
- ``covered``: the share of the query's words found in that closest phrasing;
- ``fuzz``: a rapidfuzz ratio between the content words of the query and of that phrasing;
- ``keyword``: hits of the entry's keywords in the query;
- ``cos_gap`` and ``cov_gap``: how far ahead of (or behind) the best other entry it is;
- ``known``: the share of the query the FAQ has any word for at all (low for off-topic chatter);
- ``recall``: the most of one phrasing found in the query (a bank card is not an ID card: the
  phrasing's 身份证 is missing however much else matches);
- ``size``: how much the query says (a few words, or a long story), 0–1;
- ``abroad``: 1 when the query names a place or nationality abroad and nothing Chinese (a Japanese
  passport, Australian citizenship: foreign systems the FAQ does not cover), else 0;
- ``topic``: how distinctive the most distinctive concept of the query that the entry has is (驾照
  is in one entry, 护照 in many: inverse entry frequency, 0–1);
- ``other_topic``: the same for the query's concepts the entry lacks (a question about a 驾照 is not
  about a 护照, however much else it shares with passport renewal; one about a phone, which no
  entry has, is about none of them);
- ``core_gap``: how much of the entry's central concept the query lacks — the share of the entry's
  phrasings with its most frequent concept, less the share with the query's best one (a question
  about booking a hotel is not about using a passport as ID, though that entry mentions hotels:
  nearly all its phrasings have 护照 or 身份证, the question neither).

Two logistic models (``matcher_model.json``, fitted by ``tests/bench/fit_decision.py`` on the
development questions only) turn them into probabilities: the ranker, that an entry is the one
asked about (a suggestion's score is that × 100); the answerer, that answering the best entry is
right (a match's score is that × 100). The band follows from thresholds fitted the same way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FEATURES: tuple[str, ...] = (
    "cos",
    "cov",
    "covered",
    "fuzz",
    "keyword",
    "cos_gap",
    "cov_gap",
    "known",
    "recall",
    "size",
    "abroad",
    "topic",
    "other_topic",
    "core_gap",
)
ANSWER_FEATURES: tuple[str, ...] = ("p", "lead", *FEATURES)
MODEL_PATH = Path(__file__).with_name("matcher_model.json")
MAX_SUGGESTIONS = 3
EXACT = 0.999  # a cosine this close to 1: the question is one of the entry's phrasings


@dataclass(frozen=True, slots=True)
class Model:
    """Two logistic models and the thresholds of the three bands.

    The ranker gives each candidate the probability that it is the entry asked about (over
    ``FEATURES``); the answerer gives the probability that the best candidate is right and should be
    answered (over ``ANSWER_FEATURES``: the best candidate's features, its probability and its lead).
    """

    weights: tuple[float, ...]
    bias: float
    answer_weights: tuple[float, ...]
    answer_bias: float
    answer: float  # answer when the answerer's probability is at least this
    suggest: float  # otherwise suggest candidates at least this likely (ranker)…
    close: float  # …and within this of the best one

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Model:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES or tuple(data["answer_features"]) != ANSWER_FEATURES:
            raise ValueError(f"{path}: fitted on other features than the matcher computes; run fit_decision.py")
        return cls(
            tuple(float(w) for w in data["weights"]),
            float(data["bias"]),
            tuple(float(w) for w in data["answer_weights"]),
            float(data["answer_bias"]),
            float(data["answer"]),
            float(data["suggest"]),
            float(data["close"]),
        )

    def probability(self, x: Sequence[float]) -> float:
        return _sigmoid(self.bias + sum(w * v for w, v in zip(self.weights, x, strict=True)))

    def confidence(self, ranked: Sequence[Candidate]) -> float:
        """The probability that the best candidate is the right answer."""
        if not ranked:
            return 0.0
        return _sigmoid(
            self.answer_bias + sum(w * v for w, v in zip(self.answer_weights, answer_features(ranked), strict=True))
        )


def answer_features(ranked: Sequence[Candidate]) -> tuple[float, ...]:
    """``ANSWER_FEATURES`` of a ranked candidate list (best first, not empty)."""
    top = ranked[0]
    p2 = ranked[1].probability if len(ranked) > 1 else 0.0
    return (top.probability, top.probability - p2, *top.x)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


MODEL = Model.load()
CONFIDENT = round(100 * MODEL.answer)  # a match's score is the answerer's confidence × 100
SUGGEST = round(100 * MODEL.suggest)  # a suggestion's score is the ranker's probability × 100


@dataclass(frozen=True, slots=True)
class Scored:
    id: str
    score: int


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What the matcher made of one query: a confident match, suggestions, or nothing."""

    query: str
    match: Scored | None
    suggestions: tuple[Scored, ...] = ()

    @property
    def band(self) -> str:
        if self.match is not None:
            return "answered"
        return "suggested" if self.suggestions else "unanswered"

    def as_json(self) -> dict[str, object]:
        return {
            "query": self.query,
            "match": None if self.match is None else {"id": self.match.id, "score": self.match.score},
            "suggestions": [{"id": s.id, "score": s.score} for s in self.suggestions],
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """One entry considered for a query, with its features (in ``FEATURES`` order) and probability."""

    entry: int
    id: str
    x: tuple[float, ...]
    probability: float
    phrasing: str  # the closest phrasing's content words (for explanations)

    @property
    def score(self) -> int:
        return round(100 * self.probability)


@dataclass(frozen=True)
class Explanation:
    """Why the matcher chose a band for a query: what ``qiaobot chat --debug`` prints."""

    query: str
    normalized: str
    corrections: tuple[tuple[str, str], ...]
    candidates: tuple[Candidate, ...]
    result: MatchResult
    reason: str

    def render(self, *, limit: int = 5) -> str:
        lines = [f"query: {self.normalized!r}"]
        if self.corrections:
            lines.append("spelling: " + ", ".join(f"{a} → {b}" for a, b in self.corrections))
        widths = [max(9, len(name) + 1) for name in FEATURES]  # other_topic needs more than 9
        header = "".join(f"{name:>{w}}" for name, w in zip(FEATURES, widths, strict=True))
        lines.append(f"  {'entry':<28}{'p':>5}{header}")
        for c in self.candidates[:limit]:
            values = "".join(f"{v:>{w}.2f}" for v, w in zip(c.x, widths, strict=True))
            lines.append(f"  {c.id[:28]:<28}{c.score:>5}{values}")
        lines.append(f"band: {self.result.band} — {self.reason}")
        return "\n".join(lines)


def decide(query: str, ranked: Sequence[Candidate], model: Model = MODEL) -> tuple[MatchResult, str]:
    """The three bands, from the fitted models and thresholds, with the reason in words.

    - answered: the question is one of the entry's phrasings (after normalisation), or the answerer is
      confident enough (``answer``) that the best entry is right;
    - suggested: up to three entries that are likely enough (``suggest``) and close to the best
      (``close``);
    - unanswered: nothing likely enough.
    """
    if not ranked:
        return MatchResult(query, None), "no word of the question is in the FAQ"
    top = ranked[0]
    if top.x[0] >= EXACT:
        return MatchResult(query, Scored(top.id, 100)), f"the question is one of {top.id}'s phrasings"
    confidence = model.confidence(ranked)
    if confidence >= model.answer:
        reason = f"confidence {confidence:.2f} ≥ {model.answer:.2f} that {top.id} is right"
        return MatchResult(query, Scored(top.id, round(100 * confidence))), reason
    offered = tuple(
        Scored(c.id, c.score)
        for c in ranked[:MAX_SUGGESTIONS]
        if c.probability >= model.suggest and top.probability - c.probability <= model.close
    )
    why = f"confidence {confidence:.2f} < {model.answer:.2f}"
    if offered:
        return MatchResult(query, None, offered), f"{why}; suggest p ≥ {model.suggest:.2f} within {model.close:.2f}"
    return MatchResult(query, None), f"{why}; no entry has p ≥ {model.suggest:.2f}"
