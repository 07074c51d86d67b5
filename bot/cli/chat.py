"""``qiaobot chat``: talk to the real bot in a terminal, through the in-process Bot API.

Everything a Telegram user would get is printed as plain text; buttons become numbered
choices, and typing the number presses the button. Messages the bot queues in its outbox
(a report's reference number, staff replies) are delivered right away; those queued by another
process (a reply from the web console) show before the next prompt — press Enter to check.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.cli.common import FAQ_DIR_HELP
from bot.config import Settings
from bot.db.uow import session_scope
from bot.faq.matcher import FaqIndex
from bot.faq.smalltalk import classify
from bot.messaging import local
from bot.messaging.context import DELIVERER_KEY, RUNTIME_KEY
from bot.messaging.delivery import Pacer
from bot.messaging.localapi import LOCAL_TOKEN, Call, LocalBotApi, UpdateFactory
from bot.messaging.render import html_to_text
from bot.text.i18n import localize
from bot.text.language import UI_LANGS, UiLang, as_ui_lang, content_lang
from bot.users import repo as users

LOCAL_USER_ID = 1
RULE = "─" * 40
INTRO = {
    "zh": "本地对话：输入问题，或输入 /start、/faq、/report、/help；按钮显示为编号，输入编号即可选择。Ctrl-D 退出。",
    "en": "Local chat: type a question or /start, /faq, /report, /help. Buttons are numbered: type the number. "
    "Ctrl-D quits.",
}


@dataclass
class Shown:
    """One thing the bot showed: its text and the buttons under it (numbered across a turn)."""

    text: str
    buttons: list[tuple[int, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)

    def render(self) -> str:
        lines = [self.text, *(f"  [{n}] {label}" for n, label in self.buttons)]
        lines += [f"  ↗ {label}: {url}" for label, url in self.links]
        return "\n".join(lines)


@dataclass
class TerminalChat:
    """One local user talking to the bot; ``send`` returns what the bot showed."""

    settings: Settings
    lang: UiLang | None = None
    api: LocalBotApi = field(default_factory=LocalBotApi)
    updates: UpdateFactory = field(default_factory=UpdateFactory)
    buttons: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    _turn: list[tuple[str, dict[str, Any] | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.api.on_call = self._record
        tg_lang = {"zh-Hans": "zh-hans", "zh-Hant": "zh-hant", "en": "en"}[self.lang] if self.lang else "zh-hans"
        name = "friend" if self.lang == "en" else localize("朋友", self.lang or "zh-Hans")
        self.user = {"id": LOCAL_USER_ID, "is_bot": False, "first_name": name, "language_code": tg_lang}
        self.app = build_application(self.settings, token=LOCAL_TOKEN, request=self.api)
        # Nothing to pace here: the stand-in is not Telegram, and every reply should show at once.
        self.app.bot_data[DELIVERER_KEY].pacer = Pacer(per_chat_interval=0)

    async def __aenter__(self) -> TerminalChat:
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        if self.lang:
            with session_scope(self.app.bot_data[RUNTIME_KEY].engine) as s:
                users.set_language(s, user_id=LOCAL_USER_ID, language=self.lang)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.shutdown()
        if self.app.post_shutdown:
            await self.app.post_shutdown(self.app)

    def _record(self, call: Call) -> None:
        if call.method in ("sendMessage", "editMessageText") and str(call.params.get("chat_id")) == str(LOCAL_USER_ID):
            message = call.result if isinstance(call.result, dict) else None
            self._turn.append((html_to_text(str(call.params.get("text", ""))), message))
        elif call.method == "answerCallbackQuery" and call.params.get("text"):
            self._turn.append((f"({call.params['text']})", None))

    async def send(self, line: str) -> list[Shown]:
        """Feed one line typed by the user; a number presses the matching button."""
        line = line.strip()
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            _, data, message = self.buttons[int(line) - 1]
            payload = self.updates.callback(self.user, data, message)
        else:
            payload = self.updates.message(self.user, line)
        self._turn = []
        await local.feed(self.app, payload)
        return self._number()

    async def poll(self) -> list[Shown]:
        """What was queued for this chat meanwhile, e.g. by another process such as ``qiaobot web``
        (a staff reply written in the console): delivered and shown now."""
        self._turn = []
        await local.deliver(self.app)
        return self._number() if self._turn else []

    def _number(self) -> list[Shown]:
        shown: list[Shown] = []
        buttons: list[tuple[str, str, dict[str, Any]]] = []
        for text, message in self._turn:
            item = Shown(text)
            for row in (message or {}).get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if "callback_data" in button:
                        buttons.append((button["text"], button["callback_data"], message or {}))
                        item.buttons.append((len(buttons), button["text"]))
                    elif "url" in button:  # a link button: shown, opened outside the chat
                        item.links.append((button["text"], button["url"]))
            shown.append(item)
        if buttons or self._turn:
            self.buttons = buttons
        return shown


def add_commands(sub: Any) -> None:
    chat = sub.add_parser("chat", help="talk to the bot in this terminal (no token needed)")
    chat.add_argument("--lang", choices=UI_LANGS, help="answer language (default: from what you type)")
    chat.add_argument("--faq-dir", type=Path, help=FAQ_DIR_HELP)
    chat.add_argument("--debug", action="store_true", help="under each reply, the matcher's candidates and why")
    chat.set_defaults(handler=cmd_chat)


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(run_chat(settings, as_ui_lang(args.lang) if args.lang else None, debug=args.debug))


def explain(chat: TerminalChat, line: str) -> str | None:
    """For ``--debug``: the matcher's candidates and band for a free-text line (not a command or a button)."""
    text = line.strip()
    if not text or text.startswith("/") or (text.isdigit() and 1 <= int(text) <= len(chat.buttons)):
        return None
    if classify(text) is not None:
        return "· small talk: answered by the bot itself, not matched against the FAQ"
    index: FaqIndex = chat.app.bot_data[RUNTIME_KEY].faq.current.index
    return "· " + index.explain(text).render().replace("\n", "\n· ")


async def run_chat(
    settings: Settings, lang: UiLang | None, read: Callable[[str], str] = input, *, debug: bool = False
) -> int:
    """The interactive loop; returns the exit code. ``debug`` prints why the matcher chose each reply."""
    async with TerminalChat(settings, lang) as chat:
        print(localize(INTRO[content_lang(lang or "zh-Hans")], lang or "zh-Hans"))
        while True:
            for item in await chat.poll():  # replies staff wrote meanwhile (an empty Enter checks again)
                print(RULE)
                print(item.render())
            try:
                line = await asyncio.to_thread(read, "\n> ")
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            if not line.strip():
                continue
            if line.strip() in ("/quit", "/exit"):
                return 0
            why = explain(chat, line) if debug else None
            for item in await chat.send(line):
                print(RULE)
                print(item.render())
            if why:
                print(RULE)
                print(why)
