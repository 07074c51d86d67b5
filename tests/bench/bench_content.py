"""Content at a real federation's scale: load + validate + index time and peak RSS.

Generates, next to the shipped ``faq/`` (copied), 5,000 FAQ entries (25,000 phrasings: three
Chinese, two English each) and 10,000 associations, with words drawn from the shipped content,
then loads everything as ``qiaobot run`` does (``LiveFaq``) in a fresh process and prints a table:
the shipped content (the baseline, same run) beside the big set.

    python -m tests.bench.bench_content            # issue 12: big set ≤ 5 s, peak RSS ≤ 300 MiB
    python -m tests.bench.bench_content --write DIR  # only write the big content set to DIR

Measured on the shared 2-core machine at load 3–5 (CPU seconds inflated by other work; compare rows
of one run, or runs made back to back): before the issue-12 work on loading (d025f8c) the big set took
9.9 s CPU, 14.4 s wall, peak 284 MiB; after it 8.9 s CPU, 13.8 s wall, peak 258 MiB (alternating fresh
loads of the same set: 9.2 s → 7.5 s CPU on average). The 5 s target is not met yet.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bot.config import default_faq_dir

ENTRIES = 5_000
ASSOCIATIONS = 10_000
COUNTRIES = ["MY", "SG", "TH", "ID", "PH", "VN", "AU", "NZ", "CA", "US", "GB", "FR", "IT", "DE", "JP"]


def _vocabulary(shipped: Path) -> tuple[list[str], list[str]]:
    """Chinese two-character words and English words from the shipped questions."""
    zh: set[str] = set()
    en: set[str] = set()
    for path in shipped.glob("*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.strip().lstrip("- ")
            for run in re.findall(r"[\u4e00-\u9fff]+", text):
                zh.update(run[i : i + 2] for i in range(0, len(run) - 1, 2))
            en.update(w.lower() for w in re.findall(r"[A-Za-z]{3,12}", text))
    return sorted(zh), sorted(en)


def write_big(target: Path, *, seed: int = 12) -> None:
    """The shipped content plus 5,000 entries and 10,000 associations, in ``target``."""
    shipped = default_faq_dir()
    shutil.copytree(shipped, target, dirs_exist_ok=True)
    rng = random.Random(seed)
    zh, en = _vocabulary(shipped)
    categories = [c["id"] for c in yaml.safe_load((shipped / "categories.yaml").read_text(encoding="utf-8"))]
    seen: set[str] = set()

    def unique(make: object) -> str:
        assert callable(make)
        while True:
            text = str(make())
            if text not in seen:
                seen.add(text)
                return text

    entries = []
    for i in range(ENTRIES):
        topic_zh = [rng.choice(zh) for _ in range(3)]
        topic_en = [rng.choice(en) for _ in range(3)]
        entries.append(
            {
                "id": f"gen-{i:05d}",
                "category": rng.choice(categories),
                "questions": {
                    "zh": [
                        unique(lambda t=topic_zh: "".join(rng.sample(t, 3)) + rng.choice(zh) + "怎么办")
                        for _ in range(3)
                    ],
                    "en": [
                        unique(lambda t=topic_en: f"how do I {' '.join(rng.sample(t, 3))} {rng.choice(en)}")
                        for _ in range(2)
                    ],
                },
                "keywords": {"zh": topic_zh[:2], "en": topic_en[:2]},
                "answer": {
                    "zh": "".join(rng.choice(zh) for _ in range(120)) + "。",
                    "en": " ".join(rng.choice(en) for _ in range(80)) + ".",
                },
            }
        )
    (target / "generated.yaml").write_text(_dump(entries), "utf-8")

    raw = yaml.safe_load((target / "associations.yaml").read_text(encoding="utf-8"))
    codes = {c["code"] for c in raw["countries"]}
    for i in range(ASSOCIATIONS):
        city_zh = "".join(rng.choice(zh) for _ in range(2)) + "市"
        raw["associations"].append(
            {
                "id": f"gen-assoc-{i:05d}",
                "name": {"zh": f"{city_zh}湖南同乡会{i}", "en": f"Hunan Association {i} of {rng.choice(en).title()}"},
                "aliases": [f"湘会{i}"],
                "country": rng.choice([c for c in COUNTRIES if c in codes]),
                "city": {"zh": city_zh, "en": rng.choice(en).title()},
                "location": {"lat": round(rng.uniform(-60, 70), 4), "lon": round(rng.uniform(-180, 180), 4)},
                "languages": ["Mandarin", "English"],
                "description": {"zh": "".join(rng.choice(zh) for _ in range(30)), "en": "A generated association."},
                "contacts": {"website": f"https://example.org/gen-{i}", "email": f"gen-{i}@example.org"},
                "join": "request",
                "hometown": "Hunan",
                "last_verified": "2026-06-30",
            }
        )
    (target / "associations.yaml").write_text(_dump(raw), "utf-8")


def _dump(data: object) -> str:
    return yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)


def measure(directory: Path) -> dict[str, float]:
    """In this process (run it fresh): load as ``qiaobot run`` does; seconds and peak RSS."""
    import gc

    from bot.content.live import LiveFaq

    start, cpu = time.perf_counter(), time.process_time()
    live = LiveFaq(directory)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    gc.collect()
    phrasings = sum(len(q) for e in live.current.faq.entries for q in e.questions.values())
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mib": _peak_mib(),
        "entries": len(live.current.faq.entries),
        "phrasings": phrasings,
        "associations": len(live.current.directory.associations),
    }


def _peak_mib() -> float:
    """This process's peak RSS. ``ru_maxrss`` would do, but Linux carries it over from the parent
    through fork and exec (the parent here holds the generated set: ~250 MiB); VmHWM starts afresh."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_child(directory: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_content", "--measure", str(directory)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", type=Path)
    parser.add_argument("--measure", type=Path)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if args.write:
        write_big(args.write)
        return
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "faq"
        write_big(big)
        rows = [("shipped faq/ (baseline)", _in_child(default_faq_dir())), ("big set (generated)", _in_child(big))]
    print(f"{'content':<26}{'entries':>8}{'phrasings':>10}{'assoc.':>8}{'load s':>8}{'CPU s':>8}{'peak MiB':>10}")
    for name, r in rows:
        print(
            f"{name:<26}{r['entries']:>8.0f}{r['phrasings']:>10.0f}{r['associations']:>8.0f}"
            f"{r['seconds']:>8.2f}{r['cpu']:>8.2f}{r['peak_mib']:>10.0f}"
        )
    print("targets (big set): load ≤ 5 s, peak RSS ≤ 300 MiB (wall time is inflated on a busy machine: see CPU s)")


if __name__ == "__main__":
    main()
