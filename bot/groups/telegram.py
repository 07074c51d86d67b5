"""Group membership asked of Telegram (``getChatMember``) at the moment of each action."""

from __future__ import annotations

import asyncio
import logging
import threading

from telegram import Bot, ChatMember
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.messaging.pipeline import TransientError

log = logging.getLogger(__name__)
_MEMBER = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}
TIMEOUT = 60.0


class TelegramMembership:
    """The :class:`~bot.groups.access.Membership` port over the Bot API.

    Services run in worker threads; this hands the call to the event loop and waits for it. No
    caching: staff come and go. A Telegram outage raises :class:`TransientError`, so the action
    waits and is retried rather than refused.
    """

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.loop: asyncio.AbstractEventLoop | None = None

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def is_member(self, chat_id: int, user_id: int) -> bool:
        loop = self.loop
        if loop is None or (threading.current_thread() is threading.main_thread() and loop.is_running()):
            raise RuntimeError("is_member must be called from a worker thread while the bot runs")
        future = asyncio.run_coroutine_threadsafe(self._ask(chat_id, user_id), loop)
        return future.result(timeout=TIMEOUT)

    async def _ask(self, chat_id: int, user_id: int) -> bool:
        try:
            member = await self.bot.get_chat_member(chat_id, user_id)
        except (BadRequest, Forbidden) as exc:  # not a member, the chat is gone, the bot was removed
            log.info("membership of %s in %s: %s", user_id, chat_id, exc.message)
            return False
        except TelegramError as exc:
            raise TransientError(f"getChatMember failed: {exc}") from exc
        return member.status in _MEMBER or (
            member.status == ChatMember.RESTRICTED and bool(getattr(member, "is_member", False))
        )
