"""The association directory: find associations by place name or by location."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from rapidfuzz import fuzz, process

from bot.directory.geo import GridIndex
from bot.text.localized import Localized
from bot.text.normalize import normalize
from bot.text.pinyin import romanize
from bot.text.script import has_cjk

FUZZY_CUTOFF = 88


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name: Localized
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Association:
    id: str
    name: Localized
    country: str
    city: Localized
    lat: float
    lon: float
    languages: tuple[str, ...]
    description: Localized
    contacts: MappingProxyType[str, str]
    join: str  # "request" or an https URL
    last_verified: date
    aliases: tuple[str, ...] = ()
    city_aliases: tuple[str, ...] = ()
    hometown: str | None = None

    @property
    def joins_by_request(self) -> bool:
        return self.join == "request"


def search_keys(*names: str) -> set[str]:
    """Normalised keys for names: the name itself (no spaces) and, for Chinese, its pinyin."""
    keys: set[str] = set()
    for name in names:
        norm = normalize(name)
        if not norm:
            continue
        keys.add(norm.replace(" ", ""))
        if has_cjk(norm):
            keys.add(romanize(norm.replace(" ", "")))
    return keys


@dataclass
class Directory:
    countries: tuple[Country, ...]
    associations: tuple[Association, ...]
    by_id: MappingProxyType[str, Association] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_id = MappingProxyType({a.id: a for a in self.associations})
        self._grid: GridIndex[Association] = GridIndex([(a.lat, a.lon, a) for a in self.associations])
        self._city: dict[str, list[Association]] = {}
        self._country: dict[str, list[Association]] = {}
        self._name: dict[str, list[Association]] = {}
        countries = {c.code: c for c in self.countries}
        # Many associations share a city, and every one of a country shares its names: their keys
        # are worked out once (10,000 associations would otherwise normalise the same names anew).
        known: dict[tuple[str, ...], set[str]] = {}

        def keys_of(*names: str) -> set[str]:
            got = known.get(names)
            if got is None:
                got = known[names] = search_keys(*names)
            return got

        for a in self.associations:
            for key in keys_of(a.city.zh, a.city.en, *a.city_aliases):
                self._city.setdefault(key, []).append(a)
            country = countries.get(a.country)
            names = (country.name.zh, country.name.en, *country.aliases) if country else ()
            for key in keys_of(a.country, *names):
                self._country.setdefault(key, []).append(a)
            for key in search_keys(a.name.zh, a.name.en, *a.aliases):
                self._name.setdefault(key, []).append(a)
        self._keys = sorted({*self._city, *self._country, *self._name})

    def find(self, text: str, *, limit: int = 10) -> list[Association]:
        """Associations for a city, country or association name, best first.

        Exact names first (a city before its country), then names inside the text
        ("我在吉隆坡"), then close spellings (Kuala Lumpor, niuyue).
        """
        keys = search_keys(text)
        for index in (self._city, self._name, self._country):
            for key in keys:
                if key in index:
                    return index[key][:limit]
        contained = self._contained(normalize(text))
        if contained:
            return contained[:limit]
        found: list[Association] = []
        for key in keys:
            for match, _, _ in process.extract(key, self._keys, scorer=fuzz.ratio, limit=3, score_cutoff=FUZZY_CUTOFF):
                for index in (self._city, self._name, self._country):
                    found.extend(a for a in index.get(match, ()) if a not in found)
        return found[:limit]

    def _contained(self, norm: str) -> list[Association]:
        flat = norm.replace(" ", "")
        words = set(norm.split())
        out: list[Association] = []
        for index, shortest in ((self._city, 2), (self._country, 3)):
            for key in sorted(index, key=len, reverse=True):
                if key.isascii():  # a word, or several run together: "I'm in New York" → newyork
                    hit = key in words or (len(key) >= 6 and key in flat)
                else:  # 我在纽约 (a country needs 3 characters: 大马 is also in 大马士革)
                    hit = len(key) >= shortest and key in flat
                if hit:
                    out.extend(a for a in index[key] if a not in out)
        return out

    def nearest(self, lat: float, lon: float, *, limit: int = 5) -> list[tuple[float, Association]]:
        """The nearest associations to a point, with great-circle distances in km."""
        return self._grid.nearest(lat, lon, limit)

    def stale(self, *, older_than: date) -> list[Association]:
        return sorted((a for a in self.associations if a.last_verified < older_than), key=lambda a: a.last_verified)
