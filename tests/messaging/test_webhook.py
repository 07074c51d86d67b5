"""The webhook endpoint, health checks and metrics, driven as ASGI (no sockets)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine

from bot.config import ConfigError, JsonFormatter, load_settings
from bot.content.live import LiveFaq
from bot.messaging import intake
from bot.messaging.webhook import WebApp
from bot.runtime import Runtime
from tests.conftest import q

SECRET = "the-secret"
USER = {"id": 2**40, "is_bot": False, "first_name": "A"}
UPDATE = {
    "update_id": 77,
    "message": {"message_id": 1, "date": 1, "chat": {"id": 2**40, "type": "private"}, "from": USER, "text": "hi"},
}


async def call(
    app: WebApp, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    sent: list[dict[str, Any]] = []
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture
def web(sqlite_engine: Engine, live_faq: LiveFaq) -> WebApp:
    services = Runtime(settings=load_settings(_env_file=None), engine=sqlite_engine, faq=live_faq)
    woken: list[bool] = []
    app = WebApp(services, webhook_path="/tg", secret=SECRET, on_update=lambda: woken.append(True))
    app.woken = woken  # type: ignore[attr-defined]
    return app


async def test_forged_posts_are_refused_and_store_nothing(web: WebApp) -> None:
    body = json.dumps(UPDATE).encode()
    assert (await call(web, "POST", "/tg", body))[0] == 401
    assert (await call(web, "POST", "/tg", body, {"X-Telegram-Bot-Api-Secret-Token": "guess"}))[0] == 403
    assert (await call(web, "POST", "/tg", body, {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]}))[0] == 403
    assert q(intake.backlog, web.services.engine) == 0
    assert web.services.metrics.webhook_rejected == {"no_secret": 1, "wrong_secret": 2}


async def test_a_genuine_update_is_stored_before_the_200(web: WebApp) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    status, _ = await call(web, "POST", "/tg", json.dumps(UPDATE).encode(), headers)
    assert status == 200
    [row] = [c.update for c in intake.claim(web.services.engine, worker="test")]
    assert (row.update_id, row.chat_id) == (77, 2**40)
    assert web.woken == [True]  # type: ignore[attr-defined]
    # Telegram retrying the same update: stored once.
    assert (await call(web, "POST", "/tg", json.dumps(UPDATE).encode(), headers))[0] == 200
    assert q(intake.backlog, web.services.engine) == 1


async def test_malformed_bodies_and_wrong_methods(web: WebApp) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert (await call(web, "POST", "/tg", b"not json", headers))[0] == 400
    assert (await call(web, "POST", "/tg", b'{"no": "update_id"}', headers))[0] == 400
    assert (await call(web, "POST", "/tg", b"x" * 1_000_001, headers))[0] == 413
    assert (await call(web, "GET", "/tg"))[0] == 405
    assert (await call(web, "GET", "/elsewhere"))[0] == 404


async def test_with_the_database_down_telegram_is_asked_to_retry(web: WebApp) -> None:
    web.services.engine = create_engine("sqlite:////nonexistent/dir/db.sqlite")
    status, _ = await call(web, "POST", "/tg", json.dumps(UPDATE).encode(), {"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert status == 503
    status, body = await call(web, "GET", "/readyz")
    assert status == 503 and b"unreachable" in body
    assert (await call(web, "GET", "/healthz"))[0] == 200  # alive, just not ready


async def test_ready_and_metrics(web: WebApp) -> None:
    web.services.metrics.last_api_success = 1e12  # the Bot API answered just now
    status, body = await call(web, "GET", "/readyz")
    assert status == 200 and json.loads(body)["database"] == "ok"
    web.services.metrics.last_api_success, web.services.metrics.last_api_failure = 1.0, 2.0
    assert (await call(web, "GET", "/readyz"))[0] == 503  # failing for a long time
    web.services.metrics.observe_delivery("sent", 0.4)
    status, body = await call(web, "GET", "/metrics")
    text = body.decode()
    assert status == 200
    for name in (
        "qiaobot_updates_processed_total",
        "qiaobot_handler_errors_total",
        "qiaobot_outbox_backlog",
        "qiaobot_intake_backlog",
        'qiaobot_outbox_deliveries_total{outcome="sent"} 1',
        'qiaobot_delivery_latency_seconds_bucket{le="0.5"} 1',
    ):
        assert name in text


async def test_without_a_webhook_path_only_health_is_served(web: WebApp) -> None:
    health_only = WebApp(web.services)
    assert (await call(health_only, "POST", "/tg", b"{}"))[0] == 404
    assert (await call(health_only, "GET", "/healthz"))[0] == 200


def test_webhook_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        load_settings(_env_file=None, webhook_url="https://bot.example.org/tg").require_webhook()
    with pytest.raises(ConfigError, match="WEBHOOK_URL"):
        load_settings(_env_file=None, webhook_secret="abc").require_webhook()
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        load_settings(_env_file=None, webhook_url="https://x.org/tg", webhook_secret="has space").require_webhook()
    with pytest.raises(ConfigError, match="WEBHOOK_LISTEN"):
        load_settings(_env_file=None, webhook_listen="8080")
    ok = load_settings(_env_file=None, webhook_url="https://x.org/tg", webhook_secret="a_b-C9")
    assert ok.require_webhook() == ("https://x.org/tg", "a_b-C9")


def test_json_logs_are_one_object_per_line() -> None:
    record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "ticket %s escalated", (5,), None)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line)["event"] == "ticket 5 escalated"


def test_example_values_and_empty_listen_are_handled() -> None:
    with pytest.raises(ConfigError, match="example value"):
        load_settings(_env_file=None, bot_token="123456789:replace-me").require_token()
    with pytest.raises(ConfigError, match="example value"):
        load_settings(
            _env_file=None, webhook_url="https://x.org/tg", webhook_secret="replace-with-xyz"
        ).require_webhook()
    with pytest.raises(ConfigError, match="WEBHOOK_URL"):
        load_settings(_env_file=None, webhook_url="https://", webhook_secret="abc").require_webhook()
    assert load_settings(_env_file=None, webhook_listen="").webhook_listen == "127.0.0.1:8080"


@pytest.mark.parametrize(
    "body",
    [
        b'{"update_id": true, "message": {}}',  # a bool is not an id
        b'{"update_id": 1180591620717411303424}',  # 2**70: beyond 64 bits
        b'{"update_id": -5}',
        b'{"update_id": "12"}',
        b'{"update_id": 1.5}',
        b"[1, 2, 3]",
        b'{"update_id": 1, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",  # absurdly deep
        b'{"update_id": 1, "x": "' + b"\\" * 10 + b'"',  # cut short
    ],
)
async def test_malformed_updates_get_a_4xx_never_a_5xx(web: WebApp, body: bytes) -> None:
    status, _ = await call(web, "POST", "/tg", body, {"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert 400 <= status < 500
    assert q(intake.backlog, web.services.engine) == 0


async def test_the_same_update_posted_three_times_is_stored_once(web: WebApp) -> None:
    body = json.dumps(UPDATE).encode()
    for _ in range(3):
        assert (await call(web, "POST", "/tg", body, {"X-Telegram-Bot-Api-Secret-Token": SECRET}))[0] == 200
    assert q(intake.backlog, web.services.engine) == 1
