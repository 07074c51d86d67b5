"""The HTTP server under the webhook and the health endpoints: uvicorn, with timeouts that do not
rely on a reverse proxy — a client must send its request headers within ``HEADER_TIMEOUT`` seconds
(``WebApp`` then gives it ``BODY_TIMEOUT`` for the body), or the connection is closed."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0


class StartupError(Exception):
    """The bot cannot start as configured; the message says why (printed without a traceback)."""


class TimedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing connections whose request headers never complete."""

    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and self.scope is not None and self._header_timer is not None:
            self._header_timer.cancel()  # a whole request line and its headers arrived
            self._header_timer = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.cycle = None  # type: ignore[assignment]
        self._arm()  # the next request on this connection gets its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(HEADER_TIMEOUT, self._too_slow)

    def _too_slow(self) -> None:
        self._header_timer = None
        if self.cycle is None and not self.transport.is_closing():
            self.transport.close()


def server(app: Any, listen: str) -> uvicorn.Server:
    host, _, port = listen.rpartition(":")
    config = uvicorn.Config(
        app,
        host=host.strip("[]"),
        port=int(port),
        log_config=None,
        lifespan="off",
        access_log=False,
        server_header=False,
        http=TimedH11Protocol,
        timeout_keep_alive=5,
    )
    return uvicorn.Server(config)


async def serve(instance: uvicorn.Server) -> None:
    """uvicorn without its own signal handling: we stop it ourselves, after the bot's loops."""
    config = instance.config
    if not config.loaded:
        config.load()
    instance.lifespan = config.lifespan_class(config)
    try:
        await instance.startup()
    except SystemExit:  # uvicorn exits when it cannot bind
        instance.should_exit = True
    if instance.should_exit:
        raise StartupError(f"cannot listen on {config.host}:{config.port} (is the port in use?)")
    await instance.main_loop()
    await instance.shutdown()
