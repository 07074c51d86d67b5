"""Delivery under Telegram's limits with one budget shared by several processes.

Queues replies to many people in the outbox, starts the HTTP Bot API stand-in with Telegram's
limits switched on (~30 a second per bot, 3 in 3 s per chat, 20 a minute per group: beyond them a
429), then 1 or 2 worker processes that deliver from the same database, as ``qiaobot run``
processes do. Prints, per database and number of processes: the aggregate rate, the most calls in
any one-second window, the share of the budget used, 429s, CPU ms and commits per message. The
baseline in the same run is the budget itself (30/s): 2 processes must stay under it with 0 × 429.

    python -m tests.bench.bench_pipeline [--messages 450] [--pg postgresql://postgres@127.0.0.1/scale]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from bot.db.engine import create_db_engine, upgrade
from bot.db.uow import session_scope
from bot.messaging import outbox
from bot.messaging.localapi import Call
from bot.messaging.outbox import Message
from bot.messaging.standin import serve

TOKEN = "123456:BENCH"


def _engine(url: str, schema: str | None) -> Any:
    if schema:
        return create_db_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    return create_db_engine(url)


async def _work(url: str, schema: str | None, api: str) -> None:
    from telegram.request import HTTPXRequest

    from bot.messaging.budget import Limits
    from bot.messaging.delivery import Deliverer, RawBot

    engine = _engine(url, schema)
    commits = 0

    def count(_conn: object) -> None:
        nonlocal commits
        commits += 1

    event.listen(engine, "commit", count)
    bot = RawBot(TOKEN, base_url=api, request=HTTPXRequest(connection_pool_size=4))
    await bot.initialize()
    deliverer = Deliverer(bot, engine, limits=Limits())
    idle_since = time.monotonic()
    while time.monotonic() - idle_since < 3.0:  # until nothing was left for three seconds
        if await deliverer.deliver_due():
            idle_since = time.monotonic()
        else:
            await asyncio.sleep(0.05)
    await bot.shutdown()
    print(f"commits {commits}", flush=True)


def run(url: str, schema: str | None, processes: int, messages: int) -> dict[str, float]:
    engine = _engine(url, schema)
    upgrade(engine)
    with session_scope(engine) as s:
        for i in range(messages):
            chat = 1000 + i // 2  # two messages per person: within a chat's short burst
            outbox.enqueue(s, Message.text(chat, f"answer {i}"), key=f"b{i}", priority=outbox.REPLY)
    server, standin = serve()
    standin.api.telegram_limits = True
    stamps: list[float] = []

    def on_call(call: Call) -> None:
        if call.method == "sendMessage":
            stamps.append(time.monotonic())

    standin.api.on_call = on_call
    port = server.server_address[1]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.bench.bench_pipeline",
                "--worker",
                url,
                "--schema",
                schema or "",
                "--api",
                f"http://127.0.0.1:{port}/bot",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    outputs = [w.communicate(timeout=600)[0] for w in workers]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server.shutdown()
    commits = sum(int(line.split()[1]) for out in outputs for line in out.splitlines() if line.startswith("commits"))
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    stamps.sort()
    most, start = 0, 0
    for end, at in enumerate(stamps):
        while at - stamps[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    span = (stamps[-1] - stamps[0]) if len(stamps) > 1 else 1.0
    rate = (len(stamps) - 1) / span if span else 0.0
    engine.dispose()
    return {
        "sent": len(stamps),
        "rate": rate,
        "most_1s": most,
        "used": rate / 30,
        "429": standin.api.throttled,
        "cpu_ms": 1000 * cpu / max(len(stamps), 1),
        "commits": commits / max(len(stamps), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=450)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--worker")
    parser.add_argument("--schema", default="")
    parser.add_argument("--api")
    args = parser.parse_args()
    if args.worker:
        asyncio.run(_work(args.worker, args.schema or None, args.api))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for processes in (1, 2):
            url = f"sqlite:///{Path(tmp) / f'bench{processes}.db'}"
            rows.append(("SQLite", processes, run(url, None, processes, args.messages)))
    if args.pg:
        admin = create_db_engine(args.pg)
        for processes in (1, 2):
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                rows.append(("PostgreSQL", processes, run(args.pg, schema, processes, args.messages)))
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    print(
        f"{'database':<11}{'procs':>6}{'sent':>6}{'msg/s':>8}{'max/1s':>8}{'budget used':>13}{'429s':>6}"
        f"{'CPU ms/msg':>12}{'commits/msg':>13}"
    )
    print(f"{'budget':<11}{'':>6}{'':>6}{30:>8}{30:>8}{'100 %':>13}{0:>6}")
    for name, processes, r in rows:
        print(
            f"{name:<11}{processes:>6}{r['sent']:>6.0f}{r['rate']:>8.1f}{r['most_1s']:>8.0f}{r['used']:>12.0%}"
            f"{r['429']:>6.0f}{r['cpu_ms']:>12.2f}{r['commits']:>13.2f}"
        )


if __name__ == "__main__":
    main()
