"""The local demo: a reply written in the console (another process, here another engine on the same
file) reaches the person in ``qiaobot chat`` before the next prompt."""

from __future__ import annotations

import uuid
from pathlib import Path

from starlette.testclient import TestClient

from bot.cli.chat import LOCAL_USER_ID, TerminalChat, run_chat
from bot.config import Settings
from bot.console import service as accounts
from bot.console.app import build_console
from bot.content.live import LiveFaq
from bot.db.engine import open_database
from bot.db.models import Ticket
from bot.db.uow import session_scope
from bot.reports import repo as tickets
from tests.console.conftest import CLI, PASSWORD, sign_in, token


async def test_a_console_reply_shows_in_the_terminal_chat(tmp_path: Path, live_faq: LiveFaq) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'demo.db'}")  # type: ignore[call-arg]
    async with TerminalChat(settings, "zh-Hans") as chat:
        await chat.send("/start")
        web_engine = open_database(settings.database_url)  # what `qiaobot web` opens, separately
        with session_scope(web_engine) as s:
            now = live_faq.current.loaded_at
            ticket = tickets.create(
                s,
                Ticket(
                    nonce=uuid.uuid4().hex,
                    user_id=LOCAL_USER_ID,
                    chat_id=LOCAL_USER_ID,
                    queue_id="chaling",
                    place="茶陵县",
                    category="documents",
                    description="护照过期",
                    language="zh-Hans",
                    created_at=now,
                    updated_at=now,
                ),
            )
            accounts.add_account(
                s,
                CLI,
                live_faq.current.federation,
                email="chen@example.org",
                queue_id="chaling",
                role="agent",
                password=PASSWORD,
                now=now,
            ).must_change_password = False
        assert await chat.poll() == []  # nothing new yet: an empty Enter shows nothing
        client = TestClient(build_console(settings, web_engine, live_faq), follow_redirects=False)
        assert sign_in(client, "chen@example.org").status_code == 303
        answer = client.post(f"/reports/{ticket.id}/act/reply", data={"csrf": token(client), "text": "请来侨联办理。"})
        assert answer.status_code == 303
        shown = await chat.poll()
        assert any("请来侨联办理。" in item.text and f"#{ticket.id}" in item.text for item in shown)
        assert await chat.poll() == []  # delivered once
        web_engine.dispose()


async def test_run_chat_checks_for_replies_before_every_prompt(tmp_path: Path, capsys: object) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'demo.db'}")  # type: ignore[call-arg]
    lines = iter(["/start", ""])
    seen: list[str] = []

    def read(prompt: str) -> str:
        if len(seen) == 1:  # after the first turn, "another process" queues a message for the chat
            from bot.messaging import outbox
            from bot.messaging.outbox import Message

            with session_scope(open_database(settings.database_url)) as s:
                outbox.enqueue(s, Message.text(LOCAL_USER_ID, "来自工作台的回复"), key="console-demo")
        seen.append(prompt)
        line = next(lines, None)
        if line is None:
            raise EOFError  # Ctrl-D
        return line

    assert await run_chat(settings, "zh-Hans", read) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "来自工作台的回复" in out
