"""The layout holds its rules: features are folders; pure modules stay pure; handlers parse, call a
service and render — they never reach the database themselves; domain code never sees Telegram."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
FEATURES = ("faq", "directory", "reports", "groups", "users")
HANDLER_MODULES = ("handlers.py", "staff.py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def test_every_feature_is_one_folder_with_its_service() -> None:
    for feature in FEATURES:
        assert (BOT / feature / "service.py").exists(), f"bot/{feature}/ has no service.py"


def test_pure_rules_and_conversations_import_neither_telegram_nor_sql() -> None:
    pure = [p for p in BOT.rglob("*.py") if p.name in ("rules.py", "conversation.py")]
    pure += list((BOT / "text").rglob("*.py"))
    assert len(pure) >= 4
    for path in pure:
        assert not _top(_imports(path)) & {"telegram", "sqlalchemy", "sqlmodel"}, path.relative_to(ROOT)


def test_handlers_import_no_repository_and_no_database() -> None:
    for path in BOT.rglob("*.py"):
        if path.name not in HANDLER_MODULES:
            continue
        ours = _imports(path)
        assert not {n for n in ours if n.endswith(".repo") or n.startswith("bot.db")}, path.relative_to(ROOT)
        assert not _top(ours) & {"sqlalchemy", "sqlmodel"}, path.relative_to(ROOT)


def test_services_repositories_and_storage_never_see_telegram() -> None:
    domain = [p for p in BOT.rglob("*.py") if p.name in ("service.py", "repo.py", "notify.py", "jobs.py")]
    domain += [*(BOT / "db").rglob("*.py"), BOT / "runtime.py", BOT / "groups" / "access.py"]
    for path in domain:
        assert "telegram" not in _top(_imports(path)), path.relative_to(ROOT)


def test_nothing_is_built_at_import_time() -> None:
    """No engine, settings or Application at module level (the composition root builds them)."""
    calls = {"create_engine", "create_db_engine", "open_database", "load_settings", "Settings", "build_application"}
    for path in BOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    break
                name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
                assert name not in calls, f"{path.relative_to(ROOT)} calls {name} at import time"


def test_callback_data_is_built_and_read_in_one_place() -> None:
    """Buttons are made with the typed codec, never with hand-written "prefix:..." strings."""
    for path in BOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "callback_data=f" not in text, path.relative_to(ROOT)
        if path.name != "callbacks.py":
            assert '.data or "").split(":")' not in text and "query.data.split" not in text, path.relative_to(ROOT)
