"""Keyboards as Bot API JSON (plain dicts): what services queue in the outbox and handlers render.

No python-telegram-bot types here, so domain code can build buttons without importing telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.messaging.callbacks import Callback

Markup = dict[str, Any]
REMOVE_KEYBOARD: Markup = {"remove_keyboard": True}
NO_BUTTONS: Markup = {"inline_keyboard": []}


def button(text: str, data: Callback) -> dict[str, str]:
    return {"text": text, "callback_data": data.encode()}


def url_button(text: str, url: str) -> dict[str, str]:
    return {"text": text, "url": url}


def inline(rows: list[list[dict[str, str]]]) -> Markup:
    return {"inline_keyboard": rows}


def request_location(label: str) -> Markup:
    return {
        "keyboard": [[{"text": label, "request_location": True}]],
        "one_time_keyboard": True,
        "resize_keyboard": True,
    }


def request_contact(label: str) -> Markup:
    return {
        "keyboard": [[{"text": label, "request_contact": True}]],
        "one_time_keyboard": True,
        "resize_keyboard": True,
    }


@dataclass
class Reply:
    """One message to show the person: HTML text and an optional keyboard (Bot API JSON)."""

    text: str
    markup: Markup | None = None
    edit: int | None = None  # edit this message (of the person's chat) instead of sending a new one
