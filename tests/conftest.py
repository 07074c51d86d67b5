"""Shared fixtures: the real faq/, databases (SQLite always, PostgreSQL when configured), the bot."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from telegram.ext import Application

from bot.app import build_application
from bot.config import Settings
from bot.content.live import LiveFaq
from bot.db.engine import create_db_engine, upgrade
from bot.db.uow import session_scope
from bot.messaging import local
from bot.messaging.budget import Limits
from bot.messaging.context import DELIVERER_KEY, RUNTIME_KEY
from bot.messaging.localapi import LOCAL_TOKEN, LocalBotApi, UpdateFactory
from bot.messaging.ratelimit import RetryingRateLimiter
from bot.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
FAQ_DIR = ROOT / "faq"
PG_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def live_faq() -> LiveFaq:
    """The shipped FAQ, loaded once (tests that reload use their own copy)."""
    return LiveFaq(FAQ_DIR)


def _sqlite_engine(tmp_path: Path) -> Engine:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'test.db'}")
    upgrade(engine)
    return engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = _sqlite_engine(tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """A PostgreSQL engine on a schema of its own, migrated to head, dropped afterwards."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_db_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_db_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each storage test runs on SQLite and on PostgreSQL (skipped without TEST_DATABASE_URL)."""
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


def make_user(user_id: int = 4242, *, first_name: str = "Mei", language_code: str | None = "zh-hans") -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


class BotHarness:
    """The real Application behind a recording fake Bot API; feeds updates like Telegram would."""

    def __init__(self, app: Application, api: LocalBotApi, engine: Engine) -> None:  # type: ignore[type-arg]
        self.app = app
        self.api = api
        self.engine = engine
        self.updates = UpdateFactory()
        self.autodeliver = True  # deliver what an update queued right after it (as the bot's wake-up does)

    @property
    def runtime(self) -> Runtime:
        return self.app.bot_data[RUNTIME_KEY]  # type: ignore[no-any-return]

    async def feed(self, payload: dict[str, Any]) -> None:
        """One update as ``qiaobot run`` takes it: stored, processed in its unit of work, delivered."""
        await local.feed(self.app, payload, deliver_now=self.autodeliver)

    async def deliver(self, now: datetime | None = None) -> int:
        """Run the outbox worker once (as its scheduled job would)."""
        return await local.deliver(self.app, now)

    async def send(self, user: dict[str, Any], text: str) -> list[dict[str, Any]]:
        """User sends text; returns the sendMessage calls the bot made in response."""
        before = len(self.api.calls)
        await self.feed(self.updates.message(user, text))
        return [c.params for c in self.api.calls[before:] if c.method == "sendMessage"]

    async def press(self, user: dict[str, Any], data: str, message: dict[str, Any] | None = None) -> list[Any]:
        """User presses a button with ``data`` on ``message`` (default: the last message to them)."""
        message = message or self.api.messages(user["id"])[-1]
        before = len(self.api.calls)
        await self.feed(self.updates.callback(user, data, message))
        return self.api.calls[before:]

    def last_buttons(self, chat_id: int) -> list[tuple[str, str]]:
        for message in reversed(self.api.messages(chat_id)):
            markup = message.get("reply_markup")
            if markup:
                return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]
        return []


def build_harness(
    engine: Engine, live: LiveFaq, api: LocalBotApi | None = None, **settings: Any
) -> tuple[Application, LocalBotApi]:  # type: ignore[type-arg]
    """The real Application on ``engine``, talking to ``api`` (a new fake Telegram unless given)."""
    api = api or LocalBotApi()
    app = build_application(
        Settings(_env_file=None, faq_dir=live.directory, **settings),  # type: ignore[call-arg]
        token=LOCAL_TOKEN,
        request=api,
        engine=engine,
        live_faq=live,
        rate_limiter=RetryingRateLimiter(max_retries=2, network_retries=3, backoff=0.01),
    )
    app.bot_data[DELIVERER_KEY].limits = Limits.unpaced()
    return app, api


@pytest.fixture
async def bot(sqlite_engine: Engine, live_faq: LiveFaq) -> AsyncIterator[BotHarness]:
    app, api = build_harness(sqlite_engine, live_faq, admin_ids="777")
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]
    yield BotHarness(app, api, sqlite_engine)
    await app.shutdown()
    # Nothing the bot sent was something Telegram would refuse (bad HTML, too long, bad buttons).
    assert [(c.method, c.result) for c in api.refusals] == []


def q(fn: Any, engine: Engine, /, *args: Any, **kwargs: Any) -> Any:
    """Call a repository function in a transaction of its own (what a test reads or arranges)."""
    with session_scope(engine) as s:
        return fn(s, *args, **kwargs)
