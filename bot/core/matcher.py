"""FAQ matching: an inverted index over normalised features, candidates scored by a fitted model.

The index is built once per loaded FAQ, in flat arrays (compressed sparse rows): each phrasing's
TF-IDF vector, the postings of every feature, and each entry's "bag" (every feature of its
phrasings and keywords). A query touches only the postings of its own features (very common
features are skipped while gathering candidates); then each candidate entry gets a few features:

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
  entry has, is about none of them).

A logistic model (``matcher_model.json``, fitted by ``tests/bench/fit_decision.py`` on the
development questions only) turns them into the probability that the entry is what was asked;
the score is that probability × 100. The band follows from thresholds fitted the same way:
answer when the best entry is likely and clearly ahead, suggest the few entries that are likely
enough and close to the best, otherwise say honestly that there is no answer.
"""

from __future__ import annotations

import heapq
import json
import math
import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.faq import CONTENT_LANGS, FaqEntry
from bot.core.normalize import EN_STOPWORDS, features, normalize, words
from bot.core.script import has_cjk
from bot.core.synonyms import ABROAD_EN, ABROAD_ZH, CHINA_EN, CHINA_ZH, canonical_zh

FEATURES: tuple[str, ...] = (
    "cos", "cov", "covered", "fuzz", "keyword", "cos_gap", "cov_gap", "known", "recall", "size", "abroad",
    "topic", "other_topic",
)  # fmt: skip
ANSWER_FEATURES: tuple[str, ...] = ("p", "lead", *FEATURES)
MODEL_PATH = Path(__file__).with_name("matcher_model.json")
MAX_SUGGESTIONS = 3
EXACT = 0.999  # a cosine this close to 1: the question is one of the entry's phrasings
_CANDIDATES = 24
# Features in more than this share of phrasings (or 64, for small FAQs) are too common to gather
# candidates from; they still count in the exact score of every candidate.
_COMMON_DF = 0.005
# A query is measured against at least a "minimal question's" worth of information, so a lone
# common word (在吗, hello) cannot cover anything much.
MIN_INFORMATION = 0.8
_MAX_CORRECTIONS = 4
# Whether an entry's answer text counts in its bag (coverage). Measured on the development set: it
# does not help (answers mention many topics in passing), so answers stay out of the candidate path.
ANSWER_IN_BAG = False
# The IDF a feature no phrasing has gets, as a share of the rarest possible: such words dilute a match.
UNKNOWN_WEIGHT = 1.0


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
        header = "".join(f"{name:>9}" for name in FEATURES)
        lines.append(f"  {'entry':<28}{'p':>5}{header}")
        for c in self.candidates[:limit]:
            values = "".join(f"{v:>9.2f}" for v in c.x)
            lines.append(f"  {c.id[:28]:<28}{c.score:>5}{values}")
        lines.append(f"band: {self.result.band} — {self.reason}")
        return "\n".join(lines)


def _empty_u32() -> array[int]:
    return array("I")


def _empty_f32() -> array[float]:
    return array("f")


@dataclass
class FaqIndex:
    """Inverted indexes over every phrasing and over each entry's whole vocabulary, in flat arrays."""

    entry_ids: tuple[str, ...]
    vocab: dict[str, int]
    idf: array[float]
    unknown_idf: float
    common: bytearray  # 1 for features too common to gather candidates from
    doc_entry: array[int] = field(default_factory=_empty_u32)
    doc_ptr: array[int] = field(default_factory=_empty_u32)  # doc d's features: doc_feat[doc_ptr[d]:doc_ptr[d+1]]
    doc_feat: array[int] = field(default_factory=_empty_u32)
    doc_w: array[float] = field(default_factory=_empty_f32)
    doc_content: list[str] = field(default_factory=list)
    post_ptr: array[int] = field(default_factory=_empty_u32)  # feature f's phrasings: post_doc[post_ptr[f]:…]
    post_doc: array[int] = field(default_factory=_empty_u32)
    post_w: array[float] = field(default_factory=_empty_f32)
    bag_ptr: array[int] = field(default_factory=_empty_u32)  # feature f's entries: bag_entry[bag_ptr[f]:…]
    bag_entry: array[int] = field(default_factory=_empty_u32)
    keywords: list[tuple[str | frozenset[str], ...]] = field(default_factory=list)
    latin: frozenset[str] = frozenset()  # Latin words of phrasings and keywords, for spelling correction
    spelling: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)  # by first letter, length
    topics: dict[int, float] = field(default_factory=dict)  # concept feature → inverse entry frequency, 0–1
    model: Model = MODEL

    @classmethod
    def build(cls, entries: Sequence[FaqEntry], *, model: Model = MODEL) -> FaqIndex:
        raw: list[tuple[int, dict[str, float], str]] = []
        keywords: list[tuple[str | frozenset[str], ...]] = []
        bags: list[set[str]] = []
        latin: set[str] = set()
        for idx, entry in enumerate(entries):
            bag: set[str] = set()
            if ANSWER_IN_BAG:
                for lang in CONTENT_LANGS:
                    bag.update(features(normalize(entry.answer.get(lang), limit=4000)))
            for lang in CONTENT_LANGS:
                for phrasing in entry.questions.get(lang, ()):
                    norm = normalize(phrasing)
                    feats = features(norm)
                    raw.append((idx, feats, " ".join(words(norm))))
                    bag.update(feats)
                    latin.update(_latin_words(norm))
            kws = tuple(
                dict.fromkeys(
                    k for lang in CONTENT_LANGS for kw in entry.keywords.get(lang, ()) if (k := normalize(kw))
                )
            )
            for kw in kws:
                bag.update(features(kw))
                latin.update(_latin_words(kw))
            keywords.append(tuple(_keyword_key(kw) for kw in kws))
            bags.append(bag)

        vocab: dict[str, int] = {}
        df: list[int] = []
        for _, feats, _ in raw:
            for f in feats:
                fid = vocab.setdefault(f, len(vocab))
                if fid == len(df):
                    df.append(0)
                df[fid] += 1
        for bag in bags:
            for f in bag:
                if vocab.setdefault(f, len(vocab)) == len(df):
                    df.append(0)
        n = max(len(raw), 1)
        unknown_idf = UNKNOWN_WEIGHT * math.log(1 + n / 0.5)
        idf = array("f", (math.log(1 + n / c) if c else unknown_idf for c in df))
        index = cls(tuple(e.id for e in entries), vocab, idf, unknown_idf, bytearray(len(vocab)), model=model)
        index.keywords = keywords
        index.latin = frozenset(latin)
        by_key: dict[tuple[str, int], list[str]] = {}
        for word in sorted(latin):
            if word not in EN_STOPWORDS:
                by_key.setdefault((word[0], len(word)), []).append(word)
        index.spelling = {k: tuple(v) for k, v in by_key.items()}

        postings: list[list[tuple[int, float]]] = [[] for _ in vocab]
        index.doc_ptr.append(0)
        for doc_id, (entry_idx, feats, content) in enumerate(raw):
            vec = index._unit_vector(feats)
            index.doc_entry.append(entry_idx)
            for fid, w in sorted(vec.items()):
                index.doc_feat.append(fid)
                index.doc_w.append(w)
                postings[fid].append((doc_id, w))
            index.doc_ptr.append(len(index.doc_feat))
            index.doc_content.append(content)
        index.post_ptr.append(0)
        for plist in postings:
            for doc_id, w in plist:
                index.post_doc.append(doc_id)
                index.post_w.append(w)
            index.post_ptr.append(len(index.post_doc))
        bag_lists: list[list[int]] = [[] for _ in vocab]
        for entry_idx, bag in enumerate(bags):
            for f in bag:
                bag_lists[vocab[f]].append(entry_idx)
        index.bag_ptr.append(0)
        for elist in bag_lists:
            index.bag_entry.extend(elist)
            index.bag_ptr.append(len(index.bag_entry))
        scale = math.log(max(len(entries), 2))
        index.topics = {
            fid: math.log(len(entries) / len(bag_lists[fid])) / scale
            for f, fid in vocab.items()
            if f.startswith("c:") and bag_lists[fid]
        }

        doc_limit = max(64, int(_COMMON_DF * n))
        bag_limit = max(64, int(_COMMON_DF * len(entries)))
        for fid in range(len(vocab)):
            if df[fid] > doc_limit or len(bag_lists[fid]) > bag_limit:
                index.common[fid] = 1
        return index

    # -- querying ------------------------------------------------------------------------------

    def match(self, query: str) -> MatchResult:
        """Score a user's text against the FAQ and decide the band."""
        return self.explain(query).result

    def rank(self, query: str, *, limit: int = 5) -> list[Scored]:
        """Entries ranked by probability (best first), at most ``limit``, with scores 0–100."""
        return [Scored(c.id, c.score) for c in self.candidates(query)[2][:limit]]

    def explain(self, query: str) -> Explanation:
        """The candidates with their features and probabilities, and why the band was chosen."""
        norm, corrections, ranked = self.candidates(query)
        result, reason = decide(query.strip(), ranked, self.model)
        return Explanation(query.strip(), norm, corrections, tuple(ranked), result, reason)

    def candidates(self, query: str) -> tuple[str, tuple[tuple[str, str], ...], list[Candidate]]:
        """Normalised query, spelling corrections made, and candidate entries ranked best first."""
        norm = normalize(query)
        corrections: dict[str, str] = {}
        tried: list[str] = []
        feats = features(norm, correct=lambda w: self._correct(w, corrections, tried))
        raw = self._tfidf(feats)
        mass = sum(w * w for w in raw.values())
        if not mass:
            return norm, (), []
        qnorm = math.sqrt(mass)
        qvec = {f: w / qnorm for f, w in raw.items()}
        acc = self._gather_docs(qvec, common=False) or self._gather_docs(qvec, common=True)
        info = max(mass, (MIN_INFORMATION * self.unknown_idf) ** 2)
        coverage = self._coverage(raw, info)
        if not acc and not coverage:
            return norm, tuple(corrections.items()), []

        content_words = words(norm)
        content = " ".join(content_words)
        compact, word_set = canonical_zh("".join(norm.split())), frozenset(content_words)
        best: dict[int, tuple[float, int]] = {}
        recall: dict[int, float] = {}
        qids = {fid: qvec[f] for f in qvec if (fid := self.vocab.get(f)) is not None}
        for doc_id, _ in heapq.nlargest(_CANDIDATES, acc.items(), key=lambda kv: kv[1]):
            cos, rec = self._cosine(doc_id, qids)
            entry = self.doc_entry[doc_id]
            if cos > best.get(entry, (-1.0, -1))[0]:
                best[entry] = (cos, doc_id)
            recall[entry] = max(rec, recall.get(entry, 0.0))
        pool = set(best) | {e for e, _ in heapq.nlargest(_CANDIDATES, coverage.items(), key=lambda kv: kv[1])}
        total = sum(raw.values())
        raw_ids = {fid: w for f, w in raw.items() if (fid := self.vocab.get(f)) is not None}
        known = sum(w * w for f, w in raw.items() if f in self.vocab) / mass
        size = min(1.0, qnorm / (3 * self.unknown_idf))
        abroad = float(_abroad_only(norm))
        # Concepts of the query, with how distinctive each is; one no entry has at all is as distinctive
        # as can be (a question about a phone is about something the FAQ does not cover).
        concepts = [(self.vocab.get(f, -1), self.topics.get(self.vocab.get(f, -1), 1.0)) for f in raw if f[:2] == "c:"]
        rows: list[tuple[int, float, float, float, float, float, float, str]] = []
        for e in pool:
            cos, doc_id = best.get(e, (0.0, -1))
            cov = coverage.get(e, 0.0)
            phrasing = self.doc_content[doc_id] if doc_id >= 0 else ""
            if doc_id >= 0:
                start, end = self.doc_ptr[doc_id], self.doc_ptr[doc_id + 1]
                covered = sum(raw_ids.get(f, 0.0) for f in self.doc_feat[start:end]) / total
            else:
                covered = 0.0
            ratio = fuzz.WRatio(content, phrasing) / 100.0 if content and phrasing else 0.0
            rows.append(
                (e, cos, cov, covered, ratio, self._keyword_hits(e, compact, word_set), recall.get(e, 0.0), phrasing)
            )
        cos_sorted = sorted((r[1] for r in rows), reverse=True)
        cov_sorted = sorted((r[2] for r in rows), reverse=True)
        out: list[Candidate] = []
        for e, cos, cov, covered, ratio, kw, rec, phrasing in rows:
            other_cos = cos_sorted[1] if cos == cos_sorted[0] and len(cos_sorted) > 1 else cos_sorted[0]
            other_cov = cov_sorted[1] if cov == cov_sorted[0] and len(cov_sorted) > 1 else cov_sorted[0]
            if len(rows) == 1:
                other_cos = other_cov = 0.0
            topic = max((t for fid, t in concepts if self._in_bag(fid, e)), default=0.0)
            other_topic = max((t for fid, t in concepts if not self._in_bag(fid, e)), default=0.0)
            x = (cos, cov, covered, ratio, kw, cos - other_cos, cov - other_cov, known, rec, size, abroad, topic,
                 other_topic)  # fmt: skip
            out.append(Candidate(e, self.entry_ids[e], x, self.model.probability(x), phrasing))
        out.sort(key=lambda c: (-c.probability, c.entry))
        return norm, tuple(corrections.items()), out

    # -- internals -----------------------------------------------------------------------------

    def _tfidf(self, feats: dict[str, float]) -> dict[str, float]:
        """TF-IDF weights. Features no phrasing has count as rare: they dilute a match, never help it."""
        out = {}
        for f, tf in feats.items():
            fid = self.vocab.get(f)
            idf = self.idf[fid] if fid is not None else self.unknown_idf
            out[f] = ((1 + math.log(tf)) if tf >= 1 else tf) * idf
        return out

    def _unit_vector(self, feats: dict[str, float]) -> dict[int, float]:
        raw = self._tfidf(feats)
        norm = math.sqrt(sum(w * w for w in raw.values()))
        return {self.vocab[f]: w / norm for f, w in raw.items()} if norm else {}

    def _gather_docs(self, qvec: dict[str, float], *, common: bool) -> dict[int, float]:
        """Accumulate dot products over the postings of the query's rare (or only its common) features."""
        acc: dict[int, float] = {}
        for f, qw in qvec.items():
            fid = self.vocab.get(f)
            if fid is None or bool(self.common[fid]) is not common:
                continue
            start, end = self.post_ptr[fid], self.post_ptr[fid + 1]
            for doc_id, w in zip(self.post_doc[start:end], self.post_w[start:end], strict=True):
                acc[doc_id] = acc.get(doc_id, 0.0) + qw * w
        return acc

    def _coverage(self, raw: dict[str, float], info: float) -> dict[int, float]:
        """Per entry, the share of the query's squared TF-IDF mass that its bag contains (rare features)."""
        acc: dict[int, float] = {}
        for f, w in raw.items():
            fid = self.vocab.get(f)
            if fid is None:
                continue
            share = w * w / info
            start, end = self.bag_ptr[fid], self.bag_ptr[fid + 1]
            if self.common[fid]:
                continue
            for e in self.bag_entry[start:end]:
                acc[e] = acc.get(e, 0.0) + share
        return acc

    def _in_bag(self, fid: int, entry: int) -> bool:
        if fid < 0:
            return False
        start, end = self.bag_ptr[fid], self.bag_ptr[fid + 1]
        return entry in self.bag_entry[start:end]

    def _cosine(self, doc_id: int, qids: dict[int, float]) -> tuple[float, float]:
        """Cosine with one phrasing, and the share of that phrasing (squared weights) in the query."""
        start, end = self.doc_ptr[doc_id], self.doc_ptr[doc_id + 1]
        cos = rec = 0.0
        for f, w in zip(self.doc_feat[start:end], self.doc_w[start:end], strict=True):
            qw = qids.get(f)
            if qw is not None:
                cos += qw * w
                rec += w * w
        return cos, rec

    def _keyword_hits(self, entry: int, compact: str, word_set: frozenset[str]) -> float:
        hits = 0
        for kw in self.keywords[entry]:
            if kw in compact if isinstance(kw, str) else kw <= word_set:
                hits += 1
                if hits == 2:
                    break
        return hits / 2

    def _correct(self, word: str, made: dict[str, str], tried: list[str]) -> str:
        """A Latin word the FAQ does not know, replaced by a known word one edit away (if any).

        At most ``_MAX_CORRECTIONS`` unknown words of a query are tried (a long story in English has
        many words the FAQ never uses; each try looks up a few hundred variants).
        """
        if len(word) < 5 or word in self.latin or not word.isalpha() or len(tried) >= _MAX_CORRECTIONS:
            return word
        tried.append(word)
        n = len(word)
        near = [w for size in (n - 1, n, n + 1) for w in self.spelling.get((word[0], size), ())]
        # One edit (optimal string alignment: a swap of two neighbours is one edit too); typos rarely
        # change the first letter, and requiring it keeps real words (iphone) from "correcting".
        found = process.extractOne(word, near, scorer=OSA.distance, score_cutoff=1) if near else None
        if found is None:
            return word
        made[word] = found[0]
        return str(found[0])


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


def _latin_words(norm: str) -> Iterable[str]:
    return (w for w in norm.split() if w.isascii() and w.isalpha() and len(w) >= 3)


_LATIN_RUN = re.compile(r"[a-z0-9]+")


def _abroad_only(norm: str) -> bool:
    """Whether the text names a place or nationality abroad and nothing that places it in China."""
    latin = set(_LATIN_RUN.findall(norm))
    compact = "".join(norm.split())
    if latin & CHINA_EN or any(w in compact for w in CHINA_ZH):
        return False
    return bool(latin & ABROAD_EN) or any(w in compact for w in ABROAD_ZH)


def _keyword_key(norm: str) -> str | frozenset[str]:
    """How a keyword (or a query) is compared: Chinese as canonical text without spaces (护照 到期
    contains 护照过期), anything else as its set of content words (renew my passport contains
    passport renewal)."""
    if has_cjk(norm):
        return canonical_zh("".join(norm.split()))
    return frozenset(words(norm))
