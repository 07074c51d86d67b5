"""Fairness and recovery of a real ``qiaobot run`` against the HTTP Bot API stand-in.

    python tests/bench/bench_fairness.py [--flood 500] [--database postgresql://…]

Prints, with and without Telegram-like rate limits (the stand-in then answers 429 beyond ~30
messages a second, ~1 a second per chat, 20 a minute per group):

- how long a normal user waits for each answer while another user floods the bot (target: p95 ≤ 2 s),
  beside the same user's answer time with nobody flooding (the baseline, same run);
- how long after a SIGKILL and restart the chats the dead process was working are answered again
  (target ≤ 5 s; the process's own start-up is measured separately and printed beside it).
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.db.engine import create_db_engine, upgrade
from bot.db.models import SQLModel
from bot.messaging.standin import StandIn, serve
from tests.processes import start_bot, stop

QUESTION = "护照丢了怎么办"


def answered(standin: StandIn, chat_id: int, before: int) -> bool:
    return len(standin.api.sent(chat_id)) > before


def wait(check: Any, timeout: float = 600.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.01)
    raise SystemExit("timed out")


def user(i: int) -> dict[str, Any]:
    return {"id": 2**40 + i, "is_bot": False, "first_name": f"U{i}", "language_code": "zh-hans"}


def ask(standin: StandIn, who: dict[str, Any], text: str = QUESTION, pace: float = 2.0) -> float:
    """Ask as a person would (at most one question every ``pace`` seconds); the seconds to the answer."""
    before = len(standin.api.sent(who["id"]))
    standin.push(standin.factory.message(who, text))
    took = wait(lambda: answered(standin, who["id"], before))
    time.sleep(max(0.0, pace - took))
    return took


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def fairness(
    port: int, standin: StandIn, workdir: Path, env: dict[str, str], flood: int
) -> tuple[list[float], list[float]]:
    proc = start_bot(workdir, port, **env)
    try:
        wait(lambda: standin.api.calls, 120)
        normal = user(1)
        baseline = [ask(standin, normal) for _ in range(8)]
        flooder = user(2)
        for i in range(flood):
            standin.push(standin.factory.message(flooder, f"{QUESTION} {i}"))
        during = []
        while len(standin.api.sent(flooder["id"])) < flood // 2 and len(during) < 40:
            during.append(ask(standin, normal))
        return baseline, during
    finally:
        stop(proc)


def recovery(port: int, standin: StandIn, workdir: Path, env: dict[str, str]) -> tuple[float, float]:
    """Kill while chats are being worked; restart; time until every waiting chat is answered."""
    started, seen = time.monotonic(), len(standin.api.calls)
    proc = start_bot(workdir, port, **env)
    wait(lambda: any(c.method == "deleteWebhook" for c in standin.api.calls[seen:]), 120)
    startup = time.monotonic() - started
    people = [user(100 + i) for i in range(20)]
    before = {p["id"]: len(standin.api.sent(p["id"])) for p in people}
    for p in people:
        standin.push(standin.factory.message(p, QUESTION))
    wait(lambda: any(answered(standin, p["id"], before[p["id"]]) for p in people), 120)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    restarted = time.monotonic()
    proc = start_bot(workdir, port, **env)
    try:
        wait(lambda: all(answered(standin, p["id"], before[p["id"]]) for p in people), 300)
        return startup, time.monotonic() - restarted
    finally:
        stop(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=500)
    parser.add_argument("--database", help="a PostgreSQL URL (emptied first); default: SQLite in a temp dir")
    args = parser.parse_args()
    print(f"{'':44} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for limits in (False, True):
        workdir = Path(tempfile.mkdtemp(prefix="fairness-"))
        env = {"LOG_LEVEL": "WARNING"}
        if args.database:
            engine = create_db_engine(args.database)
            SQLModel.metadata.drop_all(engine)
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            upgrade(engine)
            env["DATABASE_URL"] = args.database
        server, standin = serve()
        standin.api.telegram_limits = limits
        port = server.server_address[1]
        baseline, during = fairness(port, standin, workdir, env, args.flood)
        label = "with Telegram's limits" if limits else "no rate limits"
        for name, values in (("a normal user alone", baseline), (f"… while another sends {args.flood}", during)):
            print(
                f"{name + ' (' + label + ')':44} {statistics.median(values):7.2f} {percentile(values, 95):7.2f} "
                f"{max(values):7.2f}"
            )
        if limits:
            print(f"{'  429s drawn from the stand-in':44} {standin.api.throttled:7d}")
        startup, back = recovery(port, standin, workdir, env)
        print(f"{'start-up of qiaobot run (' + label + ')':44} {startup:7.2f}")
        print(f"{'SIGKILL → restart → all 20 chats answered':44} {back:7.2f}")
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
