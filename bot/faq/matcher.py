"""FAQ matching: an inverted index over normalised features, reranked with rapidfuzz.

The index is built once per loaded FAQ. A query touches only the postings of its own features
(very common features are skipped while gathering candidates), then a handful of candidate
phrasings are scored exactly: TF-IDF cosine blended with a rapidfuzz ratio on content words,
plus a bonus for the entry's keywords. Scores are 0–100 and fall into three bands.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.faq.entries import CONTENT_LANGS, FaqEntry
from bot.text.normalize import features, normalize, words

CONFIDENT = 50
SUGGEST = 34
AMBIGUOUS_MARGIN = 12
MAX_SUGGESTIONS = 3
_CANDIDATES = 24
# Features in more than this share of phrasings (or 64, for small FAQs) are too common to gather
# candidates from; they still count in the exact score of every candidate.
_COMMON_DF = 0.005
_KEYWORD_BONUS = 12.0
ANSWER_WEIGHT = 0.5
W_PHRASING = 0.6
W_COVERAGE = 0.45
W_FUZZ = 0.1
MIN_INFORMATION = 0.8
MIN_COVERED = 0.7
SUGGEST_ALONE = 25
DOMINANCE = 1.6


@dataclass(frozen=True, slots=True)
class Scored:
    id: str
    score: int
    # Share of the query's information found in the entry's closest phrasing (0–1): a confident
    # answer needs most of what was asked to be in one way of asking it, not one shared word.
    covered: float = field(default=1.0, compare=False)


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


@dataclass(slots=True)
class _Doc:
    entry: int
    vector: dict[str, float]
    content: str


@dataclass
class FaqIndex:
    """Inverted indexes over every phrasing and over each entry's whole vocabulary."""

    entry_ids: list[str]
    docs: list[_Doc]
    postings: dict[str, list[tuple[int, float]]]
    bags: dict[str, list[tuple[int, float]]]
    idf: dict[str, float]
    unknown_idf: float
    keywords: list[tuple[str, ...]]
    skip: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def build(cls, entries: Sequence[FaqEntry]) -> FaqIndex:
        raw: list[tuple[int, dict[str, float], str]] = []
        keywords: list[tuple[str, ...]] = []
        bag_sets: list[dict[str, float]] = []
        for idx, entry in enumerate(entries):
            bag: dict[str, float] = {}
            for lang in CONTENT_LANGS:
                bag.update(dict.fromkeys(features(normalize(entry.answer.get(lang), limit=4000)), ANSWER_WEIGHT))
            for lang in CONTENT_LANGS:
                for phrasing in entry.questions.get(lang, ()):
                    norm = normalize(phrasing)
                    feats = features(norm)
                    raw.append((idx, feats, " ".join(words(norm))))
                    bag.update(dict.fromkeys(feats, 1.0))
            kws = tuple(
                dict.fromkeys(
                    k for lang in CONTENT_LANGS for kw in entry.keywords.get(lang, ()) if (k := normalize(kw))
                )
            )
            for kw in kws:
                bag.update(dict.fromkeys(features(kw), 1.0))
            keywords.append(kws)
            bag_sets.append(bag)
        df: dict[str, int] = {}
        for _, feats, _ in raw:
            for f in feats:
                df[f] = df.get(f, 0) + 1
        n = max(len(raw), 1)
        idf = {f: math.log(1 + n / c) for f, c in df.items()}
        unknown_idf = math.log(1 + n / 0.5)
        docs: list[_Doc] = []
        postings: dict[str, list[tuple[int, float]]] = {}
        for doc_id, (entry_idx, feats, content) in enumerate(raw):
            vec = _weigh(feats, idf, unknown_idf)
            docs.append(_Doc(entry_idx, vec, content))
            for f, w in vec.items():
                postings.setdefault(f, []).append((doc_id, w))
        bags: dict[str, list[tuple[int, float]]] = {}
        for entry_idx, bag in enumerate(bag_sets):
            for f, b in bag.items():
                bags.setdefault(f, []).append((entry_idx, b))
        limit = max(64, int(_COMMON_DF * n))
        skip = frozenset(f for f, c in df.items() if c > limit)
        skip |= frozenset(f for f, p in bags.items() if len(p) > max(64, int(_COMMON_DF * len(entries))))
        return cls([e.id for e in entries], docs, postings, bags, idf, unknown_idf, keywords, skip)

    def match(self, query: str) -> MatchResult:
        """Score a user's text against the FAQ and decide the band."""
        return decide(query.strip(), self.rank(query))

    def rank(self, query: str, *, limit: int = 5) -> list[Scored]:
        """Entries ranked by score (best first), at most ``limit``, with scores 0–100.

        An entry's score blends how close the query is to its best phrasing (TF-IDF cosine, and
        a rapidfuzz ratio on content words) with how much of the query the entry's whole
        vocabulary covers (phrasings, keywords and, weighted lower, the answer).
        """
        norm = normalize(query)
        raw = _tfidf(features(norm), self.idf, self.unknown_idf)
        qvec = _unit(raw)
        if not qvec:
            return []
        acc = self._gather(self.postings, qvec, common=False) or self._gather(self.postings, qvec, common=True)
        # Coverage is measured against at least a "minimal question's" worth of information, so a
        # lone common word (在吗, hello) cannot cover anything much.
        mass = max(sum(w * w for w in raw.values()), (MIN_INFORMATION * self.unknown_idf) ** 2)
        coverage = self._gather(self.bags, {f: w / math.sqrt(mass) for f, w in raw.items()}, common=False, squared=True)
        if not acc and not coverage:
            return []
        content = " ".join(words(norm))
        best: dict[int, tuple[float, float, int]] = {}
        for doc_id, _ in heapq.nlargest(_CANDIDATES, acc.items(), key=lambda kv: kv[1]):
            doc = self.docs[doc_id]
            cos = sum(qw * doc.vector.get(f, 0.0) for f, qw in qvec.items())
            if cos > best.get(doc.entry, (0.0, 0.0, -1))[0]:
                ratio = fuzz.WRatio(content, doc.content) / 100.0 if content and doc.content else 0.0
                best[doc.entry] = (cos, ratio, doc_id)
        entries = set(best) | {e for e, _ in heapq.nlargest(_CANDIDATES, coverage.items(), key=lambda kv: kv[1])}
        total = sum(raw.values()) or 1.0
        scored = []
        for e in entries:
            cos, ratio, doc_id = best.get(e, (0.0, 0.0, -1))
            cov = coverage.get(e, 0.0)
            score = 100.0 * (W_PHRASING * cos + W_COVERAGE * cov + W_FUZZ * ratio * min(1.0, 2 * cov))
            score = round(min(100.0, score + self._keyword_bonus(e, norm)))
            vector = self.docs[doc_id].vector if doc_id >= 0 else {}
            covered = sum(w for f, w in raw.items() if f in vector) / total
            scored.append(Scored(self.entry_ids[e], score, covered))
        scored.sort(key=lambda s: -s.score)
        return scored[:limit]

    def _gather(
        self,
        index: dict[str, list[tuple[int, float]]],
        qvec: dict[str, float],
        *,
        common: bool,
        squared: bool = False,
    ) -> dict[int, float]:
        """Accumulate over the postings of the query's rare (or only its common) features."""
        acc: defaultdict[int, float] = defaultdict(float)
        skip = self.skip
        for f, qw in qvec.items():
            if (f in skip) is common:
                weight = qw * qw if squared else qw
                for key, w in index.get(f, ()):
                    acc[key] += weight * w
        return acc

    def _keyword_bonus(self, entry: int, norm: str) -> float:
        hits = sum(1 for kw in self.keywords[entry] if _contains(norm, kw))
        return _KEYWORD_BONUS * min(hits, 2) / 2


def decide(query: str, ranked: list[Scored]) -> MatchResult:
    """The three bands.

    - answered: a high score, clearly ahead of the next entry, and most of the question found in
      one phrasing of the entry;
    - suggested: entries scoring well enough, or one entry far ahead of all others;
    - unanswered: nothing relevant enough.
    """
    if not ranked:
        return MatchResult(query, None)
    top = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0
    if top.score >= CONFIDENT and top.score - runner_up >= AMBIGUOUS_MARGIN and top.covered >= MIN_COVERED:
        return MatchResult(query, top)
    suggestions = [s for s in ranked[:MAX_SUGGESTIONS] if s.score >= SUGGEST]
    if not suggestions and top.score >= SUGGEST_ALONE and top.score >= DOMINANCE * max(runner_up, 1):
        suggestions = [top]
    return MatchResult(query, None, tuple(suggestions))


def _contains(text: str, keyword: str) -> bool:
    """Substring test that respects word boundaries for Latin keywords."""
    if not keyword.isascii():
        return keyword in text
    return f" {keyword} " in f" {text} "


def _tfidf(feats: dict[str, float], idf: dict[str, float], unknown: float) -> dict[str, float]:
    """TF-IDF weights. Features no phrasing has count as rare: they dilute a match, never help it."""
    return {f: ((1 + math.log(tf)) if tf >= 1 else tf) * idf.get(f, unknown) for f, tf in feats.items()}


def _weigh(feats: dict[str, float], idf: dict[str, float], unknown: float) -> dict[str, float]:
    return _unit(_tfidf(feats, idf, unknown))


def _unit(vec: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vec.values()))
    return {f: w / norm for f, w in vec.items()} if norm else {}
