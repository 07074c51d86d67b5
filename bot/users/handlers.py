"""Greeting, help, language choice, /cancel, and messages the bot cannot read."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.faq import render
from bot.messaging.callbacks import ChooseLanguage
from bot.messaging.context import BotContext, answer
from bot.messaging.markup import REMOVE_KEYBOARD
from bot.messaging.outbox import Message
from bot.text.i18n import t
from bot.text.language import parse
from bot.users import service


async def start(update: Update, context: BotContext) -> None:
    """/start: greet, say what the bot does, offer the languages."""
    message, turn = update.effective_message, context.turn
    if message is None:
        return
    lang = await turn.lang(update)
    name = update.effective_user.first_name if update.effective_user else ""
    turn.reply(message.chat_id, t("start", lang, name=name or "👋"), render.languages())


async def help_command(update: Update, context: BotContext) -> None:
    """/help: what the commands do."""
    if update.effective_message:
        turn = context.turn
        turn.reply(update.effective_message.chat_id, t("help", await turn.lang(update)))


async def language(update: Update, context: BotContext) -> None:
    """/language: offer 简体中文 / 繁體中文 / English."""
    if update.effective_message:
        turn = context.turn
        lang = await turn.lang(update)
        turn.reply(update.effective_message.chat_id, t("choose_language", lang), render.languages())


async def on_language(update: Update, context: BotContext) -> None:
    """Button l:<lang>: store the choice and confirm in it."""
    query, turn = update.callback_query, context.turn
    if query is None:
        return
    button = ChooseLanguage.decode(query.data)
    chosen = parse(button.lang) if button else None
    await answer(query)
    if chosen is None or query.message is None:
        return
    await turn.run(service.choose_language, turn.actor(update), chosen)
    chat_id = query.message.chat.id
    turn.send(Message.edit_markup(chat_id, query.message.message_id))
    turn.reply(chat_id, t("language_set_hant" if chosen == "zh-Hant" else "language_set", chosen))


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel: drop the report or form being written, or say there is nothing to cancel."""
    if update.effective_message:
        turn = context.turn
        lang = await turn.lang(update)
        user = update.effective_user
        kinds = set(await turn.conversations(user.id)) if user is not None else set()
        cancelled = await turn.run(service.cancel, turn.actor(update))
        key = "report_cancelled" if cancelled else "nothing_to_cancel"
        if cancelled and kinds == {"find"}:  # only the bare /find's wait for a place
            key = "find_cancelled"
        turn.reply(update.effective_message.chat_id, t(key, lang), REMOVE_KEYBOARD)


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have: say so, then show what it can do."""
    message = update.effective_message
    if message is None or not message.text:
        return
    turn = context.turn
    lang = await turn.lang(update)
    command = message.text.split(maxsplit=1)[0][:40]
    turn.reply(message.chat_id, t("unknown_command", lang, command=command) + "\n\n" + t("help", lang))


async def ignore(update: Update, context: BotContext) -> None:
    """Swallow an update (edits): no handler after this one runs."""
    raise ApplicationHandlerStop


async def non_text(update: Update, context: BotContext) -> None:
    """Stickers, voice…: explain politely that questions are read as text."""
    if update.effective_message:
        turn = context.turn
        turn.reply(update.effective_message.chat_id, t("non_text", await turn.lang(update)))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button no feature knows (forged, or from an old version): stop the spinner, do nothing."""
    if update.callback_query is not None:
        await answer(update.callback_query)
