"""An HTTP stand-in for the Telegram Bot API, for whole-process tests and trying the bot offline.

    python -m bot.messaging.standin --port 8081
    TELEGRAM_API_URL=http://127.0.0.1:8081/bot BOT_TOKEN=1:x qiaobot run

Bot API calls (``/bot<token>/<method>``) are answered by :class:`FakeBotApi`. A tester drives it
through control endpoints:

- ``POST /_control/message`` ``{"user": {...}, "text": "..."}`` → queue a user's message
- ``POST /_control/update`` (a raw update) → queue it
- ``POST /_control/fail`` ``{"method": "sendMessage", "status": 502, "times": 3}`` → fail calls
- ``GET /_control/calls`` → every call the bot made, with its parameters
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from bot.messaging.localapi import FakeBotApi, UpdateFactory

MAX_POLL_WAIT = 2.0
_TEXT_FIELDS = {"text", "caption", "description", "callback_query_id", "secret_token"}


class StandIn:
    """The fake, an update factory and a condition that wakes long-polling ``getUpdates``."""

    def __init__(self) -> None:
        self.api = FakeBotApi()
        self.factory = UpdateFactory()
        self.changed = threading.Condition()

    def push(self, update: dict[str, Any]) -> None:
        self.api.push_update(update)
        with self.changed:
            self.changed.notify_all()

    def get_updates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), MAX_POLL_WAIT)
        while True:
            status, body = self.api.handle("getUpdates", params)
            if status != 200 or body["result"] or time.monotonic() >= deadline:
                return status, body
            with self.changed:
                self.changed.wait(timeout=max(0.0, deadline - time.monotonic()))


def _parse_body(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    ctype = handler.headers.get("Content-Type", "")
    if "application/json" in ctype:
        data = json.loads(raw or b"{}")
        return data if isinstance(data, dict) else {}
    params: dict[str, Any] = {}
    for key, value in parse_qsl(raw.decode(), keep_blank_values=True):
        if key in _TEXT_FIELDS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def make_handler(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/_control/calls":
                self._reply(200, [{"method": c.method, "params": c.params} for c in list(standin.api.calls)])
            else:
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})

        def do_POST(self) -> None:
            params = _parse_body(self)
            if self.path.startswith("/_control/"):
                self._control(self.path.removeprefix("/_control/"), params)
                return
            method = self.path.rstrip("/").rsplit("/", 1)[-1]
            if method == "getUpdates":
                status, body = standin.get_updates(params)
            else:
                status, body = standin.api.handle(method, params)
            self._reply(status, body)

        def _control(self, action: str, params: dict[str, Any]) -> None:
            if action == "message":
                update = standin.factory.message(params["user"], str(params["text"]))
                standin.push(update)
                self._reply(200, update)
            elif action == "update":
                standin.push(params)
                self._reply(200, params)
            elif action == "fail":
                standin.api.fail(
                    params["method"],
                    int(params["status"]),
                    times=int(params.get("times", 1)),
                    retry_after=params.get("retry_after"),
                )
                self._reply(200, {"ok": True})
            else:
                self._reply(404, {"ok": False, "description": f"unknown control action {action!r}"})

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A bot killed in the middle of a long poll leaves a broken pipe: that is expected here."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingHTTPServer, StandIn]:
    """Start the stand-in in a background thread; returns the server (``server_address``) and state."""
    standin = StandIn()
    server = _Server((host, port), make_handler(standin))
    threading.Thread(target=server.serve_forever, name="bot-api-standin", daemon=True).start()
    return server, standin


def main() -> None:
    parser = argparse.ArgumentParser(description="A local stand-in for the Telegram Bot API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    server, _ = serve(args.host, args.port)
    host, port = server.server_address[:2]
    print(f"Bot API stand-in on http://{host!s}:{port}/bot  (TELEGRAM_API_URL); Ctrl-C stops it", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
