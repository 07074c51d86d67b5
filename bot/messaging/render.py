"""Telegram HTML: lengths as Telegram counts them, splitting to fit its 4096-unit limit, plain text for terminals."""

from __future__ import annotations

import html
import re

TELEGRAM_LIMIT = 4096


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


_TAG_RE = re.compile(r"<(/?)([a-z]+)[^>]*>")


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split HTML at paragraph, line or word boundaries so every part fits ``limit``.

    Each part is valid on its own: tags open at a cut are closed before it and reopened after it.
    """
    if utf16_len(text) <= limit:
        return [text]
    budget = limit - 64  # room for closing and reopening tags
    parts: list[str] = []
    rest = text
    while utf16_len(rest) > budget:
        cut = _cut_point(rest, budget)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip("\n ")
        open_tags = _open_tags(head)
        parts.append(head + "".join(f"</{name}>" for name, _ in reversed(open_tags)))
        rest = "".join(tag for _, tag in open_tags) + rest
    if rest.strip():
        parts.append(rest)
    return parts


def _cut_point(text: str, budget: int) -> int:
    """The best index ≤ budget (in UTF-16 units) to cut at, never inside a tag or an entity."""
    max_chars = _chars_within(text, budget)
    window = text[:max_chars]
    for sep in ("\n\n", "\n", "。", ". ", " "):
        idx = window.rfind(sep)
        if idx > max_chars // 2:
            return _outside_markup(text, idx + len(sep))
    return _outside_markup(text, max_chars)


def _chars_within(text: str, budget: int) -> int:
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > budget:
            return i
    return len(text)


def _outside_markup(text: str, idx: int) -> int:
    """Move ``idx`` back to before any tag or entity it would cut through."""
    lt, gt = text.rfind("<", 0, idx), text.rfind(">", 0, idx)
    if lt > gt:
        idx = lt
    amp, semi = text.rfind("&", 0, idx), text.rfind(";", 0, idx)
    if amp > semi and idx - amp < 10:
        idx = amp
    return idx


def _open_tags(fragment: str) -> list[tuple[str, str]]:
    stack: list[tuple[str, str]] = []
    for match in _TAG_RE.finditer(fragment):
        closing, name = match.group(1), match.group(2)
        if closing:
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == name:
                    del stack[i]
                    break
        else:
            stack.append((name, match.group(0)))
    return stack


def html_to_text(text: str) -> str:
    """Plain text for a terminal: links as 'title (url)', tags dropped, entities decoded."""
    text = re.sub(
        r'<a href="([^"]*)">(.*?)</a>',
        lambda m: m.group(2) if m.group(2) == m.group(1) else f"{m.group(2)} ({m.group(1)})",
        text,
    )
    return html.unescape(re.sub(r"<[^>]+>", "", text))
