"""The console on a real database with the shipped faq/: accounts, reports, a signed-in client."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from bot.config import Settings
from bot.console import service as accounts
from bot.console.app import build_console
from bot.console.files import TelegramFiles
from bot.content.live import LiveFaq
from bot.db.models import JoinRequest, StaffAccount, Ticket
from bot.db.uow import session_scope
from bot.groups.access import Actor
from bot.messaging.localapi import LOCAL_TOKEN, FakeBotApi
from bot.reports import repo as tickets
from bot.reports.rules import Status

CLI = Actor("cli", None, "cli", is_admin=True)
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 12, 3, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def api_transport(api: FakeBotApi) -> httpx.MockTransport:
    """The fake Bot API behind HTTP, as the console reaches Telegram: getFile, then the file URL."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/file/bot"):
            content = api.download(path.split("/", 3)[3])
            return httpx.Response(200, content=content) if content is not None else httpx.Response(404)
        method = path.rsplit("/", 1)[-1]
        params = dict(httpx.QueryParams(request.content.decode()))
        status, body = api.handle(method, params)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handle)


@dataclass
class World:
    engine: Engine
    live: LiveFaq
    clock: Clock
    settings: Settings
    api: FakeBotApi

    def app(self) -> Any:
        files = TelegramFiles(self.settings, transport=api_transport(self.api))
        return build_console(self.settings, self.engine, self.live, clock=self.clock, files=files)

    def client(self) -> TestClient:
        return TestClient(self.app(), base_url="http://testserver", follow_redirects=False)

    def account(self, email: str, queue: str, role: str = "agent", *, totp: str | None = None) -> StaffAccount:
        with session_scope(self.engine) as s:
            row = accounts.add_account(
                s,
                CLI,
                self.live.current.federation,
                email=email,
                queue_id=queue,
                role=role,
                password=PASSWORD,
                now=self.clock(),
            )
            row.must_change_password = False
            row.totp_secret = totp
            s.add(row)
        return row

    def ticket(
        self,
        queue: str,
        text: str = "护照过期了，怎么办？",
        *,
        status: Status = Status.NEW,
        files: list[dict[str, str]] | None = None,
        **extra: Any,
    ) -> int:
        now = self.clock()
        with session_scope(self.engine) as s:
            sla = self.live.current.federation.by_id[queue].sla_hours
            row = tickets.create(
                s,
                Ticket(
                    nonce=uuid.uuid4().hex,
                    user_id=extra.pop("user_id", 4242),
                    chat_id=extra.pop("chat_id", 4242),
                    queue_id=queue,
                    place=extra.pop("place", "茶陵县"),
                    category=extra.pop("category", "documents"),
                    description=text,
                    language=extra.pop("language", "zh-Hans"),
                    status=status,
                    escalate_at=extra.pop("escalate_at", now + timedelta(hours=sla)),
                    created_at=now,
                    updated_at=now,
                    **extra,
                ),
            )
            assert row.id is not None
            tickets.add_message(
                s,
                ticket_id=row.id,
                direction="in",
                author_id=4242,
                author_name="Mei",
                text=text,
                attachments=files,
                now=now,
            )
            return row.id

    def join_request(self, association: str = "") -> int:
        association = association or next(iter(self.live.current.directory.by_id))
        with session_scope(self.engine) as s:
            row = JoinRequest(
                nonce=uuid.uuid4().hex,
                association_id=association,
                user_id=5151,
                chat_id=5151,
                language="zh-Hans",
                name="林先生",
                contact="lin@example.org",
                about="在吉隆坡经商",
                created_at=self.clock(),
            )
            s.add(row)
            s.flush()
            assert row.id is not None
            return row.id


@pytest.fixture
def world(engine: Engine, live_faq: LiveFaq, tmp_path: Path) -> Iterator[World]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        faq_dir=live_faq.directory,
        bot_token=LOCAL_TOKEN,
        web_files_dir=tmp_path / "files",
        telegram_api_url="http://telegram.test/bot",
    )
    yield World(engine, live_faq, Clock(), settings, FakeBotApi())


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def sign_in(
    client: TestClient, email: str, password: str = PASSWORD, *, totp: str | None = None, now: datetime | None = None
) -> httpx.Response:
    page = client.get("/login")
    answer = client.post("/login", data={"email": email, "password": password, "csrf": csrf_of(page.text)})
    if totp and answer.status_code == 303 and answer.headers["location"] == "/login/totp":
        form = client.get("/login/totp")
        code = pyotp.TOTP(totp).at(now or datetime.now(UTC))
        answer = client.post("/login/totp", data={"code": code, "csrf": csrf_of(form.text)})
    return answer


def token(client: TestClient, path: str = "/queue") -> str:
    return csrf_of(client.get(path).text)
