"""Read ``faq/categories.yaml`` and every FAQ entries file into a validated :class:`Faq`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.content.fields import Reader, describe
from bot.content.problems import ContentError, Problem
from bot.content.yamlsrc import LineDict, LineList, load_yaml
from bot.faq.entries import CONTENT_LANGS, Category, Faq, FaqEntry, Link, Localized
from bot.text.normalize import normalize

CATEGORIES_FILE = "categories.yaml"
# Files in FAQ_DIR that are not FAQ entries: other features read them.
OTHER_FILES = frozenset({CATEGORIES_FILE, "federations.yaml", "associations.yaml", "canned_replies.yaml"})
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_ID = 40
MAX_ANSWER = 3500
_ENTRY_FIELDS = {"id", "category", "questions", "keywords", "answer", "links"}
_ENTRY_REQUIRED = {"id", "category", "questions", "answer"}


@dataclass(frozen=True)
class FaqLoad:
    faq: Faq
    problems: list[Problem]  # warnings only; errors raise ContentError

    @property
    def warnings(self) -> list[Problem]:
        return self.problems


def yaml_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def entry_files(directory: Path) -> list[Path]:
    return [p for p in yaml_files(directory) if p.name not in OTHER_FILES]


def load_faq(directory: Path) -> FaqLoad:
    """Load and validate the FAQ; raise :class:`ContentError` listing every error found."""
    faq, problems = check_faq(directory)
    if faq is None or any(p.severity == "error" for p in problems):
        raise ContentError(problems)
    return FaqLoad(faq, problems)


def check_faq(directory: Path) -> tuple[Faq | None, list[Problem]]:
    """Validate without raising: the FAQ (if it could be built) and all problems, sorted by place."""
    if not directory.is_dir():
        return None, [Problem(directory, 0, "the FAQ directory does not exist (check FAQ_DIR)")]
    problems: list[Problem] = []
    before = len(problems)
    categories = _load_categories(directory / CATEGORIES_FILE, problems)
    # If categories.yaml itself is broken, "unknown category" on every entry would bury its error.
    category_ids = None if any(p.severity == "error" for p in problems[before:]) else {c.id for c in categories}
    files = entry_files(directory)
    if not files:
        problems.append(Problem(directory, 0, "no FAQ entry files (*.yaml) found"))
    entries: list[FaqEntry] = []
    seen_ids: dict[str, tuple[Path, int]] = {}
    seen_phrasings: dict[str, tuple[str, Path, int]] = {}
    for path in files:
        reader = Reader(path)
        data, syntax = load_yaml(path)
        reader.problems.extend(syntax)
        if data is None and not syntax:
            reader.warn(1, "the file is empty")
        elif data is not None and not isinstance(data, LineList):
            reader.error(
                getattr(data, "line", 1),
                f"the file must be a list of entries (- id: …), got {describe(data)}",
            )
        elif isinstance(data, LineList):
            for i, item in enumerate(data):
                entry = _entry(reader, item, data.line_of(i), category_ids)
                if entry is None:
                    continue
                line = item.line
                if entry.id in seen_ids:
                    other_path, other_line = seen_ids[entry.id]
                    reader.error(line, f"duplicate id {entry.id!r} (first used at {other_path.name}:{other_line})")
                    continue
                seen_ids[entry.id] = (path, line)
                _check_phrasings(reader, entry, item, seen_phrasings)
                entries.append(entry)
        problems.extend(reader.problems)
    used = {e.category for e in entries}
    for cat in categories:
        if cat.id not in used:
            problems.append(Problem(directory / CATEGORIES_FILE, 1, f"category {cat.id!r} has no entries", "warning"))
    problems.sort(key=lambda p: (str(p.path), p.line))
    faq = Faq(tuple(categories), tuple(entries)) if entries else None
    return faq, problems


def _load_categories(path: Path, problems: list[Problem]) -> list[Category]:
    reader = Reader(path)
    out: list[Category] = []
    if not path.exists():
        problems.append(Problem(path, 0, "categories.yaml is missing: it lists the FAQ categories"))
        return out
    data, syntax = load_yaml(path)
    reader.problems.extend(syntax)
    if data is not None and not isinstance(data, LineList):
        reader.error(1, f"categories.yaml must be a list of categories (- id: …), got {describe(data)}")
    elif isinstance(data, LineList):
        seen: set[str] = set()
        for i, item in enumerate(data):
            if not isinstance(item, LineDict):
                reader.error(data.line_of(i), f"a category must be a mapping with id and name, got {describe(item)}")
                continue
            reader.keys(item, "category", {"id", "name"}, {"id", "name"})
            cid = reader.text(item, "id", "category")
            name = reader.localized(item, "name", f"category {cid or '?'}")
            if cid and not ID_RE.match(cid):
                reader.error(item.line_of("id"), f"category id {cid!r} must be lowercase letters, digits and hyphens")
            elif cid in seen:
                reader.error(item.line_of("id"), f"duplicate category id {cid!r}")
            elif cid and name:
                seen.add(cid)
                out.append(Category(cid, name))
    problems.extend(reader.problems)
    return out


def _entry(reader: Reader, item: object, line: int, categories: set[str] | None) -> FaqEntry | None:
    if not isinstance(item, LineDict):
        reader.error(line, f"an entry must be a mapping (id, category, questions, answer), got {describe(item)}")
        return None
    eid = reader.text(item, "id", "entry")
    where = f"entry {eid!r}" if eid else "entry"
    reader.keys(item, where, _ENTRY_FIELDS, _ENTRY_REQUIRED)
    ok = eid is not None
    if eid is not None and (not ID_RE.match(eid) or len(eid) > MAX_ID):
        reader.error(
            item.line_of("id"),
            f"id {eid!r} must be lowercase letters, digits and single hyphens, ≤ {MAX_ID} characters",
        )
        ok = False
    category = reader.text(item, "category", where)
    if category is not None and categories is not None and category not in categories:
        reader.error(item.line_of("category"), f"{where}: unknown category {category!r} (see categories.yaml)")
        ok = False
    questions = reader.text_lists(item, "questions", where, required=True)
    keywords = reader.text_lists(item, "keywords", where, required=False) if "keywords" in item else {}
    answer = reader.localized(item, "answer", where)
    if answer is not None:
        for lang in CONTENT_LANGS:
            if len(answer.get(lang)) > MAX_ANSWER:
                reader.warn(
                    item.line_of("answer"),
                    f"{where}: the {lang} answer is over {MAX_ANSWER} characters; it will be sent in parts",
                )
    links = _links(reader, item, where)
    if not (ok and category and questions is not None and keywords is not None and answer and links is not None):
        return None
    if any(lang not in questions or not questions[lang] for lang in CONTENT_LANGS):
        return None
    return FaqEntry(
        id=eid or "",
        category=category,
        questions={lang: questions[lang] for lang in CONTENT_LANGS},
        answer=answer,
        keywords={lang: keywords.get(lang, ()) for lang in CONTENT_LANGS},
        links=links,
    )


def _links(reader: Reader, item: LineDict, where: str) -> tuple[Link, ...] | None:
    if "links" not in item:
        return ()
    raw = item["links"]
    if not isinstance(raw, LineList):
        reader.error(item.line_of("links"), f"{where}: links must be a list, got {describe(raw)}")
        return None
    out: list[Link] = []
    for i, link in enumerate(raw):
        if not isinstance(link, LineDict):
            reader.error(raw.line_of(i), f"{where}: a link must have title and url, got {describe(link)}")
            return None
        reader.keys(link, f"{where} link", {"title", "url"}, {"title", "url"})
        title = reader.localized(link, "title", f"{where} link")
        url = reader.text(link, "url", f"{where} link")
        if url and not url.startswith(("https://", "http://")):
            reader.error(link.line_of("url"), f"{where}: link url must start with https:// (got {url!r})")
            return None
        if not (title and url):
            return None
        out.append(Link(title, url))
    return tuple(out)


def _check_phrasings(reader: Reader, entry: FaqEntry, item: LineDict, seen: dict[str, tuple[str, Path, int]]) -> None:
    questions = item["questions"]
    for lang in CONTENT_LANGS:
        items: LineList = questions[lang]
        for i, text in enumerate(items):
            key = normalize(text) if isinstance(text, str) else ""
            if not key:
                continue
            line = items.line_of(i)
            if key in seen:
                other_id, other_path, other_line = seen[key]
                if other_id == entry.id:
                    reader.warn(line, f"entry {entry.id!r}: phrasing {text!r} is repeated")
                else:
                    reader.error(
                        line,
                        f"entry {entry.id!r}: phrasing {text!r} is also a phrasing of {other_id!r} "
                        f"({other_path.name}:{other_line}); each phrasing must belong to one entry",
                    )
                continue
            seen[key] = (entry.id, reader.path, line)


__all__ = ["ContentError", "FaqLoad", "Localized", "check_faq", "load_faq"]
