"""Helpers every handler uses: the services, and the language of the person being answered."""

from __future__ import annotations

from typing import cast

from telegram import Update
from telegram.ext import ContextTypes

from bot.db import repo
from bot.runtime import Services
from bot.text.language import UiLang, resolve

SERVICES_KEY = "services"


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return cast(Services, context.bot_data[SERVICES_KEY])


def user_lang(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str | None = None) -> UiLang:
    """Record the user's visit and pick the language to answer in (see ``core.language.resolve``)."""
    tg_user = update.effective_user
    if tg_user is None:
        return "en"
    user = repo.touch_user(services(context).engine, user_id=tg_user.id, telegram_language=tg_user.language_code)
    return resolve(user.language, user.telegram_language, text)
