"""Small strict readers for YAML fields that record a :class:`Problem` instead of raising."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content.problems import Problem
from bot.content.yamlsrc import LineDict, LineList
from bot.text.localized import CONTENT_LANGS, ContentLang, Localized

_YAML_HINTS = {
    bool: "YAML reads yes/no/on/off/true/false as a boolean: put the text in quotes",
    int: "YAML reads it as a number (9:30 becomes 570): put the text in quotes",
    float: "YAML reads it as a number: put the text in quotes",
}


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    hint = _YAML_HINTS.get(type(value))
    return f"{value!r} ({hint})" if hint else repr(value)


@dataclass
class Reader:
    """Collects problems for one file while reading its fields."""

    path: Path
    problems: list[Problem] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def warn(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message, "warning"))

    def keys(self, node: LineDict, where: str, allowed: set[str], required: set[str]) -> None:
        if not node.keys() <= allowed:
            for key in node:
                if key not in allowed:
                    self.error(
                        node.line_of(key),
                        f"{where}: unknown field {key!r} (allowed: {', '.join(sorted(allowed))})",
                    )
        if missing := required - node.keys():
            for key in sorted(missing):
                self.error(node.line, f"{where}: missing required field {key!r}")

    def text(self, node: LineDict, key: str, where: str) -> str | None:
        value = node.get(key)
        if key not in node:
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(node.line_of(key), f"{where}: {key!r} must be non-empty text, got {describe(value)}")
            return None
        return value.strip()

    def texts(self, node: LineDict, key: str, where: str) -> tuple[str, ...]:
        """An optional list of non-empty texts (empty when absent)."""
        value = node.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.error(node.line_of(key), f"{where}: {key} must be a list of texts")
            return ()
        return tuple(v.strip() for v in value)

    def mapping(self, node: LineDict, key: str, where: str) -> LineDict | None:
        value = node.get(key)
        if key not in node:
            return None
        if not isinstance(value, LineDict):
            self.error(node.line_of(key), f"{where}: {key!r} must be a mapping, got {describe(value)}")
            return None
        return value

    def localized(self, node: LineDict, key: str, where: str) -> Localized | None:
        """A ``{zh: text, en: text}`` field; both languages are required."""
        inner = self.mapping(node, key, where)
        if inner is None:
            return None
        self.keys(inner, f"{where} {key}", set(CONTENT_LANGS), set(CONTENT_LANGS))
        zh = self.text(inner, "zh", f"{where} {key}")
        en = self.text(inner, "en", f"{where} {key}")
        return Localized(zh, en) if zh and en else None

    def text_lists(
        self, node: LineDict, key: str, where: str, *, required: bool
    ) -> dict[ContentLang, tuple[str, ...]] | None:
        """A ``{zh: [text…], en: [text…]}`` field (a language missing is left out)."""
        inner = self.mapping(node, key, where)
        if inner is None:
            return None
        self.keys(inner, f"{where} {key}", set(CONTENT_LANGS), set(CONTENT_LANGS) if required else set())
        out: dict[ContentLang, tuple[str, ...]] = {}
        for lang in CONTENT_LANGS:
            if lang not in inner:
                continue
            items = inner[lang]
            if not isinstance(items, LineList) or (required and not items):
                self.error(inner.line_of(lang), f"{where} {key}.{lang} must be a non-empty list of texts")
                continue
            good: list[str] = []
            for i, item in enumerate(items):
                if isinstance(item, str) and (text := item.strip()):
                    good.append(text)
                else:
                    self.error(items.line_of(i), f"{where} {key}.{lang}: expected text, got {describe(item)}")
            out[lang] = tuple(good)
        return out
