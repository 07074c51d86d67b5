"""A ``yaml.SafeLoader`` that remembers line numbers and refuses duplicate keys.

Mappings load as :class:`LineDict` and sequences as :class:`LineList`; both know the line of
every key or item, so validation can point an admin at the exact line to fix.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.content.problems import Problem


class LineDict(dict[Any, Any]):
    """A dict that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A list that knows its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _Loader(yaml.SafeLoader):
    duplicate_keys: list[tuple[int, Any]]


# libyaml's parser when PyYAML was built with it (the wheels are): about ten times faster than the
# pure-Python one on a large FAQ, and its nodes carry their lines all the same. A file it refuses
# is parsed again by the pure-Python parser, whose messages and lines admins are shown.
_FAST: type[Any] | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):
        duplicate_keys: list[tuple[int, Any]]

    _FAST = _CLoader


_STR = "tag:yaml.org,2002:str"
_MAP = yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG
_SEQ = yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG


def _build(loader: Any, node: Node, memo: dict[int, Any]) -> Any:
    """The node as Python data, lists and mappings knowing their lines.

    A direct walk of the composed tree: strings (nearly every scalar of the content) are taken as
    they are, other scalars (numbers, dates, booleans) go through PyYAML's safe constructors; an
    alias is the object its anchor built. Anything else (an unknown tag) is left to PyYAML, which
    refuses it as ``safe_load`` would.
    """
    done = memo.get(id(node), memo)
    if done is not memo:
        return done
    if isinstance(node, ScalarNode):
        value = node.value if node.tag == _STR else _construct(loader, node)
        memo[id(node)] = value
        return value
    if isinstance(node, MappingNode) and node.tag == _MAP:
        loader.flatten_mapping(node)
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        memo[id(node)] = out
        for key_node, value_node in node.value:
            key = _build(loader, key_node, memo)
            try:
                hash(key)
            except TypeError:
                key = str(key)
            if key in out:
                loader.duplicate_keys.append((key_node.start_mark.line + 1, key))
            out[key] = _build(loader, value_node, memo)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, SequenceNode) and node.tag == _SEQ:
        items = LineList()
        items.line = node.start_mark.line + 1
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        memo[id(node)] = items
        items.extend(_build(loader, child, memo) for child in node.value)
        return items
    return _construct(loader, node)


def _construct(loader: Any, node: Node) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except _CONSTRUCTOR_ERRORS as exc:
        raise _BadValue(node.start_mark, node.value, exc) from exc


def load_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Parse one file safely. Returns (data or None, problems); never raises for bad content."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(path, 1, f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8")]
    except OSError as exc:
        return None, [Problem(path, 1, f"cannot read the file: {exc.strerror}")]
    try:
        if _FAST is not None:
            try:
                with paused_gc():
                    try:
                        return _from_events(_FAST, path, text)
                    except _Unusual:
                        return _parse(_FAST, path, text)
            except yaml.YAMLError:
                pass  # said again below, as the pure-Python parser says it
        return _parse(_Loader, path, text)
    except _BadValue as exc:
        return None, [Problem(path, exc.line, str(exc))]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = exc.problem or str(exc)
        context = exc.context_mark
        if context is not None and context.line + 1 != line:
            # PyYAML often notices the problem far below its cause (an unclosed quote or bracket).
            reason += f" ({exc.context or 'the block started'} at line {context.line + 1}: check it first)"
        return None, [Problem(path, line, f"YAML syntax error: {reason}")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, 1, f"YAML error: {exc}")]


def _parse(kind: type[Any], path: Path, text: str) -> tuple[Any, list[Problem]]:
    loader = kind(text)
    loader.duplicate_keys = []
    try:
        node = loader.get_single_node()
        data = None if node is None else _build(loader, node, {})
    finally:
        loader.dispose()
    problems = [
        Problem(path, line, f"key {key!r} appears twice in the same block") for line, key in loader.duplicate_keys
    ]
    return data, problems


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off while loading content.

    Loading builds hundreds of thousands of containers that all stay alive; each allocation burst
    set off a collection traversing all of them (about two thirds of libyaml's loading time for the
    big associations file). Nothing in here makes cyclic garbage, and reference counting still
    frees everything else.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# What PyYAML's safe constructors raise for a value they cannot make: 2026-02-30 (ValueError), and
# with an explicit tag, !!timestamp abc (AttributeError), !!bool maybe (KeyError), !!int "" (IndexError).
_CONSTRUCTOR_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError)


class _BadValue(Exception):
    """A scalar that looks like a date or number but is not one (2026-02-30): said with its line."""

    def __init__(self, mark: Any, text: object, exc: Exception) -> None:
        reason = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)
        super().__init__(
            f"{text!r} cannot be read as a value ({reason}); if it is meant as text, quote it (and drop any !! tag)"
        )
        self.line = mark.line + 1 if mark is not None else 1


class _Unusual(Exception):
    """Anchors, aliases, merge keys, explicit tags or complex keys: left to the node-based path."""


_NOKEY = object()


def _from_events(kind: type[Any], path: Path, text: str) -> tuple[Any, list[Problem]]:
    """The document built straight from libyaml's events, without a node tree.

    What the content uses (plain and quoted scalars, block and flow collections) is built here with
    the same lines and the same duplicate-key reports as :func:`_build`; anything else raises
    :class:`_Unusual` and the caller composes nodes as before.
    """
    loader = kind(text)
    plain = _PlainScalars(loader)  # a plain scalar's value, by its text: the same texts recur
    duplicates: list[tuple[int, Any]] = []
    # The open collection (None before the root), whether it is a list, its key waiting for a value
    # (a mapping's) and that key's line; the enclosing ones' in ``outer``.
    top: Any = None
    is_list = False
    key: Any = _NOKEY
    key_line = 0
    outer: list[tuple[Any, bool, Any, int]] = []
    root: Any = None
    documents = 0
    get_event = loader.get_event
    try:
        while True:
            event = get_event()
            kind_of = type(event)
            if kind_of is ScalarEvent:
                if event.anchor is not None:
                    raise _Unusual
                tag = event.tag
                if tag is None and event.implicit[0]:
                    value: Any = plain.get(event.value, _UNUSUAL)
                    if value is _UNUSUAL:
                        value = plain.resolve(event)
                elif tag is None or tag == "!":
                    value = event.value
                else:
                    raise _Unusual
            elif kind_of is MappingStartEvent or kind_of is SequenceStartEvent:
                if event.anchor is not None or (event.tag is not None and event.tag != "!"):
                    raise _Unusual
                if kind_of is MappingStartEvent:
                    value = LineDict()
                    value.key_lines = {}
                else:
                    value = LineList()
                    value.item_lines = []
                value.line = event.start_mark.line + 1
            elif kind_of is MappingEndEvent or kind_of is SequenceEndEvent:
                top, is_list, key, key_line = outer.pop()
                continue
            elif kind_of is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Unusual  # several documents: refused as the node path refuses them
                continue
            elif kind_of is StreamEndEvent:
                break
            elif kind_of is StreamStartEvent or kind_of is DocumentEndEvent:
                continue
            else:
                assert kind_of is AliasEvent
                raise _Unusual
            if top is None:
                root = value
            elif is_list:
                top.append(value)
                top.item_lines.append(event.start_mark.line + 1)
            elif key is _NOKEY:
                if kind_of is not ScalarEvent:
                    raise _Unusual
                key = value
                key_line = event.start_mark.line + 1
            else:
                if key in top:
                    duplicates.append((key_line, key))
                top[key] = value
                top.key_lines[key] = key_line
                key = _NOKEY
            if kind_of is not ScalarEvent:
                outer.append((top, is_list, key, key_line))
                top, is_list, key = value, kind_of is SequenceStartEvent, _NOKEY
    finally:
        loader.dispose()
    problems = [Problem(path, line, f"key {key!r} appears twice in the same block") for line, key in duplicates]
    return root, problems


_UNUSUAL = object()


class _PlainScalars(dict[str, Any]):
    """Plain scalars' values by their text (the same texts recur), each resolved once as the
    loader's implicit resolvers and safe constructors make it: text, ``yes``, a number, a date…
    Such values are immutable, so sharing them is safe."""

    def __init__(self, loader: Any) -> None:
        super().__init__()
        self.loader = loader
        resolvers: dict[Any, list[tuple[str, Any]]] = loader.yaml_implicit_resolvers
        self.wildcard = resolvers.get(None, [])
        self.by_first = {first: found + self.wildcard for first, found in resolvers.items() if first is not None}

    def resolve(self, event: Any) -> Any:  # a ScalarEvent
        text = event.value
        value: Any = text
        for resolved, regexp in self.by_first.get(text[0] if text else "", self.wildcard):
            if regexp.match(text):
                make = self.loader.yaml_constructors.get(resolved)
                if make is None or resolved == _STR:
                    raise _Unusual
                try:
                    value = make(self.loader, ScalarNode(resolved, text, event.start_mark, event.end_mark))
                except _CONSTRUCTOR_ERRORS as exc:
                    raise _BadValue(event.start_mark, text, exc) from exc
                break
        self[text] = value
        return value
