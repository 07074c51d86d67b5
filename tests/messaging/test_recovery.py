"""Quick to recover: a restarted process takes its dead predecessor's leases over at once; an
outage of the database or the Bot API is logged once when it starts and once when it ends."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.db.models import utcnow
from bot.messaging import intake
from bot.messaging.metrics import Metrics
from tests.conftest import q


def dead_pid() -> int:
    """The pid of a process that has finished (and was reaped)."""
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    return int(proc.stdout)


def test_a_restart_takes_over_the_leases_its_dead_predecessor_left(engine: Engine) -> None:
    host = socket.gethostname()[:40]
    for update_id, chat in ((1, 10), (2, 20), (3, 30)):
        intake.store(
            engine,
            update_id=update_id,
            payload=f'{{"update_id": {update_id}, "message": {{"chat": {{"id": {chat}}}}}}}',
        )
    dead = f"{host}:{dead_pid()}:abc123"
    alive = f"{host}:{os.getppid()}:def456"  # a live process of this machine (the one running the tests)
    elsewhere = "another-host:1234:fff000"
    for worker in (dead, alive, elsewhere):
        assert intake.claim(engine, worker=worker)
    sqlite = engine.dialect.name == "sqlite"
    released = intake.release_stale(engine, worker=f"{host}:{os.getpid()}:new")
    # SQLite is one process by design: every lease is stale. PostgreSQL: only the dead one's.
    assert released == (3 if sqlite else 1)
    taken = intake.claim(engine, worker="w", limit=5)
    assert len(taken) == released
    for item in taken:
        q(intake.finish, engine, update_id=item.update.update_id)
    # The others' leases run out on their own (10 seconds), and then anyone may take over.
    later = intake.claim(engine, worker="w", limit=5, now=utcnow() + intake.LEASE + timedelta(seconds=1))
    assert len(taken) + len(later) == 3


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(caplog: pytest.LogCaptureFixture) -> None:
    metrics = Metrics()
    error = OperationalError("SELECT 1", {}, Exception("connection refused"))
    with caplog.at_level(logging.WARNING, logger="bot.outage"):
        for _ in range(1000):
            metrics.failed("database", error)
        metrics.ok("database")
        metrics.ok("database")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and "unavailable" in lines[0] and "is back" in lines[1]
    assert all(r.exc_info is None for r in caplog.records)  # no tracebacks
    text = metrics.render(tickets_by_status={}, outbox_backlog=0, intake_backlog=0)
    assert 'qiaobot_outage_errors_total{dependency="database"} 1000' in text
    assert 'qiaobot_dependency_up{dependency="database"} 1' in text
