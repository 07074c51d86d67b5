"""``qiaobot chat``: talk to the real bot in a terminal, through the in-process Bot API.

Everything a Telegram user would get is printed as plain text; buttons become numbered
choices, and typing the number presses the button. Messages the bot queues in its outbox
(a report's reference number, staff replies) are delivered right away; those queued by another
process (a reply from the web console) show before the next prompt — press Enter to check.

What Telegram's own buttons and menus send can be sent here too, so every flow can be tried: the
"share my location" and "share my phone number" keyboard buttons are numbered choices that ask for
coordinates or a place, or for a number; ``/location LAT,LON`` sends a location, and
``/attach PATH [caption]`` sends a file as a photo (an image, by its extension) or as a document.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
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
from bot.messaging import intake, local
from bot.messaging.budget import Limits
from bot.messaging.context import DELIVERER_KEY, RUNTIME_KEY
from bot.messaging.localapi import LOCAL_TOKEN, Call, LocalBotApi, UpdateFactory
from bot.messaging.render import html_to_text
from bot.text.i18n import localize
from bot.text.language import UI_LANGS, UiLang, as_ui_lang, content_lang
from bot.users import repo as users

LOCAL_USER_ID = 1
RULE = "─" * 40
INTRO = {
    "zh": "本地对话：输入问题，或输入 /start、/faq、/find、/report、/help；按钮显示为编号，输入编号即可选择。"
    "/location 纬度,经度 发送位置，/attach 文件路径 发送图片或文件。Ctrl-D 退出。",
    "en": "Local chat: type a question or /start, /faq, /find, /report, /help. Buttons are numbered: type the number. "
    "/location LAT,LON sends a location, /attach PATH a photo or a file. Ctrl-D quits.",
}
# What the terminal itself says (Simplified Chinese and English; Traditional is derived).
TERMINAL = {
    "ask_location": (
        "请输入坐标“纬度,经度”（例如 1.46,103.76）或地名（例如 新山），当作分享的位置：",
        "Type coordinates “lat,lon” (e.g. 1.46,103.76) or a place (e.g. Johor Bahru) to share as your location:",
    ),
    "ask_contact": ("请输入电话号码，当作分享的联系方式：", "Type a phone number to share as your contact:"),
    "bad_location": (
        "没看懂这个位置：请输入“纬度,经度”（例如 1.46,103.76）或一个城市名。",
        "That is not a location I can read: type “lat,lon” (e.g. 1.46,103.76) or a city.",
    ),
    "bad_phone": ("请输入电话号码（数字，可带 + 和空格）。", "Please type a phone number (digits, + and spaces)."),
    "location_sent": ("（已发送位置 {lat}, {lon}）", "(location {lat}, {lon} sent)"),
    "usage_location": (
        "用法：/location 纬度,经度（例如 /location 1.46,103.76）",
        "Usage: /location LAT,LON (e.g. /location 1.46,103.76)",
    ),
    "usage_attach": ("用法：/attach 文件路径 [说明]", "Usage: /attach PATH [caption]"),
    "no_file": ("找不到文件：{path}", "No such file: {path}"),
    "attached": ("（已发送{kind}：{name}）", "({kind} {name} sent)"),
    "photo": ("图片", "photo"),
    "document": ("文件", "document"),
}
_COORDS = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,，\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_PHONE = re.compile(r"^\+?[\d\s\-()]{5,20}$")


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """``1.46,103.76`` → (1.46, 103.76), if it is a point on Earth."""
    match = _COORDS.match(text)
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def place_coordinates(text: str) -> tuple[float, float] | None:
    """Coordinates, or a place of the gazetteer (a city, a region, a country's capital)."""
    from bot.directory import places

    point = parse_coordinates(text)
    if point is not None:
        return point
    place = places.gazetteer().lookup(text)
    code = None if place else places.country_code(text)
    place = place or (places.gazetteer().country_point(code) if code else None)
    return (place.lat, place.lon) if place else None


@dataclass
class Choice:
    """A numbered button: an inline button (its callback data and message), or a keyboard button that
    shares a location or a contact, or sends its own text."""

    label: str
    kind: str  # callback | location | contact | text
    data: str = ""
    message: dict[str, Any] = field(default_factory=dict)


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
    buttons: list[Choice] = field(default_factory=list)
    waiting: str | None = None  # "location" or "contact": the next line is that, not a message
    _turn: list[tuple[str, dict[str, Any] | None, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.api.on_call = self._record
        tg_lang = {"zh-Hans": "zh-hans", "zh-Hant": "zh-hant", "en": "en"}[self.lang] if self.lang else "zh-hans"
        name = "friend" if self.lang == "en" else localize("朋友", self.lang or "zh-Hans")
        self.user = {"id": LOCAL_USER_ID, "is_bot": False, "first_name": name, "language_code": tg_lang}
        self.app = build_application(self.settings, token=LOCAL_TOKEN, request=self.api)
        # Nothing to pace here: the stand-in is not Telegram, and every reply should show at once.
        self.app.bot_data[DELIVERER_KEY].limits = Limits.unpaced()

    async def __aenter__(self) -> TerminalChat:
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        with session_scope(self.app.bot_data[RUNTIME_KEY].engine) as s:
            if self.lang:
                users.set_language(s, user_id=LOCAL_USER_ID, language=self.lang)
            # Go on from the last session's numbering: an update id stored before is a duplicate and
            # would be dropped without a word.
            last = intake.last_update_id(s)
        self.updates.next_update_id = self.updates.next_message_id = last + 1
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.shutdown()
        if self.app.post_shutdown:
            await self.app.post_shutdown(self.app)

    def _record(self, call: Call) -> None:
        if call.method in ("sendMessage", "editMessageText") and str(call.params.get("chat_id")) == str(LOCAL_USER_ID):
            message = call.result if isinstance(call.result, dict) else None
            markup = call.params.get("reply_markup") or {}  # a keyboard under the input field is no message's
            markup = json.loads(markup) if isinstance(markup, str) else markup
            self._turn.append((html_to_text(str(call.params.get("text", ""))), message, markup))
        elif call.method == "answerCallbackQuery" and call.params.get("text"):
            self._turn.append((f"({call.params['text']})", None, {}))

    def say(self, key: str, **values: str) -> str:
        """What the terminal itself says, in the chat's language."""
        lang = self.lang or "zh-Hans"
        zh, en = TERMINAL[key]
        return (en if lang == "en" else localize(zh, lang)).format(**values)

    async def send(self, line: str) -> list[Shown]:
        """Feed one line typed by the user: a number presses the matching button; /location and /attach
        send what Telegram's menus would; after a share button, the line is the location or number."""
        line = line.strip()
        waiting, self.waiting = self.waiting, None
        if waiting is not None:
            return await self._share(waiting, line)
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            choice = self.buttons[int(line) - 1]
            if choice.kind == "callback":
                return await self._feed(self.updates.callback(self.user, choice.data, choice.message))
            if choice.kind in ("location", "contact"):
                self.waiting = choice.kind
                return [Shown(self.say(f"ask_{choice.kind}"))]
            return await self._feed(self.updates.message(self.user, choice.label))
        command, _, rest = line.partition(" ")
        if command == "/location":
            point = parse_coordinates(rest)
            if point is None:
                return [Shown(self.say("usage_location"))]
            return await self._feed(local.location(self.updates, self.user, *point))
        if command == "/attach":
            return await self._attach(rest.strip())
        return await self._feed(self.updates.message(self.user, line))

    async def _share(self, kind: str, line: str) -> list[Shown]:
        if kind == "location":
            point = place_coordinates(line)
            if point is None:
                self.waiting = "location"
                return [Shown(self.say("bad_location"))]
            sent = Shown(self.say("location_sent", lat=f"{point[0]:.4f}", lon=f"{point[1]:.4f}"))
            return [sent, *await self._feed(local.location(self.updates, self.user, *point))]
        if not _PHONE.match(line):
            self.waiting = "contact"
            return [Shown(self.say("bad_phone"))]
        return await self._feed(local.contact(self.updates, self.user, line))

    async def _attach(self, rest: str) -> list[Shown]:
        payload, said = self._attachment(rest)
        return [said, *(await self._feed(payload) if payload else [])]

    def _attachment(self, rest: str) -> tuple[dict[str, Any] | None, Shown]:
        """``PATH [caption]`` → the message carrying it, and what the terminal says about it."""
        if not rest:
            return None, Shown(self.say("usage_attach"))
        path_text, caption = rest, ""
        if not Path(path_text).expanduser().is_file() and " " in rest:  # PATH caption…
            path_text, _, caption = rest.partition(" ")
        path = Path(path_text).expanduser()
        if not path.is_file():
            return None, Shown(self.say("no_file", path=path_text))
        payload = local.attachment(self.updates, self.user, path, caption.strip())
        kind = "photo" if "photo" in payload["message"] else "document"
        return payload, Shown(self.say("attached", kind=self.say(kind), name=path.name))

    async def _feed(self, payload: dict[str, Any]) -> list[Shown]:
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
        buttons: list[Choice] = []
        for text, message, markup in self._turn:
            item = Shown(text)
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if "callback_data" in button:
                        buttons.append(Choice(button["text"], "callback", button["callback_data"], message or {}))
                        item.buttons.append((len(buttons), button["text"]))
                    elif "url" in button:  # a link button: shown, opened outside the chat
                        item.links.append((button["text"], button["url"]))
            for row in markup.get("keyboard", []):  # Telegram's keyboard under the input field
                for button in row:
                    label = button if isinstance(button, str) else button["text"]
                    kind = "text"
                    if isinstance(button, dict) and button.get("request_location"):
                        kind = "location"
                    elif isinstance(button, dict) and button.get("request_contact"):
                        kind = "contact"
                    buttons.append(Choice(label, kind))
                    item.buttons.append((len(buttons), label))
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
