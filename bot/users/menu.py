"""The command menu shown by Telegram clients, registered in Chinese and English."""

from __future__ import annotations

import logging

from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import Application

from bot.text.i18n import t
from bot.text.language import UiLang

log = logging.getLogger(__name__)
MENU = ("start", "faq", "find", "report", "mytickets", "language", "help", "cancel")
MENU_KEYS = {
    "start": "cmd_start",
    "faq": "cmd_faq",
    "find": "cmd_find",
    "report": "cmd_report",
    "mytickets": "cmd_mytickets",
    "language": "cmd_language",
    "help": "cmd_help",
    "cancel": "cmd_cancel",
}


def menu(lang: UiLang) -> list[BotCommand]:
    return [BotCommand(name, t(MENU_KEYS[name], lang)) for name in MENU]


async def register_menu(app: Application) -> None:  # type: ignore[type-arg]
    """post_init: register the menu; a failure is logged and never stops the bot."""
    try:
        await app.bot.set_my_commands(menu("en"))
        await app.bot.set_my_commands(menu("zh-Hans"), language_code="zh")
        await app.bot.set_my_commands(menu("en"), language_code="en")
    except TelegramError as exc:
        log.warning("could not register the command menu: %s", exc)
