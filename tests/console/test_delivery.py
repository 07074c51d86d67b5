"""A reply written in the console reaches the user through the outbox, through an outage too."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.console import service as accounts
from bot.console.app import build_console
from bot.db.uow import session_scope
from tests.conftest import BotHarness
from tests.console.conftest import CLI, PASSWORD
from tests.reports.test_flows import MEI, file_report


async def test_a_console_reply_during_a_bot_api_outage_reaches_the_user_once_it_is_back(
    bot: BotHarness, tmp_path: Path
) -> None:
    from datetime import timedelta

    from starlette.testclient import TestClient

    from tests.console.conftest import sign_in, token

    ticket = await file_report(bot, MEI, "茶陵縣")
    await bot.deliver()
    live = bot.runtime.faq
    settings = Settings(_env_file=None, faq_dir=live.directory, web_files_dir=tmp_path)  # type: ignore[call-arg]
    with session_scope(bot.engine) as s:
        accounts.add_account(
            s,
            CLI,
            live.current.federation,
            email="chen@example.org",
            queue_id="chaling",
            role="agent",
            password=PASSWORD,
            now=bot.runtime.env().now,
        ).must_change_password = False
    client = TestClient(build_console(settings, bot.engine, live), follow_redirects=False)
    assert sign_in(client, "chen@example.org").status_code == 303
    bot.api.fail("sendMessage", 502, times=3)  # Telegram is down for a while
    client.post(f"/reports/{ticket.id}/act/reply", data={"csrf": token(client), "text": "OUTAGE-REPLY-1"})
    await bot.deliver()
    assert not any("OUTAGE-REPLY-1" in text for text in bot.api.texts(MEI["id"]))
    now = bot.runtime.env().now
    for hours in (1, 2, 3, 4):  # the worker's later rounds
        await bot.deliver(now + timedelta(hours=hours))
    assert sum("OUTAGE-REPLY-1" in text for text in bot.api.texts(MEI["id"])) == 1
