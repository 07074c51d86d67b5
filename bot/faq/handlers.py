"""Questions and answers: free-text questions, the /faq menu, suggestions and feedback."""

from __future__ import annotations

from telegram import Message as TgMessage
from telegram import Update

from bot.faq import render, service
from bot.faq.entries import FaqEntry
from bot.faq.smalltalk import classify
from bot.messaging.callbacks import FaqAnswer, FaqCategory, Feedback
from bot.messaging.context import BotContext, answer
from bot.messaging.outbox import Message
from bot.messaging.pipeline import Turn
from bot.reports.conversation import resume_markup
from bot.text.i18n import t
from bot.text.language import UiLang, content_lang, parse

SMALLTALK_KEYS = {"greeting": "smalltalk_greeting", "thanks": "smalltalk_thanks", "bye": "smalltalk_bye"}


async def ask(update: Update, context: BotContext) -> None:
    """Answer a free-text question: confident answer, suggestions, or an honest 'no answer'."""
    message, turn = update.effective_message, context.turn
    if message is None or not message.text:
        return
    lang = await turn.lang(update, message.text)
    chat = message.chat_id
    small = classify(message.text)
    if small is not None:
        turn.reply(chat, t(SMALLTALK_KEYS[small], lang), render.browse(lang))
        return
    asked = await turn.run(service.ask, turn.actor(update), message.text, lang=lang)
    if asked.answer is not None:
        send_answer(turn, chat, asked.answer, lang, asked.question_id)
    elif asked.suggestions:
        turn.reply(chat, t("did_you_mean", lang), render.entries(asked.suggestions, lang, back=False))
        turn.reply(chat, t("none_of_these", lang))
    else:
        turn.reply(chat, t("no_answer", lang), render.browse(lang))


def send_answer(turn: Turn, chat_id: int, entry: FaqEntry, lang: UiLang, question_id: int) -> None:
    """An answer in as many parts as needed; the last part carries the feedback buttons."""
    parts = render.answer(entry, lang)
    for i, part in enumerate(parts):
        turn.reply(chat_id, part, render.feedback(question_id, lang) if i == len(parts) - 1 else None)


async def menu(update: Update, context: BotContext) -> None:
    """/faq: the categories as buttons."""
    message, turn = update.effective_message, context.turn
    if message is None:
        return
    lang = await turn.lang(update)
    turn.reply(message.chat_id, t("faq_menu", lang), render.categories(turn.env.content.faq, lang))
    await remind_report(turn, update, message.chat_id, lang)


async def on_menu(update: Update, context: BotContext) -> None:
    """Button: back to the categories."""
    query, turn = update.callback_query, context.turn
    if query is None:
        return
    await answer(query)
    lang = await turn.lang(update)
    if isinstance(query.message, TgMessage):
        turn.send(
            Message.edit_text(
                query.message.chat.id,
                query.message.message_id,
                t("faq_menu", lang),
                render.categories(turn.env.content.faq, lang),
            )
        )


async def on_category(update: Update, context: BotContext) -> None:
    """Button: the questions of one category."""
    query, turn = update.callback_query, context.turn
    if query is None:
        return
    await answer(query)
    lang = await turn.lang(update)
    faq = turn.env.content.faq
    pressed = FaqCategory.decode(query.data)
    category = faq.category(pressed.category) if pressed else None
    if not isinstance(query.message, TgMessage):
        return
    chat, message_id = query.message.chat.id, query.message.message_id
    if category is None:
        turn.send(Message.edit_text(chat, message_id, t("answer_gone", lang)))
        return
    text = t("faq_category", lang, category=category.name.get(content_lang(lang)))
    turn.send(Message.edit_text(chat, message_id, text, render.entries(faq.in_category(category.id), lang, back=True)))


async def on_answer(update: Update, context: BotContext) -> None:
    """Button: show one entry's answer (from the menu or a suggestion)."""
    query, turn = update.callback_query, context.turn
    if query is None:
        return
    await answer(query)
    lang = await turn.lang(update)
    pressed = FaqAnswer.decode(query.data)
    if not isinstance(query.message, TgMessage) or pressed is None:
        return
    chat = query.message.chat.id
    opened = await turn.run(service.open_entry, turn.actor(update), pressed.entry, lang=lang)
    if opened is None:
        turn.reply(chat, t("answer_gone", lang))
        return
    entry, question_id = opened
    send_answer(turn, chat, entry, lang, question_id)
    await remind_report(turn, update, chat, lang)


async def remind_report(turn: Turn, update: Update, chat_id: int, lang: UiLang) -> None:
    """A person who left a report for an answer keeps it: say so, with the way back."""
    if update.effective_user is not None and "report" in await turn.conversations(update.effective_user.id):
        turn.reply(chat_id, t("report_still_open", lang), resume_markup(lang))


async def on_feedback(update: Update, context: BotContext) -> None:
    """Button: helpful / not helpful. 'Not helpful' points to /report."""
    query, turn = update.callback_query, context.turn
    if query is None:
        return
    pressed = Feedback.decode(query.data)
    helpful = pressed is not None and pressed.verdict == "y"
    answered_in = None
    if pressed is not None and pressed.verdict in ("y", "n"):
        answered_in = await turn.run(service.feedback, turn.actor(update), pressed.question, helpful)
    if answered_in is None:
        await answer(query)
        return
    lang = parse(answered_in) or await turn.lang(update)
    await answer(query, t("thanks_feedback", lang))
    if isinstance(query.message, TgMessage):
        chat = query.message.chat.id
        turn.send(Message.edit_markup(chat, query.message.message_id))
        if not helpful:
            turn.reply(chat, t("sorry_feedback", lang), render.browse(lang))
