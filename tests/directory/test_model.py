"""Directory search in every script and romanisation, on the shipped sample directory."""

from __future__ import annotations

import pytest

from bot.content.live import LiveFaq
from bot.directory import places
from bot.directory.model import Directory


@pytest.fixture(scope="module")
def directory(live_faq: LiveFaq) -> Directory:
    return live_faq.current.directory


def cities(found: list[object]) -> set[str]:
    return {a.city.en for a in found}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("query", "city"),
    [
        ("吉隆坡", "Kuala Lumpur"),
        ("kuala lumpur", "Kuala Lumpur"),
        ("Kuala Lumpor", "Kuala Lumpur"),
        ("jilongpo", "Kuala Lumpur"),
        ("KL", "Kuala Lumpur"),
        ("紐約", "New York"),
        ("纽约", "New York"),
        ("niuyue", "New York"),
        ("New York", "New York"),
        ("雪梨", "Sydney"),
        ("悉尼", "Sydney"),
        ("我在伦敦读书", "London"),
        ("東京", "Tokyo"),
    ],
)
def test_find_by_city_in_any_script(directory: Directory, query: str, city: str) -> None:
    found = directory.find(query)
    assert found and cities(found) == {city}


@pytest.mark.parametrize("query", ["Malaysia", "马来西亚", "馬來西亞", "malaixiya", "大马", "MY"])
def test_countries_are_read_by_the_place_resolver(directory: Directory, query: str) -> None:
    assert directory.find(query) == []  # the directory matches cities and names; countries are CLDR's
    assert places.country_code(query, directory.country_aliases()) == "MY"
    assert {a.country for a in directory.in_country("MY")} == {"MY"}


def test_unknown_places_find_nothing(directory: Directory) -> None:
    assert directory.find("atlantis") == []
    assert directory.find("") == []


def test_nearest_is_ordered_with_distances(directory: Directory) -> None:
    nearest = directory.nearest(-33.8688, 151.2093, limit=5)
    distances = [d for d, _ in nearest]
    assert distances == sorted(distances)
    assert nearest[0][1].city.en == "Sydney" and distances[0] < 5
    assert any(a.city.en == "Melbourne" and 650 < d < 750 for d, a in nearest)


@pytest.mark.parametrize(("query", "city"), [("I'm in New York", "New York"), ("Los Angeles, USA", "Los Angeles")])
def test_multi_word_cities_inside_a_sentence(directory: Directory, query: str, city: str) -> None:
    found = directory.find(query)
    assert found and found[0].city.en == city


@pytest.mark.parametrize("query", ["Austria", "大马士革", "Chicago"])
def test_lookalike_places_find_nothing(directory: Directory, query: str) -> None:
    assert directory.find(query) == []
