"""Greeting, help, language choice, /cancel and messages the bot cannot read."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.db import repo
from bot.faq import keyboards
from bot.messaging.context import services, user_lang
from bot.reports import handlers as report
from bot.text.i18n import t
from bot.text.language import parse


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: greet, say what the bot does, offer the languages."""
    message = update.effective_message
    if message is None:
        return
    lang = user_lang(update, context)
    name = update.effective_user.first_name if update.effective_user else ""
    await message.reply_text(t("start", lang, name=name or "👋"), reply_markup=keyboards.languages())


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: what the commands do."""
    if update.effective_message:
        await update.effective_message.reply_text(t("help", user_lang(update, context)))


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language: offer 简体中文 / 繁體中文 / English."""
    if update.effective_message:
        lang = user_lang(update, context)
        await update.effective_message.reply_text(t("choose_language", lang), reply_markup=keyboards.languages())


async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Button: store the chosen language and confirm in it."""
    query = update.callback_query
    assert query is not None
    chosen = parse((query.data or "").partition(":")[2])
    if chosen is None:
        await query.answer()
        return
    repo.set_language(services(context).engine, user_id=query.from_user.id, language=chosen)
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    key = "language_set_hant" if chosen == "zh-Hant" else "language_set"
    if query.message is not None:
        await context.bot.send_message(query.message.chat.id, t(key, chosen))


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel: drop the report being written, or say there is nothing to cancel."""
    if update.effective_message:
        lang = user_lang(update, context)
        key = "report_cancelled" if report.cancel_draft(update, context) else "nothing_to_cancel"
        await update.effective_message.reply_text(t(key, lang), reply_markup=ReplyKeyboardRemove())


async def ignore(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Swallow an update (edits): no handler after this one runs."""
    raise ApplicationHandlerStop


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice…: explain politely that questions are read as text."""
    if update.effective_message:
        await update.effective_message.reply_text(t("non_text", user_lang(update, context)))
