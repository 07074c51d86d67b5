"""The association directory: find associations by place name or by location."""

from __future__ import annotations

import re
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
_BUTTON_KEY = re.compile(r"[a-z0-9_.\-]{1,40}")  # fits a callback token (bot/messaging/callbacks.py)


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
        # Many associations share a city: its keys are worked out once (10,000 associations would
        # otherwise normalise the same names anew).
        known: dict[tuple[str, ...], set[str]] = {}

        def keys_of(*names: str) -> set[str]:
            got = known.get(names)
            if got is None:
                got = known[names] = search_keys(*names)
            return got

        for a in self.associations:
            for key in keys_of(a.city.zh, a.city.en, *a.city_aliases):
                self._city.setdefault(key, []).append(a)
            self._country.setdefault(a.country, []).append(a)
            for key in search_keys(a.name.zh, a.name.en, *a.aliases):
                self._name.setdefault(key, []).append(a)
        self._keys = sorted({*self._city, *self._name})

    def find(self, text: str, *, limit: int = 10) -> list[Association]:
        """Associations for a city or association name, best first: exact names first, then names
        inside the text ("我在吉隆坡"), then close spellings (Kuala Lumpor, niuyue). Countries are not
        matched here (``bot.directory.places`` reads them; see ``in_country``)."""
        return self.exact(text)[:limit] or self.contained(text)[:limit] or self.fuzzy(text)[:limit]

    def exact(self, text: str) -> list[Association]:
        for index in (self._city, self._name):
            for key in sorted(search_keys(text)):
                if key in index and (len(key) > 2 or text.strip().isupper() or not key.isascii()):
                    return list(index[key])
        return []

    def exact_key(self, text: str) -> str | None:
        """An ASCII index key the text matches exactly (pinyin for Chinese), to page through later."""
        for index in (self._city, self._name):
            for key in sorted(search_keys(text)):
                if key in index and _BUTTON_KEY.fullmatch(key):
                    return key
        return None

    def by_key(self, key: str) -> list[Association]:
        return list(self._city.get(key) or self._name.get(key) or ())

    def contained(self, text: str) -> list[Association]:
        return self._contained(normalize(text))

    def fuzzy(self, text: str) -> list[Association]:
        found: list[Association] = []
        for key in search_keys(text):
            if len(key) < 4:
                continue
            for match, _, _ in process.extract(key, self._keys, scorer=fuzz.ratio, limit=3, score_cutoff=FUZZY_CUTOFF):
                for index in (self._city, self._name):
                    found.extend(a for a in index.get(match, ()) if a not in found)
        return found

    def in_country(self, code: str) -> list[Association]:
        return list(self._country.get(code, ()))

    def country_aliases(self) -> dict[str, str]:
        """The directory's own names of its countries (names and aliases), key → ISO code."""
        from bot.directory.places import key as place_key

        out: dict[str, str] = {}
        for c in self.countries:
            for name in (c.name.zh, c.name.en, *c.aliases):
                for k in {place_key(name), *search_keys(name)}:  # 马来西亚, and its pinyin malaixiya
                    out.setdefault(k, c.code)
        return out

    def _contained(self, norm: str) -> list[Association]:
        flat = norm.replace(" ", "")
        words = set(norm.split())
        out: list[Association] = []
        for key in sorted(self._city, key=len, reverse=True):
            if key.isascii():  # a word, or several run together: "I'm in New York" → newyork
                hit = (len(key) >= 4 and key in words) or (len(key) >= 6 and key in flat)
            else:  # 我在纽约
                hit = len(key) >= 2 and key in flat
            if hit:
                out.extend(a for a in self._city[key] if a not in out)
        return out

    def nearest(self, lat: float, lon: float, *, limit: int = 5) -> list[tuple[float, Association]]:
        """The nearest associations to a point, with great-circle distances in km."""
        return self._grid.nearest(lat, lon, limit)

    def stale(self, *, older_than: date) -> list[Association]:
        return sorted((a for a in self.associations if a.last_verified < older_than), key=lambda a: a.last_verified)
