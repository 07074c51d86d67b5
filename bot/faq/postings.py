"""The FAQ's phrasings as an index in flat arrays (compressed sparse rows), built once per FAQ.

Every phrasing's TF-IDF vector (``doc_*``), the phrasings each feature occurs in (``post_*``), the
entries whose "bag" (features of all their phrasings and keywords) has it (``bag_*``), and what the
matcher needs besides: keywords, the Latin words known (for spelling correction) and how distinctive
each concept is across entries. :class:`bot.faq.matcher.FaqIndex` queries it.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain, repeat
from operator import mul
from typing import Self

from bot.faq.entries import CONTENT_LANGS, FaqEntry
from bot.text.normalize import EN_STOPWORDS, features, features_and_words, normalize, words
from bot.text.script import has_cjk
from bot.text.synonyms import canonical_zh

# Features in more than this share of phrasings (or 64, for small FAQs) are too common to gather
# candidates from; they still count in the exact score of every candidate.
_COMMON_DF = 0.005
# Whether an entry's answer text counts in its bag (coverage). Measured on the development set: it
# does not help (answers mention many topics in passing), so answers stay out of the candidate path.
ANSWER_IN_BAG = False
# The IDF a feature no phrasing has gets, as a share of the rarest possible: such words dilute a match.
UNKNOWN_WEIGHT = 1.0


def _empty_u32() -> array[int]:
    return array("I")


def _empty_f32() -> array[float]:
    return array("f")


@dataclass
class Postings:
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
    # For concept features: the share of the entry's phrasings that have it, beside ``bag_entry``
    # (0 for other features); and per entry the largest such share (its central concept's).
    bag_share: array[float] = field(default_factory=_empty_f32)
    core: array[float] = field(default_factory=_empty_f32)

    @classmethod
    def from_entries(cls, entries: Sequence[FaqEntry]) -> Self:
        raw: list[tuple[int, dict[str, float], str]] = []
        keywords: list[tuple[str | frozenset[str], ...]] = []
        bags: list[set[str]] = []
        latin: set[str] = set()
        # Keywords repeat across entries: each is normalised, featurised and keyed once.
        normalized: dict[str, str] = {}
        seen_kw: dict[str, tuple[dict[str, float], str | frozenset[str]]] = {}
        for idx, entry in enumerate(entries):
            bag: set[str] = set()
            if ANSWER_IN_BAG:
                for lang in CONTENT_LANGS:
                    bag.update(features(normalize(entry.answer.get(lang), limit=4000)))
            for lang in CONTENT_LANGS:
                for phrasing in entry.questions.get(lang, ()):
                    norm = normalize(phrasing)
                    feats, content_words = features_and_words(norm)
                    raw.append((idx, feats, " ".join(content_words)))
                    bag.update(feats)
                    latin.update(latin_words(norm))
            kws: dict[str, None] = {}
            for lang in CONTENT_LANGS:
                for kw in entry.keywords.get(lang, ()):
                    if (k := normalized.get(kw)) is None:
                        k = normalized[kw] = normalize(kw)
                    if k:
                        kws[k] = None
            keys: list[str | frozenset[str]] = []
            for kw in kws:
                if (known := seen_kw.get(kw)) is None:
                    known = seen_kw[kw] = (features(kw), keyword_key(kw))
                    latin.update(latin_words(kw))
                bag.update(known[0])
                keys.append(known[1])
            keywords.append(tuple(keys))
            bags.append(bag)

        # Feature ids in order of first occurrence (phrasings, then what only bags have), and how
        # many phrasings have each; counted in C rather than feature by feature.
        # (A Counter keeps its keys in the order first met.)
        counts = Counter(chain.from_iterable(feats for _, feats, _ in raw))
        vocab = {f: i for i, f in enumerate(counts)}
        df = list(counts.values())
        del counts
        for bag in bags:
            if not vocab.keys() >= bag:
                for f in bag:
                    if vocab.setdefault(f, len(vocab)) == len(df):
                        df.append(0)
        n = max(len(raw), 1)
        unknown_idf = UNKNOWN_WEIGHT * math.log(1 + n / 0.5)
        idf = array("f", (math.log(1 + n / c) if c else unknown_idf for c in df))
        index = cls(tuple(e.id for e in entries), vocab, idf, unknown_idf, bytearray(len(vocab)))
        index.keywords = keywords
        index.latin = frozenset(latin)
        by_key: dict[tuple[str, int], list[str]] = {}
        for word in sorted(latin):
            if word not in EN_STOPWORDS:
                by_key.setdefault((word[0], len(word)), []).append(word)
        index.spelling = {k: tuple(v) for k, v in by_key.items()}

        # Each phrasing's unit TF-IDF vector, features by id, straight into the flat arrays (the same
        # arithmetic, in the same order, as unit_vector). Then the postings are those arrays ordered
        # by feature: a stable sort keeps each feature's phrasings (and bag entries) in ascending order.
        # Sorting and gathering run in C; a per-item Python loop took seconds at 25,000 phrasings.
        sqrt, fid_of, idf_of = math.sqrt, vocab.__getitem__, idf.__getitem__
        factor_of = _TfFactor().__getitem__  # tf → 1 + log(tf) (or tf below 1): few distinct values
        doc_feat, doc_w, doc_entry, doc_content = index.doc_feat, index.doc_w, index.doc_entry, index.doc_content
        doc_ptr, sizes = index.doc_ptr, array("I")
        doc_ptr.append(0)
        for entry_idx, feats, content in raw:
            fids = list(map(fid_of, feats))
            weights = list(map(mul, map(factor_of, feats.values()), map(idf_of, fids)))
            length = sqrt(sum(map(mul, weights, weights)))
            doc_entry.append(entry_idx)
            if length:
                vec = sorted(zip(fids, weights, strict=True))
                doc_feat.extend([fid for fid, _ in vec])
                doc_w.extend([w / length for _, w in vec])
            sizes.append(len(doc_feat) - doc_ptr[-1])
            doc_ptr.append(len(doc_feat))
            doc_content.append(content)
        del raw
        doc_of = array("I", chain.from_iterable(map(repeat, range(len(sizes)), sizes)))
        del sizes
        order = sorted(range(len(doc_feat)), key=doc_feat.__getitem__)
        index.post_doc = array("I", map(doc_of.__getitem__, order))
        index.post_w = array("f", map(doc_w.__getitem__, order))
        index.post_ptr = _pointers(Counter(doc_feat), len(vocab))
        del order, doc_of

        bag_feat, bag_of = array("I"), array("I")
        for bag in bags:
            bag_feat.extend(map(fid_of, bag))
        bag_of.extend(chain.from_iterable(map(repeat, range(len(bags)), map(len, bags))))
        del bags
        order = sorted(range(len(bag_feat)), key=bag_feat.__getitem__)
        index.bag_entry = array("I", map(bag_of.__getitem__, order))
        bag_size = Counter(bag_feat)
        index.bag_ptr = _pointers(bag_size, len(vocab))
        del order, bag_feat, bag_of
        scale = math.log(max(len(entries), 2))
        index.topics = {
            fid: math.log(len(entries) / bag_size[fid]) / scale
            for f, fid in vocab.items()
            if f.startswith("c:") and bag_size[fid]
        }

        index.bag_share, index.core = _concept_shares(index, len(entries))

        doc_limit = max(64, int(_COMMON_DF * n))
        bag_limit = max(64, int(_COMMON_DF * len(entries)))
        for fid in range(len(vocab)):
            if df[fid] > doc_limit or bag_size[fid] > bag_limit:
                index.common[fid] = 1
        return index

    def tfidf(self, feats: dict[str, float]) -> dict[str, float]:
        """TF-IDF weights. Features no phrasing has count as rare: they dilute a match, never help it."""
        out = {}
        for f, tf in feats.items():
            fid = self.vocab.get(f)
            idf = self.idf[fid] if fid is not None else self.unknown_idf
            out[f] = ((1 + math.log(tf)) if tf >= 1 else tf) * idf
        return out

    def unit_vector(self, feats: dict[str, float]) -> dict[int, float]:
        raw = self.tfidf(feats)
        norm = math.sqrt(sum(w * w for w in raw.values()))
        return {self.vocab[f]: w / norm for f, w in raw.items()} if norm else {}

    def bag_slot(self, fid: int, entry: int) -> int:
        """Where the entry is among the feature's bag entries (``bag_entry``/``bag_share``), or -1."""
        if fid < 0:
            return -1
        start, end = self.bag_ptr[fid], self.bag_ptr[fid + 1]
        i = bisect_left(self.bag_entry, entry, start, end)  # each feature's entries are in ascending order
        return i if i < end and self.bag_entry[i] == entry else -1


def _concept_shares(index: Postings, n_entries: int) -> tuple[array[float], array[float]]:
    """``bag_share`` and ``core``: how many of each entry's phrasings have each concept.

    Walks only the concepts' postings (a few per phrasing), not every feature of every phrasing.
    """
    phrasings = Counter(index.doc_entry)
    share = array("f", bytes(4 * len(index.bag_entry)))
    core = array("f", bytes(4 * n_entries))
    ptr, docs, doc_entry = index.post_ptr, index.post_doc, index.doc_entry
    for fid in index.topics:
        having = Counter(doc_entry[d] for d in docs[ptr[fid] : ptr[fid + 1]])
        for entry, count in having.items():
            slot = index.bag_slot(fid, entry)
            value = count / phrasings[entry]
            share[slot] = value
            core[entry] = max(core[entry], value)
    return share, core


class _TfFactor(dict[float, float]):
    """The term-frequency factor of a TF-IDF weight, worked out once per distinct frequency."""

    def __missing__(self, tf: float) -> float:
        out = self[tf] = (1 + math.log(tf)) if tf >= 1 else tf
        return out


def _pointers(sizes: Counter[int], count: int) -> array[int]:
    """Start offsets (and the end) of ``count`` consecutive runs with these sizes."""
    return array("I", accumulate((sizes[i] for i in range(count)), initial=0))


def latin_words(norm: str) -> Iterable[str]:
    return (w for w in norm.split() if w.isascii() and w.isalpha() and len(w) >= 3)


def keyword_key(norm: str) -> str | frozenset[str]:
    """How a keyword (or a query) is compared: Chinese as canonical text without spaces (护照 到期
    contains 护照过期), anything else as its set of content words (renew my passport contains
    passport renewal)."""
    if has_cjk(norm):
        return canonical_zh("".join(norm.split()))
    return frozenset(words(norm))
