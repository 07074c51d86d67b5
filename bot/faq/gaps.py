"""What the bot could not answer: logged questions grouped into clusters of similar questions.

Input is plain rows (see :class:`Asked`), e.g. from the ``questions`` table: questions that got only
suggestions or nothing, and answers a user marked as not helpful. Each question becomes a TF-IDF
vector over the matcher's own features (CJK bigrams, stemmed words, pinyin, and the concepts shared
across languages, so 驾照 and driving licence meet); IDF is computed over the questions themselves.

Clustering is greedy and deterministic: questions with the most similar neighbours go first and
seed clusters; every question joins the cluster whose centroid it is most similar to (cosine ≥
``threshold``) or starts a new one; a second pass re-assigns each question to its best final
centroid. Clusters come biggest first, each with a few examples (the most central first), its most
telling terms, and the FAQ entries the questions were confused with (answered with, or suggested).
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.text.normalize import features, normalize

THRESHOLD = 0.08
EDGE = 0.05
_MAX_POSTINGS = 200  # features in more questions than this do not link questions (still counted in cosines)


@dataclass(frozen=True, slots=True)
class Asked:
    """One logged question (a row of ``questions``)."""

    text: str
    outcome: str  # answered | suggested | unanswered
    entry_id: str | None = None
    suggestions: str | None = None  # "id:score,id:score"
    helpful: bool | None = None
    asked_at: datetime | None = None

    @property
    def missed(self) -> bool:
        """Whether the bot failed this question: no answer, or an answer marked not helpful."""
        return self.outcome in ("suggested", "unanswered") or self.helpful is False

    def confused_with(self) -> list[str]:
        """Entries the bot offered for it: the answer given, then the suggestions."""
        ids = [self.entry_id] if self.entry_id else []
        for item in (self.suggestions or "").split(","):
            eid = item.split(":", 1)[0].strip()
            if eid:
                ids.append(eid)
        return list(dict.fromkeys(ids))


@dataclass
class Cluster:
    """Similar questions the bot could not answer."""

    questions: list[Asked]
    examples: list[str]
    terms: list[str]
    confused_with: list[tuple[str, int]]
    not_helpful: int = 0
    unanswered: int = 0
    suggested: int = 0

    @property
    def size(self) -> int:
        return len(self.questions)

    def as_json(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "examples": self.examples,
            "terms": self.terms,
            "confused_with": [{"id": eid, "count": n} for eid, n in self.confused_with],
            "unanswered": self.unanswered,
            "suggested": self.suggested,
            "not_helpful": self.not_helpful,
        }


@dataclass
class _Group:
    members: list[int] = field(default_factory=list)
    total: dict[str, float] = field(default_factory=dict)  # the sum of the members' vectors
    norm: float = 0.0

    def add(self, i: int, vec: dict[str, float]) -> None:
        self.members.append(i)
        for f, w in vec.items():
            self.total[f] = self.total.get(f, 0.0) + w
        self.norm = math.sqrt(sum(w * w for w in self.total.values()))

    def similarity(self, vec: dict[str, float]) -> float:
        """Cosine between ``vec`` and the group's centroid."""
        return _dot(vec, self.total) / self.norm if self.norm else 0.0


def vectors(texts: Sequence[str]) -> list[dict[str, float]]:
    """Unit TF-IDF vectors of the texts over the matcher's features, IDF from the texts themselves."""
    # Pinyin only blurs topics here.
    feats = [{f: w for f, w in features(normalize(t)).items() if not f.startswith("p:")} for t in texts]
    df: Counter[str] = Counter(f for fs in feats for f in fs)
    n = len(texts)
    out = []
    for fs in feats:
        vec = {f: (1 + math.log(tf) if tf >= 1 else tf) * math.log(1 + n / df[f]) for f, tf in fs.items()}
        norm = math.sqrt(sum(w * w for w in vec.values()))
        out.append({f: w / norm for f, w in vec.items()} if norm else {})
    return out


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(f, 0.0) for f, w in a.items())


def cluster(rows: Iterable[Asked], *, threshold: float = THRESHOLD, examples: int = 4) -> list[Cluster]:
    """Clusters of the missed questions among ``rows``, biggest first.

    Average linkage on a sparse similarity graph: questions are linked when their cosine is at
    least ``EDGE``; clusters are merged, most similar first, while the average similarity over all
    pairs of their questions (unlinked pairs counting 0) stays at least ``threshold``.
    """
    asked = [r for r in rows if r.missed and r.text.strip()]
    vecs = vectors([a.text for a in asked])
    postings: dict[str, list[int]] = {}
    for i, vec in enumerate(vecs):
        for f in vec:
            postings.setdefault(f, []).append(i)
    # links[a][b]: the sum of similarities between the questions of clusters a and b.
    links: dict[int, dict[int, float]] = {i: {} for i in range(len(asked))}
    for i, vec in enumerate(vecs):
        shared: set[int] = set()
        for f in vec:
            if len(postings[f]) <= _MAX_POSTINGS:
                shared.update(j for j in postings[f] if j > i)
        for j in shared:
            sim = _dot(vec, vecs[j])
            if sim >= EDGE:
                links[i][j] = links[j][i] = sim
    members: dict[int, list[int]] = {i: [i] for i in range(len(asked))}
    heap = [(-sim, a, b) for a, nbrs in links.items() for b, sim in nbrs.items() if a < b]
    heapq.heapify(heap)
    while heap:
        neg, a, b = heapq.heappop(heap)
        if a not in members or b not in members or b not in links[a]:
            continue
        average = links[a][b] / (len(members[a]) * len(members[b]))
        if abs(average + neg) > 1e-12:  # stale: one of the clusters has grown since this pair was queued
            continue
        if average < threshold:
            break
        members[a] += members.pop(b)  # merge b into a; the links add up
        for c, total in links.pop(b).items():
            links[c].pop(b, None)
            if c != a:
                links[a][c] = links[c][a] = links[a].get(c, 0.0) + total
        for c, total in links[a].items():
            heapq.heappush(heap, (-total / (len(members[a]) * len(members[c])), min(a, c), max(a, c)))
    out = [_describe(m, asked, vecs, examples) for m in members.values()]
    out.sort(key=lambda c: (-c.size, c.examples[0] if c.examples else ""))
    return out


def _describe(group: list[int], asked: list[Asked], vecs: list[dict[str, float]], examples: int) -> Cluster:
    centre = _Group()
    for i in group:
        centre.add(i, vecs[i])
    members = sorted(group, key=lambda i: (-centre.similarity(vecs[i]), i))
    rows = [asked[i] for i in members]
    texts = list(dict.fromkeys(r.text.strip() for r in rows))
    centroid: Counter[str] = Counter()
    for i in members:
        centroid.update(vecs[i])
    terms = [_readable(f) for f, _ in centroid.most_common(40) if _readable(f)]
    confused: Counter[str] = Counter(eid for r in rows for eid in r.confused_with())
    return Cluster(
        questions=rows,
        examples=texts[:examples],
        terms=list(dict.fromkeys(terms))[:6],
        confused_with=confused.most_common(3),
        not_helpful=sum(r.helpful is False for r in rows),
        unanswered=sum(r.outcome == "unanswered" for r in rows),
        suggested=sum(r.outcome == "suggested" for r in rows),
    )


def _readable(feature: str) -> str:
    """A feature as a term an admin can read: words, concepts and Chinese bigrams; not n-grams or pinyin."""
    if feature.startswith(("w:", "c:")):
        return feature[2:]
    if feature.startswith(("t:", "p:")) or len(feature) < 2:
        return ""
    return feature


def render(clusters: Sequence[Cluster], *, limit: int = 20) -> str:
    """The clusters as text for a terminal."""
    if not clusters:
        return "no unanswered questions in this period"
    total = sum(c.size for c in clusters)
    lines = [f"{total} question(s) the bot could not answer, in {len(clusters)} group(s); biggest first:"]
    for n, c in enumerate(clusters[:limit], 1):
        lines.append("")
        how = ", ".join(
            f"{k} {v}"
            for k, v in (("unanswered", c.unanswered), ("suggested", c.suggested), ("not helpful", c.not_helpful))
            if v
        )
        lines.append(f"{n}. {c.size} question(s) ({how}) — {' · '.join(c.terms)}")
        lines.extend(f"   “{text}”" for text in c.examples)
        if c.confused_with:
            lines.append("   confused with: " + ", ".join(f"{eid} ({k})" for eid, k in c.confused_with))
    if len(clusters) > limit:
        rest = clusters[limit:]
        lines.append(f"\n… and {len(rest)} smaller group(s) with {sum(c.size for c in rest)} question(s)")
    return "\n".join(lines)
