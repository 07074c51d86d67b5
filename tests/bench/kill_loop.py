"""SIGKILL ``qiaobot run`` at random moments while people file reports and staff claim, reply and
resolve them; then check that nothing was lost or doubled. Prints a table.

    python tests/bench/kill_loop.py [--users 12] [--kills 40] [--seed 1] [--database URL]

Not a unit test (it runs for minutes and kills at random): it is the black-box check of
"nothing lost, nothing doubled". Telegram is the HTTP stand-in; the database is SQLite unless
``--database`` names a PostgreSQL database (it is emptied first).
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlmodel import Session, select

from bot.db.engine import create_db_engine, upgrade
from bot.db.models import SQLModel, Ticket
from bot.messaging.standin import StandIn, serve
from bot.text.i18n import t
from tests.processes import start_bot, stop

GROUP = {"id": -100123, "type": "supergroup", "title": "Chaling staff"}
ADMIN = {"id": 777, "is_bot": False, "first_name": "Admin"}
STAFF = {"id": 501, "is_bot": False, "first_name": "Chen"}
TIMEOUT = 180.0


class Bot:
    """The bot process, restarted after every kill."""

    def __init__(self, workdir: Path, port: int, env: dict[str, str]) -> None:
        self.workdir, self.port, self.env = workdir, port, env
        self.lock = threading.Lock()
        self.kills = 0
        self.proc = start_bot(workdir, port, **env)

    def kill_and_restart(self) -> None:
        with self.lock:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.kills += 1
            self.proc = start_bot(self.workdir, self.port, **self.env)

    def stop(self) -> None:
        with self.lock:
            stop(self.proc)


def wait(check: Any, what: str) -> Any:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit(f"gave up waiting for {what}")


class Person:
    def __init__(self, standin: StandIn, user: dict[str, Any]) -> None:
        self.standin, self.user = standin, user

    def texts(self) -> list[str]:
        return [str(p.get("text", "")) for p in self.standin.api.sent(self.user["id"])]

    def say(self, text: str, expect: Any = None) -> None:
        before = len(self.texts())
        self.standin.push(self.standin.factory.message(self.user, text))
        wait(lambda: expect(self.texts()) if expect else len(self.texts()) > before, f"an answer to {text!r}")

    def press(self, data: str, expect: Any) -> None:
        message = next(
            m for m in reversed(self.standin.api.messages(self.user["id"])) if data in str(m.get("reply_markup"))
        )
        self.standin.push(self.standin.factory.callback(self.user, data, message))
        wait(lambda: expect(self.texts()), f"the result of pressing {data}")

    def file(self, n: int) -> int:
        """A whole report; returns its number once the person has been told it."""
        self.say("/report", lambda texts: any("反映困难前" in x for x in texts))
        self.press("r:ok", lambda texts: any("第 1 步" in x for x in texts))
        self.say("茶陵县", lambda texts: any("第 2 步" in x for x in texts))
        self.press("r:c:documents", lambda texts: any("第 3 步" in x for x in texts))
        self.say(
            f"第{n}号测试：护照在国外遗失，需要家乡开具证明",
            lambda texts: any("第 4 步" in x or "提交前" in x for x in texts),
        )
        if self._offered():
            self.press("r:go", lambda texts: any("第 4 步" in x for x in texts))
        self.say("/skip", lambda texts: any("请确认您的反映" in x for x in texts))
        self.press("r:s", lambda texts: any("已提交" in x for x in texts))
        filed = next(x for x in self.texts() if "已提交" in x)
        return int(filed.split("#", 1)[1].split("<", 1)[0].split("，", 1)[0].strip("</b> "))

    def _offered(self) -> bool:
        return any("r:go" in str(m.get("reply_markup")) for m in self.standin.api.messages(self.user["id"])[-2:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", help="a PostgreSQL URL (emptied first); default: SQLite in a temp dir")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="kill-loop-"))
    env = {"ADMIN_IDS": "777", "LOG_LEVEL": "WARNING"}
    url = args.database or f"sqlite:///{workdir / 'bot.db'}"
    if args.database:
        engine = create_db_engine(url)
        SQLModel.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(engine)
        env["DATABASE_URL"] = url
    server, standin = serve()
    standin.api.members = {GROUP["id"]: {777, 501}}
    bot = Bot(workdir, server.server_address[1], env)
    started = time.monotonic()
    standin.push(standin.factory.message(ADMIN, "/bind chaling", chat=GROUP))
    wait(lambda: standin.api.sent(GROUP["id"]), "the /bind answer")

    done = threading.Event()

    def killer() -> None:
        while not done.is_set() and bot.kills < args.kills:
            time.sleep(rng.uniform(0.3, 2.5))
            if not done.is_set():
                bot.kill_and_restart()

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    people = [
        Person(standin, {"id": 2**40 + i, "is_bot": False, "first_name": f"U{i}", "language_code": "zh-hans"})
        for i in range(args.users)
    ]
    numbers: dict[int, int] = {}
    for i, person in enumerate(people):
        number = person.file(i)
        numbers[person.user["id"]] = number
        for command in (f"/claim {number}", f"/reply {number} 收到，第{i}号", f"/resolve {number}"):
            before = len(standin.api.sent(GROUP["id"]))
            standin.push(standin.factory.message(STAFF, command, chat=GROUP))
            wait(lambda before=before: len(standin.api.sent(GROUP["id"])) > before, f"staff {command}")
        wait(
            lambda p=person: any("⭐" in str(m.get("reply_markup")) for m in standin.api.messages(p.user["id"])),
            "the request for a rating",
        )
    done.set()
    thread.join()
    time.sleep(8)  # let the last process deliver what it holds
    bot.stop()
    server.shutdown()
    elapsed = time.monotonic() - started

    engine = create_db_engine(url)
    with Session(engine) as s:
        tickets = list(s.exec(select(Ticket)).all())
    by_user = Counter(ticket.user_id for ticket in tickets)
    group_texts = [str(p.get("text", "")) for p in standin.api.sent(GROUP["id"])]
    problems: list[str] = []
    duplicates = 0
    for person in people:
        uid, number = person.user["id"], numbers[person.user["id"]]
        texts = person.texts()
        expected = {
            "reference": [x for x in texts if "已提交" in x and f"#{number}</b>" in x],
            "claimed": [x for x in texts if x == t("notify_claimed", "zh-Hans", id=number, queue="茶陵县侨联")],
            "reply": [x for x in texts if f"收到，第{people.index(person)}号" in x],
            "resolved": [x for x in texts if f"#{number} 已处理完毕" in x],
            "card": [x for x in group_texts if x.startswith(f"<b>反映 #{number}</b>")],
        }
        if by_user[uid] != 1:
            problems.append(f"user {uid}: {by_user[uid]} tickets")
        for name, found in expected.items():
            if not found:
                problems.append(f"#{number}: no {name}")
            duplicates += max(0, len(found) - 1)
    print(f"{'database':<28} {'SQLite' if not args.database else 'PostgreSQL'}")
    print(f"{'people, reports filed':<28} {len(people)}, {len(tickets)}")
    print(f"{'SIGKILLs':<28} {bot.kills}")
    print(f"{'elapsed':<28} {elapsed:.0f} s")
    print(f"{'reports lost or doubled':<28} {sum(1 for p in people if by_user[p.user['id']] != 1)}")
    print(f"{'notices missing':<28} {sum('no ' in p for p in problems)}")
    print(
        f"{'notices sent twice':<28} {duplicates}  (allowed: at most one per kill, when Telegram took the "
        f"message the instant before it)"
    )
    for problem in problems:
        print("  ", problem)
    return 1 if problems or duplicates > bot.kills else 0


if __name__ == "__main__":
    raise SystemExit(main())
