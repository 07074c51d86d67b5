"""Whole ``qiaobot run`` processes killed with SIGKILL in the middle of a report and right after
Submit (the staff side answering 502): nothing lost, nothing doubled.

Deterministic on any machine: the process kills itself at a named fault point (``QIAOBOT_FAULTS``,
see ``bot.messaging.faults``), and the test waits for it to be gone — no sleep races the kill.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.db.engine import create_db_engine
from bot.db.models import IntakeUpdate, Ticket
from bot.messaging.standin import StandIn, serve
from tests.processes import start_bot, stop, wait_for

ADMIN = {"id": 777, "is_bot": False, "first_name": "Admin"}
STAFF_GROUP = {"id": -100123, "type": "supergroup", "title": "Chaling staff"}
USER = {"id": 2**40 + 9, "is_bot": False, "first_name": "Mei", "language_code": "zh-hant"}


@pytest.fixture
def standin() -> Iterator[tuple[StandIn, int]]:
    server, state = serve()
    yield state, server.server_address[1]
    server.shutdown()


def sent_to(standin: StandIn, chat_id: int) -> list[str]:
    return [str(p.get("text", "")) for p in standin.api.sent(chat_id)]


def rows(db: Path, model: Any) -> list[Any]:
    engine = create_db_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            return list(s.exec(select(model)).all())
    finally:
        engine.dispose()


def killed(proc: Any) -> None:
    """Wait until the process has killed itself at its fault point."""
    assert proc.wait(timeout=120) == -signal.SIGKILL


class Conversation:
    """Drives the user's side over the stand-in and waits for each answer."""

    def __init__(self, standin: StandIn) -> None:
        self.standin = standin

    def say(self, text: str, *, wait: bool = True) -> dict[str, Any]:
        before = len(self.standin.api.sent(USER["id"]))
        update = self.standin.factory.message(USER, text)
        self.standin.push(update)
        if wait:
            wait_for(lambda: len(self.standin.api.sent(USER["id"])) > before, timeout=60)
        return update

    def press(self, data: str, *, wait: bool = True) -> dict[str, Any]:
        before = len(self.standin.api.calls)
        message = next(m for m in reversed(self.standin.api.messages(USER["id"])) if data.split(":")[0] + ":" in str(m))
        update = self.standin.factory.callback(USER, data, message)
        self.standin.push(update)
        if wait:
            wait_for(lambda: len(self.standin.api.calls) > before + 1, timeout=60)
        return update


def test_sigkill_mid_report_and_after_submit_with_a_502_window(tmp_path: Path, standin: tuple[StandIn, int]) -> None:
    state, port = standin
    db = tmp_path / "bot.db"
    state.api.members = {STAFF_GROUP["id"]: {777, 501}}
    talk = Conversation(state)

    # 1. The fourth update ("茶陵縣") kills the process before its unit of work commits.
    proc = start_bot(tmp_path, port, ADMIN_IDS="777", QIAOBOT_FAULTS="update.before_commit:4")
    try:
        state.push(state.factory.message(ADMIN, "/bind chaling", chat=STAFF_GROUP))
        wait_for(lambda: sent_to(state, STAFF_GROUP["id"]), timeout=60)
        talk.say("/report")
        talk.press("r:ok")
        talk.say("茶陵縣", wait=False)
        killed(proc)
    finally:
        stop(proc)

    # 2. A new process replays it (the draft was kept) and the report goes on.
    proc = start_bot(tmp_path, port, ADMIN_IDS="777")
    try:
        wait_for(lambda: any("茶陵" in t for t in sent_to(state, USER["id"])), timeout=60)
        talk.press("r:c:documents")
        wait_for(lambda: any("第 3 步" in t for t in sent_to(state, USER["id"])), timeout=60)
        replies = len(sent_to(state, USER["id"]))
        talk.say("我的護照在吉隆坡被偷了，急需回國")
        if any("r:go" in str(m) for m in state.api.messages(USER["id"])[replies:]):
            talk.press("r:go")
            wait_for(lambda: any("第 4 步" in t for t in sent_to(state, USER["id"])), timeout=60)
        talk.say("/skip")
    finally:
        stop(proc)  # a clean stop: SIGINT, the work in hand finished

    # 3. Submit, with the staff group answering 502: the process dies right after committing it.
    state.api.fail("sendMessage", 502, times=3, chat_id=STAFF_GROUP["id"])
    proc = start_bot(tmp_path, port, ADMIN_IDS="777", QIAOBOT_FAULTS="update.after_commit:1")
    try:
        submit = talk.press("r:s", wait=False)
        killed(proc)
    finally:
        stop(proc)
    [stored] = [u for u in rows(db, IntakeUpdate) if u.update_id == submit["update_id"]]
    assert stored.status == "done" and len(rows(db, Ticket)) == 1
    state.push(submit)  # Telegram, never told, delivers the Submit again

    # 4. The last process delivers what was committed — once — and ignores the repeated Submit.
    proc = start_bot(tmp_path, port, ADMIN_IDS="777")
    try:
        wait_for(lambda: any("#1" in t for t in sent_to(state, USER["id"])), timeout=60)
        wait_for(lambda: any("吉隆坡" in t for t in sent_to(state, STAFF_GROUP["id"])), timeout=90)
        wait_for(lambda: not state.api._updates, timeout=60)  # the repeated Submit was fetched (and confirmed)
    finally:
        stop(proc)
    assert len(rows(db, Ticket)) == 1
    assert sum("吉隆坡" in t for t in sent_to(state, STAFF_GROUP["id"])) == 1  # the card, exactly once
    assert sum("#1" in t for t in sent_to(state, USER["id"])) == 1  # the reference, exactly once
    assert "Traceback" not in (tmp_path / "bot.log").read_text(encoding="utf-8")
