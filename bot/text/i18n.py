"""User-facing texts: one YAML file per language in ``locales/`` (Simplified Chinese and English).

Traditional Chinese is derived from the Simplified text with OpenCC. Texts are HTML (Telegram's
parse mode); every value passed to :func:`t` is escaped here, so a user's name or words can never
inject markup. The files are read on first use, never at import.
"""

from __future__ import annotations

import html
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from bot.text.language import UiLang
from bot.text.script import to_traditional

LOCALES = ("zh-Hans", "en")


@cache
def catalog(locale: str) -> dict[str, str]:
    """The texts of one locale file (``zh-Hans`` or ``en``), key → text."""
    raw = files("bot.text").joinpath("locales", f"{locale}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ValueError(f"bot/text/locales/{locale}.yaml must map text keys to strings")
    return data


class Typed(str):
    """Words a person typed, echoed back: shown as typed, never converted to Traditional (or to
    Simplified) with the text around them."""

    __slots__ = ()


def t(key: str, lang: UiLang, /, **values: Any) -> str:
    """The text ``key`` in ``lang`` with every value HTML-escaped; ``Typed`` values stay as typed."""
    text = catalog("en" if lang == "en" else "zh-Hans")[key]
    escaped = {k: html.escape(str(v), quote=False) for k, v in values.items()}
    kept: dict[str, str] = {}
    if lang == "zh-Hant":
        for i, (k, v) in enumerate(values.items()):
            if isinstance(v, Typed):  # a private-use mark stands in for it while the rest is converted
                mark = f"\ue000{i}\ue001"
                kept[mark], escaped[k] = escaped[k], mark
    out = localize(text.format(**escaped) if values else text, lang)
    for mark, value in kept.items():
        out = out.replace(mark, value)
    return out


def localize(text: str, lang: UiLang) -> str:
    """Convert Simplified text for Traditional readers; other languages are unchanged."""
    return to_traditional(text) if lang == "zh-Hant" else text
