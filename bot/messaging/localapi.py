"""A stand-in for the Telegram Bot API: in process (a ``BaseRequest``) or behind HTTP.

:class:`FakeBotApi` records every call, answers like Telegram would for the methods the bot
uses, queues updates for ``getUpdates`` and can be told to fail the next calls
(400/403/429/5xx). :class:`LocalBotApi` plugs it into python-telegram-bot in process:
``qiaobot chat`` talks to the real ``Application`` through it, and so do the tests. The HTTP
server in ``bot.messaging.standin`` serves the same fake to a whole ``qiaobot run`` process.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 1000, "is_bot": True, "first_name": "Qiaolian", "username": "qiaolian_bot"}
LOCAL_TOKEN = "1000:LOCAL-STAND-IN"  # noqa: S105 - not a secret: the in-process stand-in


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None


@dataclass
class Fault:
    method: str  # "*" for any method
    status: int
    description: str
    parameters: dict[str, Any] | None = None
    chat_id: int | None = None


@dataclass
class FakeBotApi:
    """A recording fake of the Bot API; messages are numbered per chat like Telegram does."""

    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    on_call: Callable[[Call], None] | None = None
    _message_ids: dict[int, int] = field(default_factory=dict)
    _messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    members: dict[int, set[int]] = field(default_factory=dict)  # group chat id → member user ids
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id → (file_path, content): getFile
    migrated: dict[int, int] = field(default_factory=dict)  # old group id → its supergroup's id
    refusals: list[Call] = field(default_factory=list)  # calls Telegram would refuse (400), with the reason
    # Telegram's flood limits, when switched on: ~30 messages a second per bot, ~1 a second per chat
    # (a short burst allowed), 20 a minute per group; beyond them a 429 with retry_after.
    telegram_limits: bool = False
    throttled: int = 0
    _sends: list[tuple[float, int]] = field(default_factory=list)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for ``getUpdates`` (as Telegram keeps them until confirmed)."""
        with self._lock:
            self._updates.append(update)

    def handle(self, endpoint: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: (HTTP status, JSON body)."""
        with self._lock:
            fault = self._take_fault(endpoint, params) or self._over_limits(endpoint, params)
            new_id = self.migrated.get(_int(params.get("chat_id")))
            if new_id is not None:
                description = "Bad Request: group chat was upgraded to a supergroup chat"
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": description,
                    "parameters": {"migrate_to_chat_id": new_id},
                }
            if fault is not None:
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": fault.status,
                    "description": fault.description,
                }
                if fault.parameters:
                    body["parameters"] = fault.parameters
                return fault.status, body
            refusal = refuse(endpoint, params)
            if refusal is not None:
                self.refusals.append(Call(endpoint, params, refusal))
                return 400, {"ok": False, "error_code": 400, "description": refusal}
            call = Call(endpoint, params, self._result(endpoint, params))
            self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)
        return 200, {"ok": True, "result": call.result}

    def fail(
        self,
        method: str,
        status: int,
        description: str = "",
        *,
        times: int = 1,
        chat_id: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error."""
        params = {"retry_after": retry_after} if retry_after is not None else None
        text = description or {
            400: "Bad Request",
            403: "Forbidden: bot was blocked by the user",
            429: "Too Many Requests",
            502: "Bad Gateway",
        }.get(status, "Error")
        self.faults.extend(Fault(method, status, text, params, chat_id) for _ in range(times))

    def _over_limits(self, endpoint: str, params: dict[str, Any]) -> Fault | None:
        if not self.telegram_limits or endpoint not in ("sendMessage", "sendPhoto", "sendDocument", "editMessageText"):
            return None
        now, chat = time.monotonic(), _int(params.get("chat_id"))
        self._sends = [(at, c) for at, c in self._sends if now - at < 60]
        last_second = [c for at, c in self._sends if now - at < 1]
        in_chat = [at for at, c in self._sends if c == chat and now - at < 3]
        group_minute = [at for at, c in self._sends if c == chat] if chat < 0 else []
        if len(last_second) >= 30 or len(in_chat) >= 3 or len(group_minute) >= 20:
            self.throttled += 1
            return Fault(endpoint, 429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self._sends.append((now, chat))
        return None

    def _take_fault(self, endpoint: str, params: dict[str, Any]) -> Fault | None:
        for i, fault in enumerate(self.faults):
            if fault.method in ("*", endpoint) and fault.chat_id in (None, _int(params.get("chat_id"))):
                return self.faults.pop(i)
        return None

    def _result(self, endpoint: str, params: dict[str, Any]) -> Any:
        if endpoint == "getMe":
            return BOT_USER
        if endpoint == "getUpdates":
            offset = _int(params.get("offset"))
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            return self._updates[: _int(params.get("limit")) or 100]
        if endpoint in ("sendMessage", "sendPhoto", "sendDocument"):
            chat_id = _int(params["chat_id"])
            message_id = self._message_ids.get(chat_id, 0) + 1
            self._message_ids[chat_id] = message_id
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": _chat(chat_id),
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            markup = _json(params.get("reply_markup"))
            if isinstance(markup, dict) and "inline_keyboard" in markup:  # messages carry inline keyboards only
                message["reply_markup"] = markup
            self._messages[(chat_id, message_id)] = message
            return message
        if endpoint in ("editMessageText", "editMessageReplyMarkup"):
            key = (_int(params.get("chat_id")), _int(params.get("message_id")))
            message = self._messages.get(key) or {
                "message_id": key[1],
                "date": int(time.time()),
                "chat": _chat(key[0]),
                "text": "",
            }
            if "text" in params:
                message["text"] = params["text"]
            markup = _json(params.get("reply_markup"))
            if isinstance(markup, dict) and markup.get("inline_keyboard"):
                message["reply_markup"] = markup
            else:  # no markup, or an empty keyboard: Telegram removes the buttons
                message.pop("reply_markup", None)
            return message
        if endpoint == "getFile":
            stored = self.files.get(str(params.get("file_id")))
            if stored is None:
                return {"file_id": params.get("file_id"), "file_unique_id": "u"}  # no file_path: not downloadable
            return {
                "file_id": params["file_id"],
                "file_unique_id": "u",
                "file_size": len(stored[1]),
                "file_path": stored[0],
            }
        if endpoint == "getChatMember":
            user_id = _int(params["user_id"])
            status = "member" if user_id in self.members.get(_int(params["chat_id"]), set()) else "left"
            return {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": "?"}}
        return True

    def download(self, file_path: str) -> bytes | None:
        """The content at a ``file_path`` that getFile gave (Telegram's /file/bot<token>/<path>)."""
        return next((content for path, content in self.files.values() if path == file_path), None)

    # -- views for tests and the terminal --------------------------------------------------

    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [
            c.params
            for c in self.calls
            if c.method == method and (chat_id is None or _int(c.params.get("chat_id")) == chat_id)
        ]

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages the bot has in a chat, as they are now (after edits), oldest first."""
        return [m for (cid, _), m in sorted(self._messages.items()) if cid == chat_id]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [str(p.get("text", "")) for p in self.sent(chat_id)]

    def clear(self) -> None:
        self.calls.clear()


@dataclass
class LocalBotApi(FakeBotApi, BaseRequest):
    """The fake plugged into python-telegram-bot as its HTTP layer (no sockets)."""

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rstrip("/").rsplit("/", 1)[-1]
        status, body = self.handle(endpoint, dict(request_data.parameters) if request_data else {})
        return status, json.dumps(body).encode()


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "User"}
    return {"id": chat_id, "type": "supergroup", "title": "Group"}


# -- what Telegram refuses ----------------------------------------------------------------------

TEXT_LIMIT, CAPTION_LIMIT, CALLBACK_LIMIT = 4096, 1024, 64
_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


_SPECIAL = re.compile(r"[<&]")


def html_error(text: str) -> str | None:
    """Why Telegram would refuse ``text`` in HTML parse mode (None if it would accept it)."""
    stack: list[str] = []
    visible = False
    i = 0
    while True:
        special = _SPECIAL.search(text, i)  # plain text up to the next tag or entity is skipped at once
        if special is None:
            visible = visible or i < len(text)
            break
        visible = visible or special.start() > i
        i = special.start()
        if text[i] == "<":
            match = _TAG.match(text, i)
            if match is None or match.group(2).lower() not in _ALLOWED_TAGS:
                return f"Bad Request: can't parse entities: unsupported start tag at byte offset {i}"
            closing, name = match.group(1), match.group(2).lower()
            if closing:
                if not stack or stack.pop() != name:
                    return f"Bad Request: can't parse entities: unexpected end tag at byte offset {i}"
            else:
                stack.append(name)
            i = match.end()
        else:
            match = _ENTITY.match(text, i)
            if match is None:
                return f"Bad Request: can't parse entities: character '&' is reserved at byte offset {i}"
            visible = True
            i = match.end()
    if stack:
        return "Bad Request: can't parse entities: can't find end tag corresponding to start tag " + stack[-1]
    return None if visible else "Bad Request: message text is empty"


def refuse(endpoint: str, params: dict[str, Any]) -> str | None:
    """The 400 Telegram would answer to this call, or None: HTML, lengths, button data."""
    html_mode = str(params.get("parse_mode", "")).upper() == "HTML"
    for name, limit in (("text", TEXT_LIMIT), ("caption", CAPTION_LIMIT)):
        if name not in params or (name == "caption" and not params[name]):
            continue
        value = str(params[name])
        if html_mode:
            error = html_error(value)
            if error is not None:
                return error
            value = html.unescape(_TAG.sub("", value))
        if not value.strip() and name == "text":
            return "Bad Request: message text is empty"
        if len(value.encode("utf-16-le")) // 2 > limit:
            return "Bad Request: message is too long" if name == "text" else "Bad Request: message caption is too long"
    markup = _json(params.get("reply_markup"))
    if isinstance(markup, dict):
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_LIMIT:
                    return "Bad Request: BUTTON_DATA_INVALID"
                if not str(button.get("text", "")).strip():
                    return "Bad Request: text buttons are unallowed in the inline keyboard"
    return None


# -- update builders ---------------------------------------------------------------------------


@dataclass
class UpdateFactory:
    """Builds Bot API update payloads (dicts) the way Telegram would send them."""

    next_update_id: int = 1
    next_message_id: int = 1

    def _ids(self) -> tuple[int, int]:
        uid, mid = self.next_update_id, self.next_message_id
        self.next_update_id += 1
        self.next_message_id += 1
        return uid, mid

    def message(self, user: dict[str, Any], text: str, *, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        update_id, message_id = self._ids()
        msg: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat or {"id": user["id"], "type": "private", "first_name": user.get("first_name", "")},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]
        return {"update_id": update_id, "message": msg}

    def non_text(self, user: dict[str, Any], kind: str = "sticker") -> dict[str, Any]:
        update_id, message_id = self._ids()
        payload: dict[str, Any] = {
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "u1",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            },
        }[kind]
        msg = {
            "message_id": message_id,
            "date": int(time.time()),
            "from": user,
            "chat": {"id": user["id"], "type": "private", "first_name": user.get("first_name", "")},
            kind: payload,
        }
        return {"update_id": update_id, "message": msg}

    def callback(self, user: dict[str, Any], data: str, message: dict[str, Any]) -> dict[str, Any]:
        update_id, _ = self._ids()
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": user,
                "chat_instance": "local",
                "data": data,
                "message": {
                    "message_id": message["message_id"],
                    "date": message.get("date", int(time.time())),
                    "chat": message["chat"],
                    "text": message.get("text", ""),
                    "from": BOT_USER,
                    **({"reply_markup": message["reply_markup"]} if "reply_markup" in message else {}),
                },
            },
        }
