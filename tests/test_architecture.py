"""The dependency direction holds: core/ imports nothing of ours but core/; nothing at import time."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _skip_core() -> None:
    for path in (BOT / "core").rglob("*.py"):
        ours = {n for n in _imports(path) if n == "bot" or n.startswith("bot.")}
        assert all(n.startswith("bot.core") for n in ours), f"{path.name} imports {ours}"
        assert not {n for n in _imports(path) if n.split(".")[0] in {"telegram", "sqlalchemy", "sqlmodel"}}


def test_content_and_storage_do_not_import_telegram() -> None:
    for package in ("db", "text"):
        for path in (BOT / package).rglob("*.py"):
            assert not any(n.split(".")[0] == "telegram" for n in _imports(path)), path
            assert not any(n.startswith("bot.telegram") for n in _imports(path)), path


def test_modules_stay_small() -> None:
    for path in BOT.rglob("*.py"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 300, f"{path.relative_to(ROOT)} has {lines} lines: split it by what it does"
