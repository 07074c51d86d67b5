"""FAQ domain objects: categories, entries and the loaded FAQ as a whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from bot.text.localized import CONTENT_LANGS, ContentLang, Localized


@dataclass(frozen=True, slots=True)
class Link:
    title: Localized
    url: str


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    name: Localized


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: str
    category: str
    questions: dict[ContentLang, tuple[str, ...]]
    answer: Localized
    keywords: dict[ContentLang, tuple[str, ...]] = field(default_factory=dict)
    links: tuple[Link, ...] = ()

    def title(self, lang: ContentLang) -> str:
        """The entry's first phrasing in that language: its display title."""
        return self.questions[lang][0]


@dataclass(frozen=True)
class Faq:
    """A validated FAQ: categories in display order and entries in file order."""

    categories: tuple[Category, ...]
    entries: tuple[FaqEntry, ...]
    by_id: MappingProxyType[str, FaqEntry] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", MappingProxyType({e.id: e for e in self.entries}))

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def in_category(self, category_id: str) -> list[FaqEntry]:
        return [e for e in self.entries if e.category == category_id]


__all__ = ["CONTENT_LANGS", "Category", "ContentLang", "Faq", "FaqEntry", "Link", "Localized"]
