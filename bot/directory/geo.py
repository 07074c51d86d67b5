"""Great-circle distances and a grid index for "the nearest N points" anywhere on Earth."""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Generic, TypeVar

EARTH_RADIUS_KM = 6371.0088
NEAR_RINGS = 4
T = TypeVar("T")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class GridIndex(Generic[T]):
    """Points bucketed into cells of ``cell`` degrees; a query searches rings of cells outward.

    A ring k cells away is at least ``k * cell`` degrees of latitude away, i.e. at least
    ``(k - 1) * cell * 111.19`` km, so the search stops once the k-th best distance found is
    below that bound. Longitude wraps around the antimeridian; near the poles the rings simply
    run until every cell was seen.
    """

    KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180

    def __init__(self, points: Sequence[tuple[float, float, T]], cell: float = 1.0) -> None:
        self.cell = cell
        self.cells: defaultdict[tuple[int, int], list[tuple[float, float, T]]] = defaultdict(list)
        for lat, lon, item in points:
            self.cells[self._key(lat, lon)].append((lat, lon, item))
        self.rows = math.ceil(180 / cell) + 1
        self.cols = math.ceil(360 / cell)
        self.size = len(points)
        # No point of a cell is farther from its centre than half the cell's diagonal at the equator.
        self._half_diagonal_km = cell * self.KM_PER_DEGREE * math.sqrt(2) / 2

    def _key(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor((lat + 90) / self.cell), math.floor(((lon + 180) % 360) / self.cell)

    def nearest(self, lat: float, lon: float, k: int = 5) -> list[tuple[float, T]]:
        """The ``k`` nearest items with their distances in km, nearest first."""
        if not self.size or k <= 0:
            return []
        row, col = self._key(lat, lon)
        best: list[tuple[float, int, T]] = []  # max-heap by negated distance
        searched: set[tuple[int, int]] = set()
        # Fast path: a few rings of cells around the point (where people are, points are dense).
        for ring in range(NEAR_RINGS):
            if len(best) >= k and -best[0][0] < self._unsearched_bound(lat, ring):
                return _ordered(best)
            for cell in self._ring(row, col, ring):
                searched.add(cell)
                self._scan(cell, lat, lon, k, best)
        # Far from everything (an ocean, a pole): visit the remaining non-empty cells by a lower
        # bound on their distance, and stop when no cell can hold anything nearer.
        bounds = sorted(
            (max(0.0, haversine_km(lat, lon, *self._centre(cell)) - self._half_diagonal_km), cell)
            for cell in self.cells
            if cell not in searched
        )
        for bound, cell in bounds:
            if len(best) >= k and bound >= -best[0][0]:
                break
            self._scan(cell, lat, lon, k, best)
        return _ordered(best)

    def _scan(self, cell: tuple[int, int], lat: float, lon: float, k: int, best: list[tuple[float, int, T]]) -> None:
        for plat, plon, item in self.cells.get(cell, ()):
            d = haversine_km(lat, lon, plat, plon)
            entry = (-d, id(item), item)
            if len(best) < k:
                heapq.heappush(best, entry)
            elif d < -best[0][0]:
                heapq.heapreplace(best, entry)

    def _centre(self, cell: tuple[int, int]) -> tuple[float, float]:
        r, c = cell
        return (r + 0.5) * self.cell - 90, (c + 0.5) * self.cell - 180

    def _unsearched_bound(self, lat: float, ring: int) -> float:
        """A lower bound (km) on the distance to any point in a cell beyond ``ring - 1`` rings."""
        degrees = (ring - 1) * self.cell
        if degrees <= 0:
            return 0.0
        by_latitude = degrees * self.KM_PER_DEGREE
        if ring > self.cols // 2:
            return by_latitude  # every longitude was searched already
        # Meridians converge: at the highest latitude these cells reach, a longitude gap of
        # ``degrees`` is shortest.
        highest = math.radians(min(90.0, abs(lat) + (ring + 1) * self.cell))
        half_gap = math.radians(min(degrees, 180.0)) / 2
        by_longitude = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.cos(highest) * math.sin(half_gap)))
        return min(by_latitude, by_longitude)

    def _ring(self, row: int, col: int, ring: int) -> list[tuple[int, int]]:
        if ring == 0:
            return [(row, col)]
        cells: set[tuple[int, int]] = set()
        span = min(ring, self.cols // 2)
        for dr in range(-ring, ring + 1):
            r = row + dr
            if not 0 <= r < self.rows:
                continue
            edge = abs(dr) == ring
            for dc in range(-span, span + 1) if edge else (-span, span):
                cells.add((r, (col + dc) % self.cols))
        return list(cells)


def _ordered(best: list[tuple[float, int, T]]) -> list[tuple[float, T]]:
    return [(-d, item) for d, _, item in sorted(best, key=lambda x: -x[0])]
