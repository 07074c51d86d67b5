"""Toneless pinyin of single CJK characters, from a compact table (about 60 KiB).

Used to catch pinyin-input slips: a user who types 过其 for 过期 picked the wrong character of the
same sound, so the two bigrams share their pinyin (guo qi). Only each character's first (most
common) reading is kept; that is enough for a similarity feature.

The table is read from pypinyin's own ``pinyin_dict.json`` without importing the ``pypinyin``
package: importing it loads its phrase dictionary as well, which costs about 55 MiB of memory.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from array import array
from collections.abc import Iterator
from functools import cache
from pathlib import Path

_FIRST = 0x3400  # CJK extension A … basic block end: the characters people type
_LAST = 0x9FFF


_LINE = re.compile(r'^"(\d+)":\s*"([^",]*)')


@cache
def _table(spelling: str = "feature") -> tuple[array[int], tuple[str, ...]]:
    """Each character's syllable number, and the syllables. ``feature``: ü written u (what the
    matcher's features were tuned with); ``romanized``: ü written v, as pypinyin writes it."""
    codes: array[int] = array("H", bytes(2 * (_LAST - _FIRST + 1)))
    syllables: dict[str, int] = {"": 0}
    toneless = _toneless if spelling == "feature" else _toneless_v
    plain: dict[str, str] = {}  # 42,000 characters share 1,500 readings
    for char_code, reading in _readings():
        if _FIRST <= char_code <= _LAST and reading:
            if (sound := plain.get(reading)) is None:
                sound = plain[reading] = toneless(reading)
            codes[char_code - _FIRST] = syllables.setdefault(sound, len(syllables))
    return codes, tuple(syllables)


def _toneless_v(reading: str) -> str:
    decomposed = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _readings() -> Iterator[tuple[int, str]]:
    """(code point, first reading) pairs, streamed line by line: no 40,000-key dict is built."""
    try:
        spec = importlib.util.find_spec("pypinyin")
    except (ImportError, ValueError):  # a stand-in module without a spec
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "pinyin_dict.json"
        if path.exists():
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    if m := _LINE.match(line):
                        yield int(m[1]), m[2]
            return
    from pypinyin.pinyin_dict import pinyin_dict  # pragma: no cover - another layout: the module itself

    for code, readings in pinyin_dict.items():  # pragma: no cover
        yield code, readings.split(",")[0]


def _toneless(reading: str) -> str:
    decomposed = unicodedata.normalize("NFD", reading)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ü", "v")


def syllable(ch: str) -> str:
    """The toneless pinyin of one character ("" for anything else)."""
    code = ord(ch) if len(ch) == 1 else -1
    if not _FIRST <= code <= _LAST:
        return ""
    codes, syllables = _table()
    return syllables[codes[code - _FIRST]]


def romanize(text: str) -> str:
    """Toneless pinyin of a text, syllables run together; anything not a CJK character stays as it is.

    What ``pypinyin.lazy_pinyin`` gives joined, without importing it (~55 MiB): a character's most
    common reading rather than the one its phrase asks for (重庆 → zhongqing, not chongqing) — both
    the names and what people type go through it, so they still meet.
    """
    return text.translate(_ROMANIZED)


class _Romanized(dict[int, str]):
    """``str.translate`` table: a CJK character becomes its syllable, anything else stays. Filled as
    characters are met (10,000 association names went character by character through Python)."""

    def __missing__(self, code: int) -> str:
        codes, syllables = _table("romanized")
        out = (syllables[codes[code - _FIRST]] if _FIRST <= code <= _LAST else "") or chr(code)
        if code <= _LAST:  # kept for the characters people write (not for every code point one could send)
            self[code] = out
        return out


_ROMANIZED = _Romanized()
