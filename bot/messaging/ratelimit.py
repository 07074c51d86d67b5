"""The few Bot API calls handlers make directly (everything they say goes through the outbox):
membership checks, the command menu — paced, with a 429's ``retry_after`` waited out and a 5xx or
a network error retried a few times. Courtesy calls (answering a button press, "typing…") are
made once and never wait: whatever Telegram answers to them, the action goes on.
Requests Telegram refused (400 Bad Request, 403 Forbidden) are never retried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

from bot.messaging.metrics import Metrics

log = logging.getLogger(__name__)
JSONDict = dict[str, Any]
COURTESY = frozenset({"answerCallbackQuery", "sendChatAction"})


class RetryingRateLimiter(AIORateLimiter):
    def __init__(self, *, max_retries: int = 3, network_retries: int = 3, backoff: float = 1.0) -> None:
        super().__init__(max_retries=max_retries)
        self.network_retries = network_retries
        self.backoff = backoff
        self.metrics: Metrics | None = None  # set by the app: /readyz sees handlers' Bot API calls too

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if endpoint in COURTESY:  # a courtesy never waits or retries: the action goes on without it
            return await callback(*args, **kwargs)
        attempt = 0
        while True:
            try:
                result = await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
                if self.metrics is not None:
                    self.metrics.last_api_success = time.time()
                return result
            except BadRequest:
                raise
            except NetworkError as exc:
                if self.metrics is not None:
                    self.metrics.last_api_failure = time.time()
                if endpoint == "getUpdates" or attempt >= self.network_retries:
                    raise
                delay = self.backoff * 2**attempt
                attempt += 1
                log.warning("Bot API %s failed (%s); retry %d in %.1fs", endpoint, exc.message, attempt, delay)
                await asyncio.sleep(delay)
