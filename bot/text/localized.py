"""A text in the two content languages (Simplified Chinese and English)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ContentLang = Literal["zh", "en"]
CONTENT_LANGS: tuple[ContentLang, ...] = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Localized:
    """A text in Simplified Chinese and English (Traditional is derived at render time)."""

    zh: str
    en: str

    def get(self, lang: ContentLang) -> str:
        return self.zh if lang == "zh" else self.en
