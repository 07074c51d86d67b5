"""/report until the report conversation exists: how to reach the federation about a difficulty."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.storage import repo
from bot.telegram.context import services, user_lang
from bot.telegram.handlers.faq import send_answer
from bot.telegram.i18n import t

ENTRY_ID = "contact-federation"


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/report: show how to contact the county federation (the FAQ's contact entry)."""
    message = update.effective_message
    if message is None:
        return
    lang = user_lang(update, context)
    svc = services(context)
    entry = svc.faq.current.faq.by_id.get(ENTRY_ID)
    if entry is None:
        await message.reply_text(t("no_answer", lang))
        return
    user_id = update.effective_user.id if update.effective_user else None
    qid = repo.log_view(svc.engine, entry_id=entry.id, language=lang, user_id=user_id, source="report")
    await message.reply_text(t("report_interim", lang))
    await send_answer(message, entry, lang, qid)
