"""``qiaobot chat``: talk to the real bot in a terminal, through the in-process Bot API.

Everything a Telegram user would get is printed as plain text; buttons become numbered
choices, and typing the number presses the button.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.core.language import UiLang, content_lang
from bot.telegram.localapi import LOCAL_TOKEN, Call, LocalBotApi, UpdateFactory
from bot.telegram.render import html_to_text

LOCAL_USER_ID = 1
RULE = "─" * 40


@dataclass
class TerminalChat:
    """One local user talking to the bot; ``send`` returns what the bot showed, as text."""

    settings: Settings
    lang: UiLang | None = None
    api: LocalBotApi = field(default_factory=LocalBotApi)
    updates: UpdateFactory = field(default_factory=UpdateFactory)
    buttons: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    _shown: list[str] = field(default_factory=list)
    _touched: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.api.on_call = self._record
        tg_lang = {"zh-Hans": "zh-hans", "zh-Hant": "zh-hant", "en": "en"}[self.lang] if self.lang else "zh-hans"
        self.user = {"id": LOCAL_USER_ID, "is_bot": False, "first_name": "You", "language_code": tg_lang}
        self.app = build_application(self.settings, token=LOCAL_TOKEN, request=self.api)

    async def __aenter__(self) -> TerminalChat:
        await self.app.initialize()
        if self.lang:
            from bot.storage import repo

            repo.set_language(self.app.bot_data["services"].engine, user_id=LOCAL_USER_ID, language=self.lang)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.shutdown()

    def _record(self, call: Call) -> None:
        if call.method in ("sendMessage", "editMessageText"):
            self._shown.append(html_to_text(str(call.params.get("text", ""))))
        elif call.method == "answerCallbackQuery" and call.params.get("text"):
            self._shown.append(f"({call.params['text']})")
        if isinstance(call.result, dict) and call.result not in self._touched:
            self._touched.append(call.result)

    async def send(self, line: str) -> list[str]:
        """Feed one line typed by the user; a number presses the matching button."""
        line = line.strip()
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            _, data, message = self.buttons[int(line) - 1]
            payload = self.updates.callback(self.user, data, message)
        else:
            payload = self.updates.message(self.user, line)
        self._shown, self._touched = [], []
        await self.app.process_update(Update.de_json(payload, self.app.bot))
        self._collect_buttons()
        return list(self._shown)

    def _collect_buttons(self) -> None:
        touched = [m for m in self._touched if m.get("reply_markup")]
        if not touched and not self._touched:
            return
        self.buttons = []
        for message in touched:
            for row in message["reply_markup"].get("inline_keyboard", []):
                for button in row:
                    if "callback_data" in button:
                        self.buttons.append((button["text"], button["callback_data"], message))

    def menu(self) -> str:
        return "\n".join(f"  [{i}] {text}" for i, (text, _, _) in enumerate(self.buttons, 1))


async def run_chat(settings: Settings, lang: UiLang | None, read: Callable[[str], str] = input) -> int:
    """The interactive loop; returns the exit code."""
    async with TerminalChat(settings, lang) as chat:
        intro = (
            "本地对话：输入问题，或输入 /start、/faq、/help；按钮显示为编号，输入编号即可选择。Ctrl-D 退出。"
            if content_lang(lang or "zh-Hans") == "zh"
            else "Local chat: type a question or /start, /faq, /help. Buttons are numbered: type the number. "
            "Ctrl-D quits."
        )
        print(intro)
        while True:
            try:
                line = await asyncio.to_thread(read, "\n> ")
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            if not line.strip():
                continue
            if line.strip() in ("/quit", "/exit"):
                return 0
            for text in await chat.send(line):
                print(RULE)
                print(text)
            if chat.buttons:
                print(chat.menu())
