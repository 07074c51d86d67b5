"""The i18n catalog: one YAML file per language, the same keys in each, every key used by the code
and every key the code uses present, placeholders the same in both languages."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import yaml

from bot.text.i18n import LOCALES, catalog, t

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = ROOT / "bot" / "text" / "locales"


def _literals() -> set[str]:
    """Every string constant in the bot's code (keys are always written out whole)."""
    found: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def _t_calls() -> set[str]:
    """The keys passed literally to ``t(…)``."""
    keys: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    keys.add(first.value)
    return keys


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_one_file_per_language_with_the_same_keys() -> None:
    assert sorted(p.stem for p in LOCALE_DIR.glob("*.yaml")) == sorted(LOCALES)
    zh, en = catalog("zh-Hans"), catalog("en")
    assert set(zh) == set(en), f"missing in en: {set(zh) - set(en)}; missing in zh-Hans: {set(en) - set(zh)}"
    for name in LOCALES:  # a hand edit must not leave a duplicate key (YAML would silently keep the last)
        keys = re.findall(r"^([a-z0-9_]+):", (LOCALE_DIR / f"{name}.yaml").read_text(encoding="utf-8"), re.M)
        assert len(keys) == len(set(keys)), [k for k in keys if keys.count(k) > 1]


def test_placeholders_are_the_same_in_both_languages() -> None:
    zh, en = catalog("zh-Hans"), catalog("en")
    for key in zh:
        assert _placeholders(zh[key]) == _placeholders(en[key]), key


def test_every_key_the_code_asks_for_exists() -> None:
    missing = _t_calls() - set(catalog("en"))
    assert not missing, missing


def test_no_key_is_unused() -> None:
    unused = set(catalog("en")) - _literals()
    assert not unused, f"keys no code uses (remove them or use them): {sorted(unused)}"


def test_the_files_are_plain_yaml_of_strings() -> None:
    for name in LOCALES:
        data = yaml.safe_load((LOCALE_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
        assert all(isinstance(v, str) and v.strip() for v in data.values())


def test_traditional_is_derived_and_values_are_escaped() -> None:
    assert t("report_cancelled", "zh-Hant") != t("report_cancelled", "zh-Hans")
    assert "<script>" not in t("find_none", "en", place="<script>")
