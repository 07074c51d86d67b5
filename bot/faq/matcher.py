"""FAQ matching: an inverted index over normalised features, and the features of each candidate.

The index (:class:`bot.faq.postings.Postings`) is built once per loaded FAQ, in flat arrays. A query
touches only the postings of its own features (very common features are skipped while gathering
candidates); each candidate entry then gets the features described in :mod:`bot.faq.decision`,
whose fitted models and thresholds choose the band: answer, suggest, or say there is no answer.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.faq.decision import (
    CONFIDENT,
    FEATURES,
    MAX_SUGGESTIONS,
    MODEL,
    SUGGEST,
    Candidate,
    Explanation,
    MatchResult,
    Model,
    Scored,
    decide,
)
from bot.faq.entries import FaqEntry
from bot.faq.postings import Postings
from bot.text.normalize import features, normalize, words
from bot.text.synonyms import ABROAD_EN, ABROAD_ZH, CHINA_EN, CHINA_ZH, canonical_zh

__all__ = [
    "CONFIDENT",
    "FEATURES",
    "MAX_SUGGESTIONS",
    "SUGGEST",
    "Candidate",
    "Explanation",
    "FaqIndex",
    "MatchResult",
    "Model",
    "Scored",
    "decide",
]
_LATIN_RUN = re.compile(r"[a-z0-9]+")
CANDIDATES = 24
_KEEP = 12
_GATHER = 48
# A query is measured against at least a "minimal question's" worth of information, so a lone
# common word (在吗, hello) cannot cover anything much.
MIN_INFORMATION = 0.8
_MAX_CORRECTIONS = 4


@dataclass
class FaqIndex(Postings):
    """The index of one FAQ, and the model that turns candidate features into bands."""

    model: Model = MODEL

    @classmethod
    def build(cls, entries: Sequence[FaqEntry], *, model: Model = MODEL) -> FaqIndex:
        index = cls.from_entries(entries)
        index.model = model
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

    def candidates(
        self, query: str, *, keep: int = _KEEP, gather: int = _GATHER
    ) -> tuple[str, tuple[tuple[str, str], ...], list[Candidate]]:
        """Normalised query, spelling corrections made, and candidate entries ranked best first.

        For speed, only the ``gather`` most telling features of a long query look up phrasings, and
        only the ``keep`` best entries by each of two measures are scored. The model was fitted
        without these bounds (``keep=CANDIDATES, gather=0``); on every evaluation question the bands
        come out the same with them.
        """
        norm = normalize(query)
        corrections: dict[str, str] = {}
        tried: list[str] = []
        feats = features(norm, correct=lambda w: self._correct(w, corrections, tried))
        raw = self.tfidf(feats)
        mass = sum(w * w for w in raw.values())
        if not mass:
            return norm, (), []
        qnorm = math.sqrt(mass)
        qvec = {f: w / qnorm for f, w in raw.items()}
        acc = self._gather_docs(qvec, gather, common=False) or self._gather_docs(qvec, gather, common=True)
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
        for doc_id in heapq.nlargest(CANDIDATES, acc, key=acc.__getitem__):  # C-level key: same order, ties too
            cos, rec = self._cosine(doc_id, qids)
            entry = self.doc_entry[doc_id]
            if cos > best.get(entry, (-1.0, -1))[0]:
                best[entry] = (cos, doc_id)
            recall[entry] = max(rec, recall.get(entry, 0.0))
        # Candidates: the entries best by closest phrasing and best by coverage. Features depend only
        # on the entry itself and on the best two by each measure, so the rest would rank far below.
        by_cos = heapq.nlargest(keep, best, key=lambda e: best[e][0])
        pool = set(by_cos) | set(heapq.nlargest(keep, coverage, key=coverage.__getitem__))
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
            # Each concept looked up once in the entry's bag: in it (how distinctive, how central) or not.
            topic = central = other_topic = 0.0
            for fid, t in concepts:
                slot = self.bag_slot(fid, e)
                if slot >= 0:
                    topic, central = max(topic, t), max(central, self.bag_share[slot])
                else:
                    other_topic = max(other_topic, t)
            x = (
                cos,
                cov,
                covered,
                ratio,
                kw,
                cos - other_cos,
                cov - other_cov,
                known,
                rec,
                size,
                abroad,
                topic,
                other_topic,
                self.core[e] - central,
            )
            out.append(Candidate(e, self.entry_ids[e], x, self.model.probability(x), phrasing))
        out.sort(key=lambda c: (-c.probability, c.entry))
        return norm, tuple(corrections.items()), out

    # -- internals -----------------------------------------------------------------------------

    def _gather_docs(self, qvec: dict[str, float], limit: int, *, common: bool) -> dict[int, float]:
        """Accumulate dot products over the postings of the query's rare (or only its common) features."""
        acc: dict[int, float] = {}
        get, vocab, flags = acc.get, self.vocab, self.common
        ptr, docs, weights = self.post_ptr, self.post_doc, self.post_w
        gathered = [
            (qw, fid) for f, qw in qvec.items() if (fid := vocab.get(f)) is not None and bool(flags[fid]) is common
        ]
        if limit and len(gathered) > limit:  # a long story: its most telling features find the candidates
            gathered = heapq.nlargest(limit, gathered)
        for qw, fid in gathered:
            start, end = ptr[fid], ptr[fid + 1]
            for doc_id, w in zip(docs[start:end], weights[start:end], strict=True):
                acc[doc_id] = get(doc_id, 0.0) + qw * w
        return acc

    def _coverage(self, raw: dict[str, float], info: float) -> dict[int, float]:
        """Per entry, the share of the query's squared TF-IDF mass that its bag contains (rare features)."""
        acc: dict[int, float] = {}
        get, vocab, common, ptr, entries = acc.get, self.vocab, self.common, self.bag_ptr, self.bag_entry
        for f, w in raw.items():
            fid = vocab.get(f)
            if fid is None or common[fid]:
                continue
            share = w * w / info
            for e in entries[ptr[fid] : ptr[fid + 1]]:
                acc[e] = get(e, 0.0) + share
        return acc

    def _cosine(self, doc_id: int, qids: dict[int, float]) -> tuple[float, float]:
        """Cosine with one phrasing, and the share of that phrasing (squared weights) in the query."""
        start, end = self.doc_ptr[doc_id], self.doc_ptr[doc_id + 1]
        cos = rec = 0.0
        get = qids.get
        for f, w in zip(self.doc_feat[start:end], self.doc_w[start:end], strict=True):
            qw = get(f)
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


def _abroad_only(norm: str) -> bool:
    """Whether the text names a place or nationality abroad and nothing that places it in China."""
    latin = set(_LATIN_RUN.findall(norm))
    compact = "".join(norm.split())
    if latin & CHINA_EN or any(w in compact for w in CHINA_ZH):
        return False
    return bool(latin & ABROAD_EN) or any(w in compact for w in ABROAD_ZH)
