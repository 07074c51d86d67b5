"""faq/associations.yaml: the shipped directory is complete and valid; mistakes are reported with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.problems import Problem
from bot.directory.loader import ASSOCIATIONS_FILE, check_directory
from bot.directory.model import Directory
from tests.conftest import FAQ_DIR

REQUIRED_CITIES = (
    "Kuala Lumpur",
    "Singapore",
    "Bangkok",
    "Jakarta",
    "Manila",
    "Sydney",
    "Melbourne",
    "Auckland",
    "Vancouver",
    "Toronto",
    "New York",
    "San Francisco",
    "Los Angeles",
    "London",
    "Paris",
    "Milan",
    "Madrid",
    "Johannesburg",
    "Dubai",
    "Tokyo",
    "São Paulo",
)

# The first association in the shipped file, whose lines the broken copies below edit.
FIRST_ID = "  - id: my-kl-hunan\n"
FIRST_VERIFIED = '    last_verified: "2026-06-30"\n'
FIRST_CONTACTS = """\
    contacts:
      website: https://example.org/my-kl-hunan
      email: my-kl-hunan@example.org
      phone: "+60 0000 0000"
"""


# -- helpers -----------------------------------------------------------------------------------


def shipped() -> Directory:
    directory, problems = check_directory(FAQ_DIR)
    assert directory is not None, [str(p) for p in problems]
    return directory


def line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def faq_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "faq"
    shutil.copytree(FAQ_DIR, copy)
    return copy / ASSOCIATIONS_FILE


def replace_first(path: Path, old: str, new: str, *, at: str | None = None) -> int:
    """Replace the first ``old`` in the file by ``new``.

    Returns the line an admin should be sent to: the edited line, or the last line before it
    that starts with ``at``.
    """
    text = path.read_text(encoding="utf-8")
    index = text.index(old)
    path.write_text(text[:index] + new + text[index + len(old) :], encoding="utf-8")
    return line_at(text, text.rindex(at, 0, index) if at else index)


def errors(directory: Path) -> list[Problem]:
    loaded, problems = check_directory(directory)
    found = [p for p in problems if p.severity == "error"]
    assert loaded is None and found, "a broken directory must not load"
    return found


def assert_error_at(directory: Path, line: int, fragment: str) -> None:
    found = errors(directory)
    matching = [p for p in found if p.line == line and fragment in p.message]
    assert matching, [str(p) for p in found]
    assert f"{ASSOCIATIONS_FILE}:{line}: error:" in str(matching[0])


# -- the shipped directory ---------------------------------------------------------------------


def test_the_shipped_directory_has_no_errors() -> None:
    _, problems = check_directory(FAQ_DIR)
    assert [str(p) for p in problems if p.severity == "error"] == []


def test_the_shipped_directory_is_large_enough() -> None:
    directory = shipped()
    assert len(directory.associations) >= 40
    assert len({a.country for a in directory.associations}) >= 15
    assert {a.country for a in directory.associations} <= {c.code for c in directory.countries}


@pytest.mark.parametrize("city", REQUIRED_CITIES)
def test_every_required_city_has_associations(city: str) -> None:
    directory = shipped()
    assert [a.id for a in directory.associations if a.city.en == city]


def test_every_web_address_and_email_is_a_placeholder() -> None:
    """The file promises that every website, e-mail and joining page is on example.org."""
    for association in shipped().associations:
        website, email = association.contacts.get("website"), association.contacts.get("email")
        if website is not None:
            assert website.startswith("https://example.org"), (association.id, website)
        if email is not None:
            assert email.endswith("@example.org"), (association.id, email)
        if not association.joins_by_request:
            assert association.join.startswith("https://example.org/"), (association.id, association.join)


def test_a_missing_file_is_a_warning_and_an_empty_directory(tmp_path: Path) -> None:
    directory, problems = check_directory(tmp_path)
    assert directory is not None and directory.associations == ()
    assert [p.severity for p in problems] == ["warning"]


# -- mistakes, each with its file and line -----------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "fragment", "at"),
    [
        ("    country: MY\n", "    country: XX\n", "country 'XX' is not in 'countries'", None),
        ("  - code: MY\n", "  - code: MYS\n", "must be two capital letters", None),
        ("    join: request\n", "    join: sometimes\n", "join must be 'request' or an https:// link", None),
        ("    join: request\n", "    join: http://example.org/join\n", "join must be 'request' or an https://", None),
        (FIRST_CONTACTS, "    contacts: {}\n", "give at least one contact", None),
        (FIRST_CONTACTS, "", "missing required field 'contacts'", FIRST_ID),
        ("{lat: 3.1390, lon: 101.6869}", "{lat: 93.1390, lon: 101.6869}", "is not on Earth", None),
        ("{lat: 3.1390, lon: 101.6869}", "{lat: 3.1390, lon: 201.6869}", "is not on Earth", None),
        (FIRST_VERIFIED, '    last_verified: "2026-02-30"\n', "last_verified must be a date", None),
        (FIRST_VERIFIED, "    last_verified: soon\n", "last_verified must be a date", None),
        ("  - id: my-kl-assembly-hall\n", FIRST_ID, "duplicate id 'my-kl-hunan'", None),
        ("    hometown: Hunan\n", "    founded: 1990\n    hometown: Hunan\n", "unknown field 'founded'", None),
    ],
    ids=[
        "unknown-country",
        "bad-country-code",
        "bad-join",
        "http-join",
        "empty-contacts",
        "no-contacts",
        "lat-out-of-range",
        "lon-out-of-range",
        "impossible-date",
        "not-a-date",
        "duplicate-id",
        "unknown-field",
    ],
)
def test_a_mistake_is_reported_at_its_line(tmp_path: Path, old: str, new: str, fragment: str, at: str | None) -> None:
    path = faq_copy(tmp_path)
    line = replace_first(path, old, new, at=at)
    assert_error_at(path.parent, line, fragment)


def test_a_yaml_syntax_error_points_at_the_broken_line(tmp_path: Path) -> None:
    path = faq_copy(tmp_path)
    line = replace_first(path, "    join: request\n", "    join: [request\n")
    [problem] = errors(path.parent)
    assert "YAML syntax error" in problem.message and f"line {line}" in problem.message
    assert problem.path.name == ASSOCIATIONS_FILE and problem.line in (line, line + 1)


def test_every_mistake_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = faq_copy(tmp_path)
    country_line = replace_first(path, "    country: MY\n", "    country: XX\n")
    date_line = replace_first(path, '    last_verified: "2026-03-12"\n', '    last_verified: "2026-13-01"\n')
    found = {(p.line, p.message.split(": ", 1)[1]) for p in errors(path.parent)}
    assert (country_line, "country 'XX' is not in 'countries'") in found
    assert (date_line, "last_verified must be a date like 2026-06-30") in found
