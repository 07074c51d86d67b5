"""Great-circle distances and the grid index, checked against brute force anywhere on Earth."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.directory.geo import GridIndex, haversine_km

latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)


def test_known_distances() -> None:
    # Kuala Lumpur → Singapore is about 310 km as the crow flies; London → Paris about 344 km.
    assert haversine_km(3.1390, 101.6869, 1.3521, 103.8198) == pytest.approx(310, abs=8)
    assert haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(344, abs=5)
    assert haversine_km(0, 179.9, 0, -179.9) == pytest.approx(22.2, abs=0.5)  # across the antimeridian
    assert haversine_km(90, 0, -90, 0) == pytest.approx(20015, abs=10)


@pytest.fixture(scope="module")
def world() -> tuple[list[tuple[float, float, int]], GridIndex[int]]:
    rng = random.Random(42)
    points = [(rng.uniform(-90, 90), rng.uniform(-180, 180), i) for i in range(3000)]
    return points, GridIndex(points)


@settings(max_examples=150, deadline=None)
@given(lat=latitudes, lon=longitudes, k=st.integers(min_value=1, max_value=8))
def test_nearest_equals_brute_force_anywhere(
    world: tuple[list[tuple[float, float, int]], GridIndex[int]], lat: float, lon: float, k: int
) -> None:
    points, grid = world
    expected = sorted((haversine_km(lat, lon, a, b), i) for a, b, i in points)[:k]
    found = grid.nearest(lat, lon, k)
    assert [d for d, _ in found] == pytest.approx([d for d, _ in expected])
    assert [d for d, _ in found] == sorted(d for d, _ in found)


def test_sparse_and_empty_indexes() -> None:
    grid = GridIndex([(3.139, 101.687, "KL"), (-33.869, 151.209, "Sydney"), (40.713, -74.006, "New York")])
    assert [name for _, name in grid.nearest(-33.9, 151.2, 3)] == ["Sydney", "KL", "New York"]
    assert [name for _, name in grid.nearest(-89.9, 10, 1)] == ["Sydney"]  # from the South Pole
    assert len(grid.nearest(0, 0, 10)) == 3
    assert GridIndex([]).nearest(0, 0, 5) == []
