"""Canned replies staff pick in the console, maintained by admins in ``faq/canned_replies.yaml``.

Optional: without the file there are none. Validated like the other content files (each problem
with its file and line), reloaded with them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.content.fields import Reader, describe
from bot.content.problems import Problem
from bot.content.yamlsrc import LineDict, LineList, load_yaml
from bot.text.localized import Localized

CANNED_FILE = "canned_replies.yaml"
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_TEXT = 3000


@dataclass(frozen=True, slots=True)
class CannedReply:
    id: str
    title: Localized
    text: Localized


def check_canned(directory: Path) -> tuple[tuple[CannedReply, ...], list[Problem]]:
    path = directory / CANNED_FILE
    if not path.exists():
        return (), []
    reader = Reader(path)
    data, syntax = load_yaml(path)
    reader.problems.extend(syntax)
    if data is None:
        return (), reader.problems
    if not isinstance(data, LineDict) or not isinstance(data.get("replies"), LineList):
        reader.error(1, f"{CANNED_FILE} must have a list 'replies:', got {describe(data)}")
        return (), reader.problems
    reader.keys(data, CANNED_FILE, {"replies"}, {"replies"})
    out: list[CannedReply] = []
    seen: set[str] = set()
    items: LineList = data["replies"]
    for i, item in enumerate(items):
        where = f"reply {i + 1}"
        if not isinstance(item, LineDict):
            reader.error(items.line_of(i), f"{where}: expected a mapping with id, title, text, got {describe(item)}")
            continue
        reader.keys(item, where, {"id", "title", "text"}, {"id", "title", "text"})
        reply_id = reader.text(item, "id", where)
        title = reader.localized(item, "title", where)
        text = reader.localized(item, "text", where)
        if reply_id is not None and not ID_RE.fullmatch(reply_id):
            reader.error(item.line_of("id"), f"{where}: id {reply_id!r} must be lower-case words joined by '-'")
            continue
        if reply_id in seen:
            reader.error(item.line_of("id"), f"{where}: id {reply_id!r} is used twice")
            continue
        if text is not None and max(len(text.zh), len(text.en)) > MAX_TEXT:
            reader.error(item.line_of("text"), f"{where}: text longer than {MAX_TEXT} characters")
            continue
        if reply_id and title and text:
            seen.add(reply_id)
            out.append(CannedReply(reply_id, title, text))
    return tuple(out), reader.problems
