"""The place resolver: countries from CLDR in every script, never from words of a sentence; places the
directory does not list from the shipped gazetteer, then the nearest associations by great-circle distance."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.directory import places, service
from bot.directory.geo import haversine_km
from bot.directory.loader import check_directory
from bot.directory.model import Directory

FAQ = Path(__file__).resolve().parents[2] / "faq"


@pytest.fixture(scope="module")
def directory() -> Directory:
    loaded, problems = check_directory(FAQ)
    assert loaded is not None, problems
    return loaded


class _Content:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory


class _Env:
    def __init__(self, directory: Directory) -> None:
        self.content = _Content(directory)


# Sentences and short words that are no country (and no place at all).
NOT_A_COUNTRY = [
    "how do I renew my passport",
    "is it far",
    "my",
    "it",
    "us",
    "Can you help us",
    "I want to go home",
    "where is my passport",
    "what about my kids' school",
    "is there an association",
    "我的护照丢了怎么办",
    "請問怎麼續簽",
    "hello",
    "in",
    "no",
]


@pytest.mark.parametrize("text", NOT_A_COUNTRY)
def test_sentences_and_short_words_are_no_country(directory: Directory, text: str) -> None:
    assert places.country_code(text, directory.country_aliases()) is None


@pytest.mark.parametrize("text", NOT_A_COUNTRY[:11])
def test_sentences_find_no_place_at_all(directory: Directory, text: str) -> None:
    found = service.find(_Env(directory), text)  # type: ignore[arg-type]
    assert found.how == "none" and found.associations == ()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("马来西亚", "MY"),
        ("馬來西亞", "MY"),
        ("Malaysia", "MY"),
        ("malaysia", "MY"),
        ("大马", "MY"),
        ("MY", "MY"),
        ("US", "US"),
        ("美國", "US"),
        ("United States", "US"),
        ("I live in Malaysia", "MY"),
        ("我在马来西亚", "MY"),
        ("肯尼亚", "KE"),  # in CLDR, not in the directory
        ("Kenya", "KE"),
        ("模里西斯", "MU"),  # Taiwan's name for Mauritius
        ("毛里裘斯", "MU"),  # Hong Kong's
    ],
)
def test_countries_in_every_script(directory: Directory, text: str, code: str) -> None:
    assert places.country_code(text, directory.country_aliases()) == code


@pytest.mark.parametrize(
    ("text", "name", "country"),
    [
        ("新山", "Johor Bahru", "MY"),
        ("Johor Bahru", "Johor Bahru", "MY"),
        ("我住在新山", "Johor Bahru", "MY"),
        ("檀香山", "Honolulu", "US"),
        ("Queens", "Queens", "US"),
        ("I live in Texas", "Texas", "US"),
        ("德州", "Texas", "US"),
        ("Bay Area", "San Francisco Bay Area", "US"),
        ("湾区", "San Francisco Bay Area", "US"),
        ("灣區", "San Francisco Bay Area", "US"),
        ("台北", "Taipei", "TW"),
        ("臺北", "Taipei", "TW"),
    ],
)
def test_places_outside_the_directory(text: str, name: str, country: str) -> None:
    place = places.gazetteer().lookup(text)
    assert place is not None and (place.name, place.country) == (name, country)


@pytest.mark.parametrize(
    ("text", "echo"),
    [
        ("新山", "新山"),
        ("Johor Bahru", "Johor Bahru"),
        ("檀香山", "檀香山"),
        ("I live in Texas", "Texas"),
        ("台北", "台北"),
    ],
)
def test_cities_not_in_the_directory_get_the_nearest_with_distances(directory: Directory, text: str, echo: str) -> None:
    found = service.find(_Env(directory), text)  # type: ignore[arg-type]
    assert found.how == "nearest" and found.place == echo
    place = places.gazetteer().lookup(text)
    assert place is not None
    truth = sorted(haversine_km(place.lat, place.lon, a.lat, a.lon) for a in directory.associations)
    km = [d for d, _ in found.associations]
    assert km == sorted(km) and len(km) == service.MAX_LISTED
    assert [round(d) for d in km] == [round(d) for d in truth[: service.MAX_LISTED]]


def test_a_country_without_associations_gets_the_nearest_to_its_capital(directory: Directory) -> None:
    found = service.find(_Env(directory), "Kenya")  # type: ignore[arg-type]
    assert found.how == "nearest" and found.country == "KE" and found.associations


def test_the_directory_s_own_places_come_first(directory: Directory) -> None:
    found = service.find(_Env(directory), "吉隆坡")  # type: ignore[arg-type]
    assert found.how == "match" and {a.city.en for _, a in found.associations} == {"Kuala Lumpur"}
    assert found.target is not None and found.target[0] == "k"
    assert service.find(_Env(directory), "马来西亚").target == ("c", "MY", "")  # type: ignore[arg-type]


def test_the_gazetteer_is_read_on_first_use_only() -> None:
    import subprocess
    import sys

    code = "import bot.directory.places, bot.directory.service, sys; print('babel' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    assert places.gazetteer.cache_info().currsize in (0, 1)  # a cache, filled by a call, not by an import
