"""The HTTP server does not wait forever on slow clients: half-sent headers or a body that never
completes end the connection (a deadline of the server's own, not nginx's)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine

from bot.config import load_settings
from bot.content.live import LiveFaq
from bot.messaging import http, webhook
from bot.messaging.webhook import WebApp
from bot.runtime import Runtime

SECRET = "the-secret"


@pytest.fixture
async def port(sqlite_engine: Engine, live_faq: LiveFaq, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[int]:
    monkeypatch.setattr(http, "HEADER_TIMEOUT", 1.0)
    monkeypatch.setattr(webhook, "BODY_TIMEOUT", 1.0)
    runtime = Runtime(settings=load_settings(_env_file=None), engine=sqlite_engine, faq=live_faq)
    app = WebApp(runtime, webhook_path="/tg", secret=SECRET)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    server = http.server(app, f"127.0.0.1:{free}")
    task = asyncio.create_task(http.serve(server))
    for _ in range(600):
        if server.started:
            break
        await asyncio.sleep(0.05)
    yield free
    server.should_exit = True
    await task


async def read_all(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection (a generous limit, not a threshold)."""
    return await asyncio.wait_for(reader.read(), timeout=60)


async def test_half_sent_headers_are_cut_off(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /tg HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    await writer.drain()
    assert await read_all(reader) == b""  # the server closed it
    writer.close()


async def test_a_body_that_never_completes_gets_408(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    headers = (
        f"POST /tg HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: 500\r\n\r\n"
    )
    writer.write(headers.encode() + b'{"update_id": 1')
    await writer.drain()
    answer = await read_all(reader)
    assert answer.startswith(b"HTTP/1.1 408")
    writer.close()


async def test_a_prompt_client_is_served(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    await writer.drain()
    assert (await read_all(reader)).startswith(b"HTTP/1.1 200")
    writer.close()
