"""SIGKILL in the middle of a report and right after Submit, a 502 window: nothing lost or doubled."""

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


def stored(db: Path, update_id: int) -> bool:
    engine = create_db_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            return s.get(IntakeUpdate, update_id) is not None
    finally:
        engine.dispose()


def tickets_in(db: Path) -> list[Ticket]:
    engine = create_db_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            return list(s.exec(select(Ticket)).all())
    finally:
        engine.dispose()


class Conversation:
    """Drives the user's side over the stand-in and waits for each answer."""

    def __init__(self, standin: StandIn) -> None:
        self.standin = standin

    def say(self, text: str) -> dict[str, Any]:
        before = len(self.standin.api.sent(USER["id"]))
        update = self.standin.factory.message(USER, text)
        self.standin.push(update)
        wait_for(lambda: len(self.standin.api.sent(USER["id"])) > before)
        return update

    def press(self, data: str) -> dict[str, Any]:
        message = next(m for m in reversed(self.standin.api.messages(USER["id"])) if data.split(":")[0] + ":" in str(m))
        update = self.standin.factory.callback(USER, data, message)
        self.standin.push(update)
        return update


def test_sigkill_mid_report_and_after_submit_with_a_502_window(tmp_path: Path, standin: tuple[StandIn, int]) -> None:
    state, port = standin
    db = tmp_path / "bot.db"
    state.api.members = {STAFF_GROUP["id"]: {777, 501}}
    proc = start_bot(tmp_path, port, ADMIN_IDS="777")
    try:
        state.push(state.factory.message(ADMIN, "/bind chaling", chat=STAFF_GROUP))
        wait_for(lambda: sent_to(state, STAFF_GROUP["id"]))
        talk = Conversation(state)
        talk.say("/report")
        talk.press("r:ok")
        wait_for(lambda: len(sent_to(state, USER["id"])) >= 2)
        talk.say("茶陵縣")

        proc.send_signal(signal.SIGKILL)  # in the middle of the report
        proc.wait()
        proc = start_bot(tmp_path, port, ADMIN_IDS="777")

        talk.press("r:c:documents")  # the draft survived the crash
        wait_for(lambda: any("第 3 步" in t for t in sent_to(state, USER["id"])))
        replies = len(sent_to(state, USER["id"]))
        talk.say("我的護照在吉隆坡被偷了，急需回國")
        if any("r:go" in str(m) for m in state.api.messages(USER["id"])[replies:]):
            talk.press("r:go")
            wait_for(lambda: any("第 4 步" in t for t in sent_to(state, USER["id"])))
        talk.say("/skip")

        state.api.fail("sendMessage", 502, times=3, chat_id=STAFF_GROUP["id"])  # the staff side is down
        submit = talk.press("r:s")
        wait_for(lambda: stored(db, submit["update_id"]))
        proc.send_signal(signal.SIGKILL)  # right after Submit reached the bot
        proc.wait()
        state.push(submit)  # and Telegram, unconfirmed, delivers it again
        proc = start_bot(tmp_path, port, ADMIN_IDS="777")

        wait_for(lambda: any("#1" in t for t in sent_to(state, USER["id"])), timeout=40)
        wait_for(lambda: any("吉隆坡" in t for t in sent_to(state, STAFF_GROUP["id"])), timeout=60)
    finally:
        stop(proc)
    assert len(tickets_in(db)) == 1
    assert sum("吉隆坡" in t for t in sent_to(state, STAFF_GROUP["id"])) == 1  # the card, exactly once
    assert sum("#1" in t for t in sent_to(state, USER["id"])) == 1  # the reference, exactly once
