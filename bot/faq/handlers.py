"""Questions and answers: free-text questions, the /faq menu, suggestions and feedback."""

from __future__ import annotations

from telegram import CallbackQuery, Message, Update
from telegram.ext import ContextTypes

from bot.db import repo
from bot.faq import keyboards
from bot.faq.entries import FaqEntry
from bot.faq.smalltalk import classify
from bot.messaging.context import services, user_lang
from bot.messaging.render import render_answer
from bot.text.i18n import t
from bot.text.language import UiLang, content_lang, parse


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a free-text question: confident answer, suggestions, or an honest 'no answer'."""
    message = update.effective_message
    if message is None or not message.text:
        return
    svc = services(context)
    lang = user_lang(update, context, message.text)
    chat = classify(message.text)
    if chat is not None:
        await message.reply_text(t(f"smalltalk_{chat}", lang), reply_markup=keyboards.browse(lang))
        return
    snapshot = svc.faq.current
    result = snapshot.index.match(message.text)
    user_id = update.effective_user.id if update.effective_user else None
    qid = repo.log_question(svc.engine, result=result, language=lang, user_id=user_id, chat_id=message.chat_id)
    if result.match is not None:
        await send_answer(message, snapshot.faq.by_id[result.match.id], lang, qid)
    elif result.suggestions:
        items = [snapshot.faq.by_id[s.id] for s in result.suggestions]
        await message.reply_text(t("did_you_mean", lang), reply_markup=keyboards.entries(items, lang, back=False))
        await message.reply_text(t("none_of_these", lang))
    else:
        await message.reply_text(t("no_answer", lang), reply_markup=keyboards.browse(lang))


async def send_answer(message: Message, entry: FaqEntry, lang: UiLang, question_id: int) -> None:
    """Send an answer in as many parts as needed; the last part carries the feedback buttons."""
    parts = render_answer(entry, lang)
    for i, part in enumerate(parts):
        markup = keyboards.feedback(question_id, lang) if i == len(parts) - 1 else None
        await message.reply_text(part, reply_markup=markup)


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/faq: the categories as buttons."""
    message = update.effective_message
    if message is None:
        return
    lang = user_lang(update, context)
    faq = services(context).faq.current.faq
    await message.reply_text(t("faq_menu", lang), reply_markup=keyboards.categories(faq, lang))


async def on_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Button: back to the categories."""
    query = _query(update)
    lang = user_lang(update, context)
    faq = services(context).faq.current.faq
    await query.answer()
    await query.edit_message_text(t("faq_menu", lang), reply_markup=keyboards.categories(faq, lang))


async def on_category(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Button: the questions of one category."""
    query = _query(update)
    lang = user_lang(update, context)
    faq = services(context).faq.current.faq
    category = faq.category(_arg(query))
    await query.answer()
    if category is None:
        await query.edit_message_text(t("answer_gone", lang))
        return
    name = category.name.get(content_lang(lang))
    await query.edit_message_text(
        t("faq_category", lang, category=name),
        reply_markup=keyboards.entries(faq.in_category(category.id), lang, back=True),
    )


async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Button: show one entry's answer (from the menu or a suggestion)."""
    query = _query(update)
    lang = user_lang(update, context)
    svc = services(context)
    entry = svc.faq.current.faq.by_id.get(_arg(query))
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if entry is None:
        await query.message.reply_text(t("answer_gone", lang))
        return
    qid = repo.log_view(svc.engine, entry_id=entry.id, language=lang, user_id=query.from_user.id)
    await send_answer(query.message, entry, lang, qid)


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Button: helpful / not helpful. 'Not helpful' points to /report."""
    query = _query(update)
    qid_text, _, verdict = _arg(query).partition(":")
    helpful = verdict == "y"
    answered_in = None
    if qid_text.isdigit():
        answered_in = repo.record_feedback(
            services(context).engine, question_id=int(qid_text), user_id=query.from_user.id, helpful=helpful
        )
    if answered_in is None:
        await query.answer()
        return
    lang = parse(answered_in) or user_lang(update, context)
    await query.answer(t("thanks_feedback", lang))
    await query.edit_message_reply_markup(reply_markup=None)
    if not helpful and isinstance(query.message, Message):
        await query.message.reply_text(t("sorry_feedback", lang), reply_markup=keyboards.browse(lang))


def _query(update: Update) -> CallbackQuery:
    assert update.callback_query is not None
    return update.callback_query


def _arg(query: CallbackQuery) -> str:
    """The part of the callback data after its prefix (``a:passport-renewal`` → ``passport-renewal``)."""
    return (query.data or "").partition(":")[2]
