"""Database commits and SELECTs per processed update, on the real Application (in process, SQLite).

    python tests/bench/commits_per_update.py

Prints, for a FAQ question in Chinese and in English and for /start: the commits of storing the update,
of processing it (claim + its unit of work), and of delivering what it queued.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import event

from bot.content.live import LiveFaq
from bot.db.engine import create_db_engine, upgrade
from bot.messaging import local
from tests.conftest import FAQ_DIR, BotHarness, build_harness, make_user

CASES = (("question", "护照丢了怎么办"), ("question", "how do i renew my passport"), ("command", "/start"))


async def main() -> None:
    engine = create_db_engine(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    upgrade(engine)
    app, api = build_harness(engine, LiveFaq(FAQ_DIR))
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]
    bot = BotHarness(app, api, engine)
    counts = {"commit": 0, "select": 0}
    event.listen(engine, "commit", lambda _conn: counts.__setitem__("commit", counts["commit"] + 1))

    def before(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            counts["select"] += 1

    event.listen(engine, "before_cursor_execute", before)
    print(f"{'update':34} {'store':>6} {'process':>8} {'selects':>8} {'deliver':>8}")
    for kind, text in CASES:
        counts.update(commit=0, select=0)
        await local.store(app, bot.updates.message(make_user(99), text))
        stored = dict(counts)
        await local.process(app)
        processed = dict(counts)
        await local.deliver(app)
        delivered = dict(counts)
        print(
            f"{kind + ' ' + text[:24]:34} {stored['commit']:>6} {processed['commit'] - stored['commit']:>8} "
            f"{processed['select'] - stored['select']:>8} {delivered['commit'] - processed['commit']:>8}"
        )
    await app.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
