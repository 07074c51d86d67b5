"""Find a hometown from what people type: 茶陵縣, chaling, Chá Líng, Chaling County, 株洲县 …

Every place is indexed under its official name, its short name (without 县/市/区…), former
names, aliases, pinyin (with or without spaces and tones) and English name, all normalised the
same way as FAQ questions. Lookup is exact first, then fuzzy with rapidfuzz.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.reports.federation import Elsewhere, Federation, Place
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
        stem = fold_latin(norm[: -len(suffix)]) if norm.endswith(suffix) else ""
        if len(stem) >= 4:  # You County → not "you": a word of every English sentence
            keys.add(stem)
    return {k for k in keys if k}


def _strip_zh(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Resolution:
    """What a typed hometown means: ``sure`` routes ``places[0]`` at once; otherwise the person
    confirms among ``places`` (Hunan, full path shown) and ``outside`` (places outside Hunan)."""

    places: list[PlaceMatch]
    outside: list[Elsewhere]
    sure: bool
    former: bool = False  # found under a former name (浏阳县 → today's 浏阳市)


HUNAN_WORDS = ("湖南", "hunan")


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
        self._former = {_key(name) for place in federation.places for name in place.former}
        by_name = {p.name: p for p in federation.places}
        self._ambiguous: dict[str, list[Place]] = {}
        for entry in federation.ambiguous:
            for key in entry.keys:
                self._ambiguous[_key(key)] = [by_name[n] for n in entry.places if n in by_name]
        self._elsewhere: dict[str, list[Elsewhere]] = {}
        for other in federation.elsewhere:
            for key in (*other.keys, other.name):
                self._elsewhere.setdefault(_key(key), []).append(other)

    def resolve(self, text: str) -> Resolution:
        """Route at once only what cannot mean anything else; everything shared is confirmed.

        A name also used outside Hunan (永定, Taishan, Guiyang) or inside it for several places
        (株洲, 湘潭地区), and any hometown typed with a province outside Hunan (Taishan, Guangdong),
        is confirmed; naming Hunan or the prefecture (湖南永定, 张家界永定区) settles it.
        """
        zh = normalize(text).replace(" ", "")
        latin = fold_latin(text)
        exact_keys = [k for k in (zh, _strip_zh(zh), latin) if k]
        words = {fold_latin(w) for w in normalize(text).split()} | set(exact_keys)
        outside: list[Elsewhere] = []
        for key, others in self._elsewhere.items():
            hit = key in words if key.isascii() else (len(key) >= 2 and key in zh)
            for other in others:
                if hit and other not in outside:
                    outside.append(other)
        matches = self.lookup(text)
        hunan_named = any(w in zh for w in HUNAN_WORDS) or self._names_prefecture(zh, words, matches)
        if hunan_named:
            outside = [o for o in outside if o.province]
        former = any(k in self._former for k in exact_keys)
        ambiguous = next((self._ambiguous[k] for k in (zh, latin) if k in self._ambiguous), None)
        if ambiguous and not outside:
            return Resolution([PlaceMatch(p, 100) for p in ambiguous], [], sure=False, former=former)
        if outside:
            shared = [m for m in matches if m.score >= 95]  # a lookalike (Taishan ~ Lanshan) is no candidate
            return Resolution(shared, outside, sure=False, former=former)
        sure = [m for m in matches if m.score >= 95]
        certain = bool(sure) and (
            len(sure) == 1 or sure[0].place.queue == sure[1].place.queue or sure[0].score > sure[1].score
        )
        return Resolution(matches, [], sure=certain, former=former)

    def _names_prefecture(self, zh: str, words: set[str], matches: list[PlaceMatch]) -> bool:
        """Whether the text also names the prefecture of its match (张家界永定区, Yongding, Zhangjiajie)."""
        for m in matches:
            prefecture = self.federation.prefecture_of(m.place)
            if prefecture is None or prefecture == m.place:
                continue
            for key in keys_of(prefecture):
                if (key in words) if key.isascii() else (len(key) >= 2 and key in zh):
                    return True
        return False

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
        return self.federation.level(place)


def _key(name: str) -> str:
    """A name as the index holds it: Chinese normalised without spaces, Latin folded."""
    return fold_latin(name) if name.isascii() else normalize(name).replace(" ", "")
