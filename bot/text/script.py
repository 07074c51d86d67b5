"""Chinese script conversion (Traditional ⇄ Simplified) with OpenCC, converters built once."""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import cache
from typing import Literal

import opencc

Variant = Literal["tw", "hk"]
# Which Traditional vocabulary the person being answered reads: Taiwan (s2twp: 資料, 訊息, 連結) by
# default, Hong Kong (s2hk) for a Telegram app set to zh-HK or zh-MO. Set per update (a context
# variable: concurrent updates and worker threads each see their own person's).
_VARIANT: ContextVar[Variant] = ContextVar("traditional_variant", default="tw")
_HK_TAGS = ("zh-hk", "zh-mo", "zh-hant-hk", "zh-hant-mo", "yue")


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
    "彆着": "別着",
    "瞭解": "了解",
    "回複": "回覆",
    "併發送": "並發送",
    "曆史": "歷史",
    # s2twp reads some everyday words as computing terms: 注销 (a hukou) is not 登出 (log out), a
    # service 窗口 is not a 視窗, 对象 (who is eligible) not 物件, a 视频 call is 視訊, policies are 發佈.
    "登出": "註銷",
    "視窗": "窗口",
    "物件": "對象",
    "影片聊": "視訊聊",
    "影片通話": "視訊通話",
    "影片公證": "視訊公證",
    "釋出": "發佈",
    "稽核": "審核",
    "檔案": "文件",
}


def traditional_variant(telegram_code: str | None) -> Variant:
    """Hong Kong vocabulary for a Telegram app in zh-HK / zh-MO, Taiwan's for every other Traditional reader."""
    tag = (telegram_code or "").strip().lower().replace("_", "-")
    return "hk" if tag.startswith(_HK_TAGS) else "tw"


def use_variant(telegram_code: str | None) -> None:
    """Answer the person of this update (task or thread) in their Traditional vocabulary."""
    _VARIANT.set(traditional_variant(telegram_code))


def current_variant() -> Variant:
    return _VARIANT.get()


def to_traditional(text: str, variant: Variant | None = None) -> str:
    """Convert Simplified Chinese to Traditional in the reader's vocabulary: Taiwan's (OpenCC ``s2twp``:
    數據 → 資料, 信息 → 訊息, 鏈接 → 連結) or Hong Kong's (``s2hk``); the current person's unless given."""
    chosen = variant or _VARIANT.get()
    out = str(_converter("s2hk" if chosen == "hk" else "s2twp").convert(text))
    for wrong, right in _TRADITIONAL_FIXES.items():
        out = out.replace(wrong, right)
    return out


def has_cjk(text: str) -> bool:
    """Whether the text contains at least one CJK ideograph."""
    return _CJK_RE.search(text) is not None


_CJK_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")  # as is_cjk_char


def looks_traditional(text: str) -> bool:
    """Whether the text uses characters that only exist in Traditional Chinese."""
    return has_cjk(text) and to_simplified(text) != text


def is_cjk_char(ch: str) -> bool:
    """Whether one character is a CJK ideograph (basic, extension A/B…, compatibility)."""
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2EBEF or 0xF900 <= code <= 0xFAFF
    )
