"""Admin commands: /reload re-reads faq/ and never serves a broken edit."""

from __future__ import annotations

import asyncio
import html

from telegram import Update

from bot.content.problems import ContentError, Problem
from bot.messaging.context import BotContext
from bot.messaging.render import split_message
from bot.text.i18n import t

MAX_LISTED = 15


async def reload_faq(update: Update, context: BotContext) -> None:
    """/reload (admins only): load faq/ again; on errors keep the last good FAQ and list them."""
    message = update.effective_message
    if message is None:
        return
    turn = context.turn
    lang = await turn.lang(update)
    if not context.runtime.is_admin(update.effective_user.id if update.effective_user else None):
        turn.reply(message.chat_id, t("admins_only", lang))
        return
    try:
        snapshot = await asyncio.to_thread(context.runtime.faq.reload)
    except ContentError as exc:
        errors = [p for p in exc.problems if p.severity == "error"]
        text = t("reload_failed", lang) + "\n\n" + _listing(errors, lang)
    else:
        warnings = ""
        if snapshot.warnings:
            warnings = (
                t("reload_warnings", lang, count=len(snapshot.warnings))
                + "\n"
                + _listing(list(snapshot.warnings), lang)
            )
        text = t(
            "reload_ok",
            lang,
            entries=len(snapshot.faq.entries),
            categories=len(snapshot.faq.categories),
            warnings="",
        ) + ("\n\n" + warnings if warnings else "")
    for part in split_message(text):
        turn.reply(message.chat_id, part)


def _listing(problems: list[Problem], lang: str) -> str:
    lines = [
        f"• <code>{html.escape(p.path.name)}:{p.line}</code> {html.escape(p.message)}" for p in problems[:MAX_LISTED]
    ]
    if len(problems) > MAX_LISTED:
        lines.append(t("more_problems", "en" if lang == "en" else "zh-Hans", count=len(problems) - MAX_LISTED))
    return "\n".join(lines)
