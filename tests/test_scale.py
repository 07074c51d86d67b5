"""Three `qiaobot run --webhook` processes share one PostgreSQL database and a stand-in Bot API.

A few hundred updates from many users are posted to the three processes in turn (as a load
balancer would); every update must be handled exactly once, and each user's answers must come in
the order the questions were asked.
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.content.live import LiveFaq
from bot.db.engine import create_db_engine
from bot.messaging.standin import serve
from tests.conftest import FAQ_DIR, PG_URL
from tests.processes import start_bot, stop, wait_for

pytestmark = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
SECRET = "scale-test-secret"
USERS = 40
ENTRIES = ["lost-passport", "passport-renewal", "visa-ethnic-chinese", "inheritance", "legal-aid", "donation"]


@pytest.fixture
def schema_url() -> Iterator[str]:
    """A PostgreSQL schema of its own, migrated by `qiaobot db upgrade` like a deployment would."""
    assert PG_URL
    schema = f"scale_{uuid.uuid4().hex[:10]}"
    admin = create_db_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def post(port: int, update: dict[str, Any]) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/tg",
        data=json.dumps(update).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def test_three_processes_share_the_load_without_doubling_or_reordering(tmp_path: Path, schema_url: str) -> None:
    faq = LiveFaq(FAQ_DIR).current.faq
    questions = [(eid, faq.by_id[eid].questions["zh"][0]) for eid in ENTRIES]
    server, standin = serve()
    api_port = server.server_address[1]
    ports = [free_port() for _ in range(3)]
    env = {"DATABASE_URL": schema_url, "WEBHOOK_URL": "http://127.0.0.1/tg", "WEBHOOK_SECRET": SECRET}
    import subprocess
    import sys

    upgrade = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    procs = []
    try:
        for i, port in enumerate(ports):
            workdir = tmp_path / f"p{i}"
            workdir.mkdir()
            procs.append(start_bot(workdir, api_port, "--webhook", WEBHOOK_LISTEN=f"127.0.0.1:{port}", **env))
        for port in ports:
            wait_for(lambda port=port: _healthy(port), timeout=180)

        users = [
            {"id": 2**40 + n, "is_bot": False, "first_name": f"U{n}", "language_code": "zh-hans"} for n in range(USERS)
        ]
        batches = [[standin.factory.message(user, q) for _, q in questions] for user in users]
        # Round by round: every user's k-th question goes out before anyone's (k+1)-th, each to the
        # next process in turn, from several threads at once.
        with ThreadPoolExecutor(max_workers=12) as pool:
            n = 0
            for k in range(len(questions)):
                futures = []
                for batch in batches:
                    futures.append(pool.submit(post, ports[n % 3], batch[k]))
                    n += 1
                assert all(f.result() == 200 for f in futures)

        expected = [faq.by_id[eid].title("zh") for eid, _ in questions]
        wait_for(lambda: all(len(answers(standin, u["id"])) >= len(expected) for u in users), timeout=120)
        for user in users:
            got = answers(standin, user["id"])
            assert [title_of(a, expected) for a in got] == expected, user["id"]
    finally:
        for proc in procs:
            stop(proc)
        server.shutdown()
    engine = create_db_engine(schema_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, attempts, count(*) FROM intake GROUP BY status, attempts")).all()
        workers = conn.execute(text("SELECT count(DISTINCT locked_by) FROM intake")).scalar()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("done", 1, USERS * len(questions))]  # each exactly once
    assert workers == 3  # and all three processes took part


def answers(standin: Any, chat_id: int) -> list[str]:
    return [str(p.get("text", "")) for p in standin.api.sent(chat_id) if "fb:" in str(p.get("reply_markup", ""))]


def title_of(answer: str, titles: list[str]) -> str:
    return next((t for t in titles if f"<b>{t}</b>" in answer), answer[:40])


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
