"""Find a hometown from what people type: 茶陵縣, chaling, Chá Líng, Chaling County, 株洲县 …

Every place is indexed under its official name, its short name (without 县/市/区…), former
names, aliases, pinyin (with or without spaces and tones) and English name, all normalised the
same way as FAQ questions. Lookup is exact first, then fuzzy with rapidfuzz.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.reports.federation import Federation, Place
from bot.text.normalize import normalize

SUFFIXES = ("土家族苗族自治州", "自治州", "自治县", "省", "市", "县", "区", "州")
EN_SUFFIXES = (
    " autonomous county",
    " autonomous prefecture",
    " county",
    " city",
    " district",
    " prefecture",
    " province",
    " shi",
    " xian",
    " qu",
)
CONFIDENT = 90
CANDIDATE = 70


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    place: Place
    score: int


def fold_latin(text: str) -> str:
    """Strip tone marks and spaces from romanised names: Chá Líng → chaling."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return normalize(plain).replace(" ", "").replace("'", "")


def keys_of(place: Place) -> set[str]:
    """Every normalised key a place can be found under."""
    keys: set[str] = set()
    for name in (place.name, *place.former, *place.aliases):
        norm = normalize(name).replace(" ", "")
        if norm:
            keys.add(norm)
    if place.short:
        keys.add(_strip_zh(normalize(place.name).replace(" ", "")))
    if place.pinyin:  # chalingxian, lilingshi: pinyin with the type of unit spelled out
        suffix = {"县": "xian", "市": "shi", "区": "qu"}.get(place.name[-1:], "")
        if suffix:
            keys.add(fold_latin(place.pinyin) + suffix)
    for latin in (place.pinyin, place.en, *(a for a in place.aliases if a.isascii())):
        if latin:
            keys.add(fold_latin(latin))
    norm = normalize(place.en)
    for suffix in EN_SUFFIXES:  # Chaling County → chaling (an alias is kept whole: Zhuzhou County)
        if norm.endswith(suffix):
            keys.add(fold_latin(norm[: -len(suffix)]))
    return {k for k in keys if k}


def _strip_zh(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


class Gazetteer:
    """Exact and fuzzy lookup over every key of every place."""

    def __init__(self, federation: Federation) -> None:
        self.federation = federation
        self._exact: dict[str, Place] = {}
        for place in federation.places:
            for key in keys_of(place):
                # The first place to claim a key keeps it (the official name beats an alias).
                self._exact.setdefault(key, place)
        self._keys = list(self._exact)

    def lookup(self, text: str, *, limit: int = 4) -> list[PlaceMatch]:
        """Places matching what the user typed, best first (an exact hit alone scores 100)."""
        zh = normalize(text).replace(" ", "")
        latin = fold_latin(text)
        for key in (zh, _strip_zh(zh), latin):
            if key in self._exact:
                return [PlaceMatch(self._exact[key], 100)]
        if not zh:
            return []
        contained = self._contained(zh, normalize(text))
        if contained:
            return contained[:limit]
        query = zh if any(not ch.isascii() for ch in zh) else latin
        hits = process.extract(query, self._keys, scorer=fuzz.ratio, limit=limit * 3, score_cutoff=CANDIDATE)
        out: list[PlaceMatch] = []
        for key, score, _ in hits:
            place = self._exact[key]
            if all(m.place != place for m in out):
                out.append(PlaceMatch(place, round(score)))
        return out[:limit]

    def _contained(self, zh: str, spaced: str) -> list[PlaceMatch]:
        """Places named inside a longer text (我老家是湖南茶陵县的, I'm from Liling, Zhuzhou).

        The most specific place wins: a county named together with its city is the county.
        """
        words = {fold_latin(w) for w in spaced.split()}
        found: dict[Place, int] = {}
        for key, place in self._exact.items():
            if (key in words) if key.isascii() else (len(key) >= 2 and key in zh):
                found[place] = max(found.get(place, 0), len(key))
        if not found:
            return []
        deepest = max(self._level(p) for p in found)
        # 湖南茶陵 / Chaling, Hunan: the county, not also the province or its city.
        ranked = sorted((p for p in found if self._level(p) == deepest), key=lambda p: -found[p])
        return [PlaceMatch(p, 95) for p in ranked]

    def _level(self, place: Place) -> int:
        """0 for the province, 1 for a prefecture-level division, 2 for a county-level one."""
        queue = self.federation.by_id.get(place.queue)
        if queue is None or place.name != queue.name.zh.removesuffix("侨联"):
            return 2
        if queue.parent is None:
            return 0
        parent = self.federation.by_id.get(queue.parent)
        return 1 if parent is not None and parent.parent is None else 2
