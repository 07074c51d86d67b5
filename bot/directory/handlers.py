"""/find: associations by place or shared location; asking to join, and officers deciding."""

from __future__ import annotations

from telegram import (
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.directory import render
from bot.messaging.context import services, user_lang
from bot.runtime import Services
from bot.text.i18n import t
from bot.text.language import UiLang
from bot.text.script import has_cjk

RESULTS = 5
AWAITING_PLACE = "find_awaiting_place"


async def find(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/find <place>, or /find alone: ask for a place or a location."""
    message = update.effective_message
    if message is None:
        return
    place = " ".join(context.args or []).strip()
    # A Chinese place name tells the script; a Latin one (kuala lumpur) says nothing about the reader.
    lang = user_lang(update, context, place if has_cjk(place) else None)
    if place:
        await show_place(message, services(context), place, lang)
        return
    if context.user_data is not None:
        context.user_data[AWAITING_PLACE] = True
    keyboard = ReplyKeyboardMarkup([[KeyboardButton(t("share_location", lang), request_location=True)]],
                                   one_time_keyboard=True, resize_keyboard=True)  # fmt: skip
    await message.reply_text(t("find_ask", lang), reply_markup=keyboard)


async def on_place_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The place typed right after a bare /find (until one is found, or another command is sent)."""
    message = update.effective_message
    if message is None or not message.text or not context.user_data or not context.user_data.get(AWAITING_PLACE):
        return
    text = message.text
    found = await show_place(
        message, services(context), text, user_lang(update, context, text if has_cjk(text) else None)
    )
    if found:
        context.user_data.pop(AWAITING_PLACE, None)
    raise ApplicationHandlerStop


async def forget_place_prompt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other command ends the wait for a place (it never swallows an unrelated message)."""
    stop_waiting_for_place(context)


def stop_waiting_for_place(context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.user_data:
        context.user_data.pop(AWAITING_PLACE, None)


async def show_place(message: Message, svc: Services, place: str, lang: UiLang) -> bool:
    """The best matches for a place; associations tied to Hunan first. False if none was found."""
    directory = svc.faq.current.directory
    found = directory.find(place, limit=50)
    if not found:
        await message.reply_text(t("find_none", lang, place=place[:60]))
        return False
    found.sort(key=lambda a: a.hometown != "Hunan")  # stable: keeps the match order otherwise
    shown = found[:RESULTS]
    header = t("find_results", lang, count=len(found))
    if len(found) > len(shown):
        header += "\n" + t("find_more", lang, shown=len(shown))
    await message.reply_text(header, reply_markup=ReplyKeyboardRemove())
    for association in shown:
        text, buttons = render.result(directory, association, lang), render.buttons(association, lang)
        await message.reply_text(text, reply_markup=buttons)
    return True


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location: the nearest associations with distances."""
    message = update.effective_message
    if message is None or message.location is None:
        return
    if context.user_data is not None:
        context.user_data.pop(AWAITING_PLACE, None)
    lang = user_lang(update, context)
    directory = services(context).faq.current.directory
    nearest = directory.nearest(message.location.latitude, message.location.longitude, limit=RESULTS)
    await message.reply_text(t("nearest_results", lang), reply_markup=ReplyKeyboardRemove())
    for distance, association in nearest:
        text = render.result(directory, association, lang, distance)
        await message.reply_text(text, reply_markup=render.buttons(association, lang))


async def on_details(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Button d:<id>: everything about one association."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    await query.answer()
    lang = user_lang(update, context)
    directory = services(context).faq.current.directory
    association = directory.by_id.get((query.data or "").partition(":")[2])
    if association is None:
        await query.message.reply_text(t("answer_gone", lang))
        return
    await query.message.reply_text(
        render.details(directory, association, lang), reply_markup=render.buttons(association, lang)
    )
