"""`qiaobot run` as a whole process, long polling a stand-in Bot API over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.messaging.render import utf16_len
from bot.messaging.standin import StandIn, serve
from tests.processes import start_bot, stop, wait_for

HOSTILE = {
    "id": 2**40 + 5,
    "is_bot": False,
    "first_name": '<script>alert("x")</script> & co',
    "language_code": "en",
}


@dataclass
class Running:
    standin: StandIn
    proc: subprocess.Popen[bytes]
    port: int


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    server, standin = serve()
    port = server.server_address[1]
    proc = start_bot(tmp_path, port)
    try:
        yield Running(standin, proc, port)
    finally:
        stop(proc)
        server.shutdown()


def replies(standin: StandIn, chat_id: int) -> list[str]:
    return [str(p.get("text")) for p in standin.api.sent(chat_id)]


def test_run_answers_over_http_with_hostile_input(running: Running) -> None:
    standin, proc = running.standin, running.proc
    wait_for(lambda: any(c.method == "getUpdates" for c in standin.api.calls))
    commands = [c for c in standin.api.calls if c.method == "setMyCommands"]
    assert {c.params.get("language_code") for c in commands} >= {"zh", "en"}

    standin.push(standin.factory.message(HOSTILE, "/start"))
    greeting = wait_for(lambda: replies(standin, HOSTILE["id"]))[0]
    assert "&lt;script&gt;" in greeting and "<script>" not in greeting

    standin.push(standin.factory.message(HOSTILE, "<b>my passport</b> was stolen & I'm in Paris"))
    wait_for(lambda: replies(standin, HOSTILE["id"])[1:])
    answer = json.dumps(standin.api.sent(HOSTILE["id"])[1], ensure_ascii=False)
    assert "<b>my passport</b>" not in answer
    assert "passport" in answer.lower()  # answered, or offered as suggestion buttons

    standin.push(standin.factory.message(HOSTILE, "护照丢了 " + "很" * 12_000))
    long_reply = wait_for(lambda: replies(standin, HOSTILE["id"])[2:])
    assert all(utf16_len(text) <= 4096 for text in long_reply)
    assert proc.poll() is None, "the bot must still be running"


def test_a_502_window_delays_the_answer_but_loses_nothing(running: Running) -> None:
    standin = running.standin
    user = {"id": 77, "is_bot": False, "first_name": "Lin", "language_code": "zh-hans"}
    wait_for(lambda: any(c.method == "getUpdates" for c in standin.api.calls))
    standin.api.fail("sendMessage", 502, times=2)
    standin.push(standin.factory.message(user, "护照丢了怎么办"))
    texts = wait_for(lambda: replies(standin, user["id"]), timeout=180)
    time.sleep(0.5)
    assert len(replies(standin, user["id"])) == len(texts) == 1
    assert "护照" in texts[0]


def test_the_standin_control_endpoints(running: Running) -> None:
    standin, port = running.standin, running.port
    body = json.dumps({"user": {"id": 5, "is_bot": False, "first_name": "A"}, "text": "/help"}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_control/message", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["message"]["text"] == "/help"
    wait_for(lambda: replies(standin, 5))
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_control/calls", timeout=5) as response:
        assert any(c["method"] == "sendMessage" for c in json.loads(response.read()))
