"""The project's pipeline against a bare python-telegram-bot echo bot, same updates, same fake Bot API.

Both run in this process against the in-process fake Bot API (``bot.messaging.localapi``), fed the
same N text updates from N different people:

- the baseline: an ``Application`` with one ``MessageHandler`` replying the text (what a bare
  python-telegram-bot bot costs per update);
- the project: each update stored in the intake, processed (a FAQ question: matched, answered
  into the outbox, logged) and delivered, as ``qiaobot run`` does, on SQLite and (with ``--pg``) on
  PostgreSQL in a fresh schema.

Prints updates/s (wall), CPU ms per update (this process: ``time.process_time``; the busy shared
machine inflates wall time, not CPU much) and commits per update (a SQLAlchemy ``commit`` listener,
as ``commits_per_update.py``). Targets (issue 12): CPU per update ≤ 4× the echo bot's; ≥ 300 updates/s.

    python -m tests.bench.bench_echo [--updates 300] [--pg postgresql://postgres@127.0.0.1:5432/scale2]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from typing import Any

from sqlalchemy import event, text
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.content.live import LiveFaq
from bot.db.engine import create_db_engine, upgrade
from bot.messaging import local
from bot.messaging.localapi import LocalBotApi, UpdateFactory
from tests.conftest import FAQ_DIR, build_harness, make_user

QUESTIONS = (
    "护照丢了怎么办",
    "how do i renew my passport",
    "回国定居要怎么申请",
    "孩子回国上学需要什么材料",
    "how can i get a visa for my foreign spouse",
    "驾照过期了在国外怎么换",
)


def _updates(n: int) -> list[dict[str, Any]]:
    factory = UpdateFactory()
    return [factory.message(make_user(10_000 + i), QUESTIONS[i % len(QUESTIONS)]) for i in range(n)]


async def _echo(payloads: list[dict[str, Any]]) -> dict[str, float]:
    async def reply(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    api = LocalBotApi()
    app = Application.builder().token("123456:ECHO").request(api).updater(None).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, reply))
    await app.initialize()
    cpu, wall = time.process_time(), time.perf_counter()
    for payload in payloads:
        await app.process_update(Update.de_json(payload, app.bot))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await app.shutdown()
    assert len(api.sent()) == len(payloads)
    return {"wall": wall, "cpu": cpu, "commits": 0, "sent": len(api.sent())}


async def _project(url: str, payloads: list[dict[str, Any]], schema: str | None = None) -> dict[str, float]:
    if schema:
        admin = create_db_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_db_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    else:
        engine = create_db_engine(url)
    upgrade(engine)
    app, api = build_harness(engine, LiveFaq(FAQ_DIR))
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]
    commits = 0

    def count(_conn: object) -> None:
        nonlocal commits
        commits += 1

    event.listen(engine, "commit", count)
    cpu, wall = time.process_time(), time.perf_counter()
    for payload in payloads:  # one at a time, as people write: stored, processed, its reply delivered
        await local.store(app, payload)
        await local.process(app)
        await local.deliver(app)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    event.remove(engine, "commit", count)
    await app.shutdown()
    sent = len(api.sent())
    if schema:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    assert sent >= len(payloads), f"only {sent} replies to {len(payloads)} questions"
    return {"wall": wall, "cpu": cpu, "commits": commits, "sent": sent}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--pg", help="a PostgreSQL URL (a fresh schema is made in it and dropped)")
    args = parser.parse_args()
    n = args.updates
    rows = [("echo bot (baseline)", await _echo(_updates(n)))]
    rows.append(("project, SQLite", await _project(f"sqlite:///{tempfile.mkdtemp()}/bench.db", _updates(n))))
    if args.pg:
        rows.append(("project, PostgreSQL", await _project(args.pg, _updates(n), f"bench_{uuid.uuid4().hex[:8]}")))
    base = rows[0][1]["cpu"] / n
    print(f"{n} text updates (FAQ questions), one at a time, in process against the fake Bot API")
    print(f"{'pipeline':<24}{'updates/s':>11}{'CPU ms/upd':>12}{'× echo':>8}{'commits/upd':>13}{'replies':>9}")
    for name, r in rows:
        print(
            f"{name:<24}{n / r['wall']:>11.0f}{1000 * r['cpu'] / n:>12.2f}{r['cpu'] / n / base:>8.1f}"
            f"{r['commits'] / n:>13.1f}{r['sent']:>9.0f}"
        )
    print("targets: CPU per update ≤ 4× the echo bot's; ≥ 300 updates/s per process (wall, busy machine)")


if __name__ == "__main__":
    asyncio.run(main())
