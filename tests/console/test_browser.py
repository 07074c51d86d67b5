"""The console in real Chromium (Debian's ``chromium``, driven by Playwright): a Chaling agent and
a Zhuzhou lead work reports filed through the real bot; the user receives the reply through the
outbox and the fake Bot API. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from bot.config import Settings
from bot.console import service as accounts
from bot.console.app import build_console
from bot.console.files import TelegramFiles
from bot.console.repo import account_by_email
from bot.db.uow import session_scope
from bot.messaging.localapi import LOCAL_TOKEN
from tests.conftest import BotHarness, make_user
from tests.console.conftest import CLI, PASSWORD, api_transport
from tests.reports.test_flows import MEI, file_report

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LIN = make_user(5005, first_name="Lin", language_code="zh-hans")
TIMEOUT = 60_000  # ms: a busy 2-core machine

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install -y chromium; .ci/run does it)"
)


class Served:
    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Served:
        self.thread.start()
        ready = threading.Event()
        while not ready.wait(0.05):  # until uvicorn says it listens (or gave up)
            if self.server.started or not self.thread.is_alive():
                ready.set()
        assert self.server.started, "the console did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


@pytest.fixture
def served(bot: BotHarness, tmp_path: Path) -> Iterator[Served]:
    live = bot.runtime.faq
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        faq_dir=live.directory,
        bot_token=LOCAL_TOKEN,
        web_files_dir=tmp_path / "files",
        telegram_api_url="http://telegram.test/bot",
    )
    files = TelegramFiles(settings, transport=api_transport(bot.api))
    with session_scope(bot.engine) as s:
        for email, queue, role in (
            ("chaling@example.org", "chaling", "agent"),
            ("zhuzhou@example.org", "zhuzhou", "lead"),
        ):
            accounts.add_account(
                s,
                CLI,
                live.current.federation,
                email=email,
                queue_id=queue,
                role=role,
                password=PASSWORD,
                now=bot.runtime.env().now,
            )
    with Served(build_console(settings, bot.engine, live, files=files)) as server:
        yield server


def _no_forced_change(bot: BotHarness, email: str) -> None:
    with session_scope(bot.engine) as s:
        row = account_by_email(s, email=email)
        assert row is not None
        row.must_change_password = False
        s.add(row)


async def test_staff_work_reports_in_chromium(bot: BotHarness, served: Served) -> None:
    from playwright.async_api import async_playwright, expect

    chaling = await file_report(bot, MEI, "茶陵縣")
    liling = await file_report(bot, LIN, "醴陵")
    assert (chaling.queue_id, liling.queue_id) == ("chaling", "liling")
    await bot.deliver()
    _no_forced_change(bot, "zhuzhou@example.org")
    ARTIFACTS.mkdir(exist_ok=True)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
        page.set_default_timeout(TIMEOUT)
        expect.set_options(timeout=TIMEOUT)

        # The Chaling agent signs in with the one-time password and must choose her own first.
        await page.goto(served.url + "/queue")
        await page.fill("input[name=email]", "chaling@example.org")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await expect(page.locator("h1")).to_have_text("修改密码")
        await page.fill("input[name=old]", PASSWORD)
        await page.fill("input[name=new]", "my own long password")
        await page.click("main button[type=submit]")

        # Her queue: exactly her county's report.
        await expect(page.locator(f"#ticket-{chaling.id}")).to_be_visible()
        await expect(page.locator(f"#ticket-{liling.id}")).to_have_count(0)
        for label in ("认领", "回复", "转交", "办结", "备注"):
            await expect(page.locator(f"#ticket-{chaling.id}").get_by_text(label, exact=True)).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / "console-queue.png"), full_page=True)
        await page.set_viewport_size({"width": 390, "height": 844})  # a phone: rows become cards
        await expect(page.locator(f"#ticket-{chaling.id}").get_by_role("button", name="认领")).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / "console-queue-phone.png"), full_page=True)
        await page.set_viewport_size({"width": 1280, "height": 900})

        # Guessing Liling's report: 404, nothing about it.
        answer = await page.goto(f"{served.url}/reports/{liling.id}")
        assert answer is not None and answer.status == 404
        assert "醴陵" not in await page.content()

        # Claim, then reply: the user receives the reply through the bot.
        await page.goto(served.url + "/queue")
        await page.locator(f"#ticket-{chaling.id}").get_by_role("button", name="认领").click()
        await expect(page.locator("#status")).to_have_text("处理中")
        await page.fill("#reply-text", "请带上旧护照到茶陵县侨联办理，编号 REF-4711。")
        await page.locator("#reply").get_by_role("button", name="回复").click()
        await expect(page.locator(".msg-out .text")).to_have_text("请带上旧护照到茶陵县侨联办理，编号 REF-4711。")
        await page.screenshot(path=str(ARTIFACTS / "console-report.png"), full_page=True)
        await bot.deliver()
        # (she reads Traditional Chinese: the bot converts the reply's script; the reference stays)
        assert any("REF-4711" in text for text in bot.api.texts(MEI["id"]))

        # English on request; the switch is remembered.
        await page.click("#lang-switch")
        await expect(page.locator("#reply button")).to_have_text("Reply")
        await expect(page.locator(".act-claim")).to_have_text("claimed")
        await page.goto(served.url + "/queue")
        await expect(page.locator(f"#ticket-{chaling.id}").get_by_text("Add note", exact=True)).to_be_visible()

        # Transfer to Liling: gone from her queue.
        await page.goto(f"{served.url}/reports/{chaling.id}")
        await page.select_option("#transfer-target", "liling")
        await page.locator("#transfer").get_by_role("button", name="Transfer").click()
        await expect(page.locator(f"#ticket-{chaling.id}")).to_have_count(0)
        await page.click("#logout")
        await expect(page.locator("input[name=email]")).to_be_visible()

        # The Zhuzhou lead sees both counties and resolves it.
        await page.fill("input[name=email]", "zhuzhou@example.org")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await expect(page.locator(f"#ticket-{chaling.id}")).to_be_visible()
        await expect(page.locator(f"#ticket-{liling.id}")).to_be_visible()
        await page.goto(f"{served.url}/reports/{chaling.id}")
        await page.fill("#resolve-text", "已办结")
        await page.locator("#resolve").get_by_role("button", name="Resolve").click()
        await expect(page.locator("#status")).to_have_text("resolved")
        await page.goto(served.url + "/queue")
        await expect(page.locator(f"#ticket-{liling.id}")).to_be_visible()
        await expect(page.locator(f"#ticket-{chaling.id}")).to_have_count(0)

        # Her scorecard: the Zhuzhou subtree, each county on its own row, the weekly chart drawn.
        await page.get_by_role("link", name="Scorecard").click()
        await expect(page.locator("h1")).to_have_text("Scorecard")
        await expect(page.locator("#sc-chart svg")).to_be_visible()
        await expect(page.locator("#sc-chart svg rect.bar-received")).to_have_count(12)
        await expect(page.locator("#sc-by-queue #q-chaling")).to_be_visible()
        await expect(page.locator("#sc-by-queue #q-liling")).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / "console-scorecard.png"), full_page=True)
        await page.select_option("#sc-queue", "liling")  # one county of the subtree
        await page.locator("#sc-form").get_by_role("button", name="Show").click()
        await expect(page.locator("#sc-scope")).to_contain_text("Liling")
        await expect(page.locator("#sc-by-queue")).to_have_count(0)
        await page.set_viewport_size({"width": 390, "height": 844})  # a phone: the tables scroll sideways
        await expect(page.locator("#sc-chart svg")).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / "console-scorecard-phone.png"), full_page=True)
        await page.set_viewport_size({"width": 1280, "height": 900})
        await page.click("#logout")
        await expect(page.locator("input[name=email]")).to_be_visible()
        await browser.close()

    await bot.deliver()
    told = bot.api.texts(MEI["id"])
    assert any(f"#{chaling.id}" in text for text in told[-2:]), told[-3:]  # resolved: asked for a rating
