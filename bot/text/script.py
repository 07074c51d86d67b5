"""Chinese script conversion (Traditional ⇄ Simplified) with OpenCC, converters built once."""

from __future__ import annotations

from functools import cache

import opencc


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Convert Traditional Chinese characters to Simplified; other text is unchanged."""
    return str(_converter("t2s").convert(text))


# Phrases OpenCC's tables get wrong in this bot's texts: 换发 (reissue) is not 換髮 (new hair),
# 免签 (visa-free) is not 免籤 (lottery slip), 别着急 is not 彆著急; Taiwan's standard is 了解.
_TRADITIONAL_FIXES = {
    "換髮": "換發",
    "免籤": "免簽",
    "彆著": "別著",
    "瞭解": "了解",
    "回複": "回覆",
    "併發送": "並發送",
    "曆史": "歷史",
}


def to_traditional(text: str) -> str:
    """Convert Simplified Chinese to Traditional with Taiwan-standard characters (OpenCC ``s2tw``).

    Readers in Taiwan, Hong Kong, Macau and South-East Asia all read these forms (為, 裡, 著).
    """
    out = str(_converter("s2tw").convert(text))
    for wrong, right in _TRADITIONAL_FIXES.items():
        out = out.replace(wrong, right)
    return out


def has_cjk(text: str) -> bool:
    """Whether the text contains at least one CJK ideograph."""
    return any(is_cjk_char(ch) for ch in text)


def looks_traditional(text: str) -> bool:
    """Whether the text uses characters that only exist in Traditional Chinese."""
    return has_cjk(text) and to_simplified(text) != text


def is_cjk_char(ch: str) -> bool:
    """Whether one character is a CJK ideograph (basic, extension A/B…, compatibility)."""
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2EBEF or 0xF900 <= code <= 0xFAFF
    )
