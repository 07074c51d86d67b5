"""Nearest-association benchmark: the grid index vs a brute-force scan, for N points worldwide.

Run as a script (not collected by pytest):  python tests/bench/bench_nearest.py [--points 50000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.directory.geo import GridIndex, haversine_km


# Populated places cluster: draw most points around a few hundred "cities".
def make_points(n: int, rng: random.Random) -> list[tuple[float, float, int]]:
    cities = [(rng.uniform(-50, 65), rng.uniform(-180, 180)) for _ in range(400)]
    points = []
    for i in range(n):
        lat, lon = rng.choice(cities)
        points.append((max(-90.0, min(90.0, lat + rng.gauss(0, 0.5))), (lon + rng.gauss(0, 0.5) + 540) % 360 - 180, i))
    return points


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description="grid index vs brute force")
    parser.add_argument("--points", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(5)
    points = make_points(args.points, rng)
    t0 = time.perf_counter()
    grid = GridIndex(points)
    build = time.perf_counter() - t0
    queries = [(rng.uniform(-60, 70), rng.uniform(-180, 180)) for _ in range(args.queries)]
    indexed, brute = [], []
    for lat, lon in queries:
        t = time.perf_counter()
        grid.nearest(lat, lon, 5)
        indexed.append((time.perf_counter() - t) * 1000)
    for lat, lon in queries[:50]:
        t = time.perf_counter()
        sorted((haversine_km(lat, lon, a, b), i) for a, b, i in points)[:5]
        brute.append((time.perf_counter() - t) * 1000)
    print(f"{args.points} points, grid built in {build:.2f} s; nearest 5 to random points on inhabited latitudes")
    print(f"{'method':<24}{'queries':>9}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for name, values in (("grid index", indexed), ("brute force", brute)):
        print(
            f"{name:<24}{len(values):>9}{percentile(values, 50):>10.3f}{percentile(values, 99):>10.3f}"
            f"{statistics.fmean(values):>10.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
