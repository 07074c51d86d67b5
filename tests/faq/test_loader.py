"""Bad YAML in faq/ must produce clear problems with file and line, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.problems import ContentError
from bot.faq.loader import OTHER_FILES, check_faq, load_faq
from tests.conftest import FAQ_DIR

CATEGORIES = "- id: documents\n  name: {zh: 证件, en: Documents}\n"
GOOD = """\
- id: passport-renewal
  category: documents
  questions:
    zh: [护照过期了怎么换]
    en: [How do I renew my passport]
  answer:
    zh: 请联系使领馆。
    en: Contact the embassy.
"""


def write(tmp_path: Path, entries: str, categories: str = CATEGORIES) -> Path:
    (tmp_path / "categories.yaml").write_text(categories, encoding="utf-8")
    (tmp_path / "docs.yaml").write_text(entries, encoding="utf-8")
    return tmp_path


def errors(directory: Path) -> list[str]:
    _, problems = check_faq(directory)
    return [f"{p.path.name}:{p.line}: {p.message}" for p in problems if p.severity == "error"]


def test_the_shipped_faq_is_valid_without_errors() -> None:
    faq, problems = check_faq(FAQ_DIR)
    assert faq is not None
    assert [p for p in problems if p.severity == "error"] == []


def test_a_good_minimal_faq_loads(tmp_path: Path) -> None:
    loaded = load_faq(write(tmp_path, GOOD))
    entry = loaded.faq.by_id["passport-renewal"]
    assert entry.questions["zh"] == ("护照过期了怎么换",)
    assert entry.answer.en == "Contact the embassy."


@pytest.mark.parametrize("anchored", [False, True])
def test_an_impossible_date_is_a_problem_on_its_line_not_a_traceback(tmp_path: Path, anchored: bool) -> None:
    """2026-02-30 looks like a date to YAML; both parsing paths (plain, and anchors) say where it is."""
    extra = "  reviewed: &day 2026-02-30\n  again: *day\n" if anchored else "  reviewed: 2026-02-30\n"
    found = errors(write(tmp_path, GOOD + extra))
    assert len(found) == 1, found
    assert found[0].startswith("docs.yaml:9: '2026-02-30' cannot be read as a value"), found
    assert "quote it" in found[0]


@pytest.mark.parametrize("value", ["!!timestamp abc", "!!bool maybe", "!!int", "!!float x"])
def test_a_tagged_value_that_cannot_be_made_is_a_problem_too(tmp_path: Path, value: str) -> None:
    found = errors(write(tmp_path, GOOD + f"  reviewed: {value}\n"))
    assert len(found) == 1 and found[0].startswith("docs.yaml:9: "), found
    assert "cannot be read as a value" in found[0]


def test_syntax_error_points_at_the_line(tmp_path: Path) -> None:
    broken = GOOD.replace("zh: [护照过期了怎么换]", "zh: [护照过期了怎么换")
    found = errors(write(tmp_path, broken))
    assert len(found) == 1
    assert found[0].startswith("docs.yaml:")
    assert "YAML syntax error" in found[0]
    assert int(found[0].split(":")[1]) in (4, 5, 6)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    (tmp_path / "more.yaml").write_text(
        GOOD.replace("护照过期了怎么换", "另一个问题").replace("How do I renew my passport", "Other"),
        encoding="utf-8",
    )
    found = errors(tmp_path)
    assert any("duplicate id 'passport-renewal'" in e and "docs.yaml:1" in e for e in found), found


def test_a_phrasing_shared_by_two_entries(tmp_path: Path) -> None:
    other = GOOD.replace("passport-renewal", "lost-passport").replace("How do I renew my passport", "Lost it")
    found = errors(write(tmp_path, GOOD + other))
    assert any("also a phrasing of 'passport-renewal'" in e for e in found), found
    # Traditional spelling of the same phrasing is the same phrasing after normalisation.
    trad = other.replace("护照过期了怎么换", "護照過期了怎麼換")
    assert any("also a phrasing" in e for e in errors(write(tmp_path, GOOD + trad)))


def test_missing_language_is_reported(tmp_path: Path) -> None:
    found = errors(write(tmp_path, GOOD.replace("    en: Contact the embassy.\n", "")))
    assert any("answer: missing required field 'en'" in e for e in found), found
    found = errors(write(tmp_path, GOOD.replace("    en: [How do I renew my passport]\n", "")))
    assert any("questions: missing required field 'en'" in e for e in found), found


def test_yaml_booleans_and_numbers_get_a_quoting_hint(tmp_path: Path) -> None:
    found = errors(write(tmp_path, GOOD.replace("en: [How do I renew my passport]", "en: [no, 9:30]")))
    assert any("boolean" in e and "quotes" in e for e in found), found
    assert any("570" in e and "number" in e for e in found), found


def test_unknown_field_bad_id_and_unknown_category(tmp_path: Path) -> None:
    text = GOOD.replace("id: passport-renewal", "id: Passport_Renewal").replace("category: documents", "category: nope")
    text += "  answre: typo\n"
    found = errors(write(tmp_path, text))
    assert any("unknown field 'answre'" in e for e in found)
    assert any("id 'Passport_Renewal'" in e for e in found)
    assert any("unknown category 'nope'" in e for e in found)


def test_duplicate_key_in_one_block(tmp_path: Path) -> None:
    found = errors(write(tmp_path, GOOD + "  category: documents\n"))
    assert any("key 'category' appears twice" in e for e in found), found


def test_wrong_shapes(tmp_path: Path) -> None:
    assert any("must be a list of entries" in e for e in errors(write(tmp_path, "id: x\n")))
    assert any("an entry must be a mapping" in e for e in errors(write(tmp_path, "- just text\n")))
    (tmp_path / "docs.yaml").write_bytes("- id: caf\xe9\n".encode("latin-1"))
    assert any("not UTF-8" in e for e in errors(tmp_path))


def test_missing_directory_and_categories(tmp_path: Path) -> None:
    assert any("does not exist" in e for e in errors(tmp_path / "nope"))
    (tmp_path / "docs.yaml").write_text(GOOD, encoding="utf-8")
    assert any("categories.yaml is missing" in e for e in errors(tmp_path))


def test_load_faq_raises_with_every_error(tmp_path: Path) -> None:
    text = GOOD.replace("category: documents", "category: nope") + GOOD.replace("passport-renewal", "BAD")
    with pytest.raises(ContentError) as info:
        load_faq(write(tmp_path, text))
    assert len([p for p in info.value.problems if p.severity == "error"]) >= 2


def test_shipped_copy_with_one_broken_file_still_reports_others(tmp_path: Path) -> None:
    copy = tmp_path / "faq"
    shutil.copytree(FAQ_DIR, copy)
    victim = sorted(p for p in copy.glob("*.yaml") if p.name not in OTHER_FILES)[0]
    victim.write_text(victim.read_text(encoding="utf-8") + "\n- id: [unclosed\n", encoding="utf-8")
    found = errors(copy)
    assert found and all(e.startswith(victim.name) for e in found)
