"""The HTTP face of the bot: Telegram's webhook, health checks and metrics, as one small ASGI app.

Not python-telegram-bot's built-in webhook server: that one confirms an update to Telegram before
it is stored. Here a POST is answered 200 only after the raw update is in the ``intake`` table;
the same processing loop as polling then runs it. Without the right secret nothing is stored
(401/403); with the database down the answer is 503, so Telegram retries later.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from bot.db.models import Ticket
from bot.db.uow import session_scope
from bot.messaging import intake, outbox
from bot.runtime import Runtime

log = logging.getLogger(__name__)
SECRET_HEADER = b"x-telegram-bot-api-secret-token"
MAX_BODY = 1_000_000
BODY_TIMEOUT = 10.0  # seconds for a whole request body (Telegram sends small ones at once)
API_FRESH_SECONDS = 300
MAX_INTAKE_BACKLOG = 1000
MAX_OUTBOX_BACKLOG = 5000

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass
class WebApp:
    """ASGI application. ``webhook_path`` None serves only /healthz, /readyz and /metrics."""

    services: Runtime
    webhook_path: str | None = None
    secret: str = ""
    on_update: Callable[[], None] = lambda: None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if self.webhook_path is not None and path == self.webhook_path:
            if method != "POST":
                await _respond(send, 405, b"method not allowed\n")
                return
            await self._webhook(scope, receive, send)
        elif path == "/healthz" and method in ("GET", "HEAD"):
            await _respond(send, 200, b"ok\n")
        elif path == "/readyz" and method == "GET":
            ready, report = await asyncio.to_thread(self.readiness)
            await _respond(send, 200 if ready else 503, json.dumps(report).encode(), "application/json")
        elif path == "/metrics" and method == "GET":
            body = await asyncio.to_thread(self.metrics_text)
            await _respond(send, 200, body.encode(), "text/plain; version=0.0.4")
        else:
            await _respond(send, 404, b"not found\n")

    async def _webhook(self, scope: Scope, receive: Receive, send: Send) -> None:
        metrics = self.services.metrics
        given = dict(scope.get("headers") or []).get(SECRET_HEADER)
        if given is None:
            metrics.webhook_rejected["no_secret"] += 1
            await _respond(send, 401, b"secret token required\n")
            return
        if not hmac.compare_digest(given, self.secret.encode()):
            metrics.webhook_rejected["wrong_secret"] += 1
            await _respond(send, 403, b"wrong secret token\n")
            return
        try:
            body = await _read_body(receive)
        except TimeoutError:
            metrics.webhook_rejected["slow_body"] += 1
            await _respond(send, 408, b"request body too slow\n")
            return
        if body is None:
            metrics.webhook_rejected["too_large"] += 1
            await _respond(send, 413, b"body too large\n")
            return
        update = await asyncio.to_thread(intake.parse_update, body)
        if update is None:
            metrics.webhook_rejected["malformed"] += 1
            await _respond(send, 400, b"not a Telegram update\n")
            return
        try:
            # Idempotent on update_id: the same update posted again is stored (and answered) once.
            await asyncio.to_thread(
                intake.store, self.services.engine, update_id=update["update_id"], payload=json.dumps(update)
            )
        except SQLAlchemyError as exc:  # Telegram will send it again: one log line per outage, not per request
            metrics.failed("database", exc)
            await _respond(send, 503, b"storage unavailable, retry later\n")
            return
        metrics.ok("database")
        self.on_update()
        await _respond(send, 200, b"ok\n")

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        report: dict[str, Any] = {}
        try:
            with self.services.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            report["database"] = "ok"
            with session_scope(self.services.engine) as s:
                report["intake_backlog"] = intake.backlog(s)
                report["outbox_backlog"] = outbox.backlog(s)
        except SQLAlchemyError as exc:
            report["database"] = f"unreachable: {type(exc).__name__}"
            return False, report
        metrics = self.services.metrics
        # The Bot API counts as reachable unless the latest call failed and none worked for a while.
        failing = metrics.last_api_failure > metrics.last_api_success
        stale = time.time() - metrics.last_api_success > API_FRESH_SECONDS
        report["bot_api"] = "failing" if failing and stale else "ok"
        ready = (
            report["bot_api"] == "ok"
            and report["intake_backlog"] <= MAX_INTAKE_BACKLOG
            and report["outbox_backlog"] <= MAX_OUTBOX_BACKLOG
        )
        return ready, report

    def metrics_text(self) -> str:
        engine = self.services.engine
        try:
            with session_scope(engine) as s:
                rows = s.exec(select(Ticket.status, func.count()).group_by(Ticket.status)).all()
                backlog, pending = outbox.backlog(s), intake.backlog(s)
            by_status = {str(status): int(n) for status, n in rows}
        except SQLAlchemyError:
            by_status, backlog, pending = {}, -1, -1
        return self.services.metrics.render(tickets_by_status=by_status, outbox_backlog=backlog, intake_backlog=pending)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None if it is over ``MAX_BODY``; TimeoutError if it does not arrive in time."""
    chunks: list[bytes] = []
    size = 0
    deadline = asyncio.get_running_loop().time() + BODY_TIMEOUT
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        message = await asyncio.wait_for(receive(), timeout=max(remaining, 0.001))
        if message.get("type") == "http.disconnect":
            raise TimeoutError("the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _respond(send: Send, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
