"""Which language a user reads: Simplified Chinese, Traditional Chinese or English."""

from __future__ import annotations

import re
from typing import Literal

from bot.text.localized import ContentLang
from bot.text.script import has_cjk, looks_traditional

UiLang = Literal["zh-Hans", "zh-Hant", "en"]
UI_LANGS: tuple[UiLang, ...] = ("zh-Hans", "zh-Hant", "en")
_HANT_TAGS = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def from_telegram(code: str | None) -> UiLang:
    """Default language from Telegram's ``language_code`` (an IETF tag such as zh-hans, zh-TW, en)."""
    tag = (code or "").strip().lower().replace("_", "-")
    if tag.startswith(_HANT_TAGS):
        return "zh-Hant"
    if tag.startswith("zh"):
        return "zh-Hans"
    return "en"


def parse(value: str | None) -> UiLang | None:
    """A stored or typed language name → UiLang, or None if it is not one we offer."""
    if not value:
        return None
    aliases: dict[str, UiLang] = {
        "zh-hans": "zh-Hans",
        "zh": "zh-Hans",
        "zh-cn": "zh-Hans",
        "hans": "zh-Hans",
        "sc": "zh-Hans",
        "zh-hant": "zh-Hant",
        "zh-tw": "zh-Hant",
        "zh-hk": "zh-Hant",
        "hant": "zh-Hant",
        "tc": "zh-Hant",
        "en": "en",
        "english": "en",
    }
    return aliases.get(value.strip().lower())


def resolve(chosen: str | None, telegram_code: str | None, text: str | None = None) -> UiLang:
    """The language to answer in.

    An explicit choice (``/language``) always wins. Otherwise the message decides: someone who
    writes in Chinese reads Chinese, in the script they wrote; someone who writes a sentence in
    English reads English. Otherwise (numbers, a single word, no text) the Telegram app's language.
    """
    explicit = parse(chosen)
    if explicit:
        return explicit
    default = from_telegram(telegram_code)
    if text and has_cjk(text):
        if looks_traditional(text):
            return "zh-Hant"
        return default if default != "en" else "zh-Hans"
    if text and len(_LATIN_WORD.findall(text)) >= 2:
        return "en"
    return default


def content_lang(lang: UiLang) -> ContentLang:
    """FAQ content exists in zh and en; Traditional readers get zh converted at render time."""
    return "en" if lang == "en" else "zh"


def as_ui_lang(value: str) -> UiLang:
    parsed = parse(value)
    if parsed is None:
        raise ValueError(f"unknown language {value!r}; use zh-Hans, zh-Hant or en")
    return parsed
