"""The reporter's side: /report and its steps, /skip, /mytickets, messages that join a ticket's
thread, and the rating. Each handler parses the update, calls one service function, renders."""

from __future__ import annotations

import html

from telegram import Message as TgMessage
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.faq import render as faq_render
from bot.faq.handlers import send_answer
from bot.messaging.callbacks import Rating, ReportStep
from bot.messaging.context import BotContext, answer
from bot.messaging.markup import Reply
from bot.messaging.outbox import Message
from bot.messaging.pipeline import Turn
from bot.messaging.render import split_message
from bot.reports import conversation as flow
from bot.reports import notify, service
from bot.reports.rules import STATUS_LABELS, Status
from bot.text.i18n import localize, t
from bot.text.language import UiLang, content_lang, parse

JOIN_STATUS_KEYS = {
    "pending": "join_status_pending",
    "approved": "join_status_approved",
    "declined": "join_status_declined",
}


async def report(update: Update, context: BotContext) -> None:
    """/report: start a new report (after the privacy notice, the first time)."""
    message, turn = update.effective_message, context.turn
    if message is None or update.effective_user is None:
        return
    lang = await turn.lang(update)
    started = await turn.run(service.start_report, turn.actor(update), lang=lang)
    _show(turn, message.chat_id, started.replies)


def _input(message: TgMessage) -> flow.Input | None:
    if message.photo:
        return flow.Attach("photo", message.photo[-1].file_id, message.caption or "")
    if message.document:
        return flow.Attach("document", message.document.file_id, message.caption or "")
    if message.contact:
        return flow.SharedContact(message.contact.phone_number)
    if message.text:
        return flow.Text(message.text)
    return None


async def on_message(update: Update, context: BotContext) -> None:
    """Any private message while a report is being written goes to the current step."""
    message, turn = update.effective_message, context.turn
    if message is None or update.effective_user is None:
        return
    if "report" not in await turn.conversations(update.effective_user.id):
        return
    inp = _input(message)
    if inp is None:
        return
    result = await turn.run(service.report_input, turn.actor(update), inp)
    if result is None:
        return  # the draft had expired: this message is something else
    _show(turn, message.chat_id, result.replies)
    _answer_question(turn, message.chat_id, result)
    raise ApplicationHandlerStop


def _answer_question(turn: Turn, chat_id: int, result: service.ReportTurn) -> None:
    """A question asked mid-report: the FAQ's answer (or suggestions), then "continue my report"."""
    asked = result.asked
    if asked is None:
        return
    lang: UiLang = parse(result.lang) or "zh-Hans"
    if asked.answer is not None:
        send_answer(turn, chat_id, asked.answer, lang, asked.question_id)
    elif asked.suggestions:
        turn.reply(chat_id, t("did_you_mean", lang), faq_render.entries(asked.suggestions, lang, back=False))
    else:
        turn.reply(chat_id, t("report_no_answer", lang))
    turn.reply(chat_id, t("report_still_open", lang), flow.resume_markup(lang))


async def on_button(update: Update, context: BotContext) -> None:
    """Buttons of the report conversation (r:…)."""
    query, turn = update.callback_query, context.turn
    if query is None or not isinstance(query.message, TgMessage):
        return
    await answer(query)
    pressed = ReportStep.decode(query.data)
    if pressed is None:
        return
    chat, message_id = query.message.chat.id, query.message.message_id
    inp = flow.Press(pressed.action, pressed.arg, message_id)
    result = await turn.run(service.report_input, turn.actor(update), inp)
    if result is None:
        return  # an old button of a report already filed or cancelled
    if pressed.action in ("s", "x"):
        turn.send(Message.edit_markup(chat, message_id))
    _show(turn, chat, result.replies)
    _answer_question(turn, chat, result)


async def skip(update: Update, context: BotContext) -> None:
    """/skip: leave out the FAQ suggestions or the optional contact."""
    message, turn = update.effective_message, context.turn
    if message is None or update.effective_user is None:
        return
    result = await turn.run(service.report_input, turn.actor(update), flow.Skip())
    if result is None:
        turn.reply(message.chat_id, t("skip_nothing", await turn.lang(update)))
        return
    _show(turn, message.chat_id, result.replies)
    _answer_question(turn, message.chat_id, result)


def _show(turn: Turn, chat_id: int, replies: list[Reply]) -> None:
    for reply in replies:
        if reply.edit is not None:
            turn.send(Message.edit_text(chat_id, reply.edit, reply.text, reply.markup))
        else:
            turn.reply(chat_id, reply.text, reply.markup)


async def my_tickets(update: Update, context: BotContext) -> None:
    """/mytickets: the person's reports and join requests with their status."""
    message, turn = update.effective_message, context.turn
    if message is None or update.effective_user is None:
        return
    lang = await turn.lang(update)
    mine = await turn.run(service.mine, turn.actor(update))
    content = turn.env.content
    if mine.draft is not None:  # a report being written comes first, with the way back to it
        so_far = flow.so_far(mine.draft, content)
        turn.reply(message.chat_id, t("my_draft", lang, so_far=so_far), flow.resume_markup(lang))
    if not mine.tickets and not mine.join_requests:
        if mine.draft is None:
            turn.reply(message.chat_id, t("my_tickets_none", lang))
        return
    cl = content_lang(lang)
    lines = [t("my_tickets", lang)] if mine.tickets else []
    for row in mine.tickets[:30]:
        status = localize(STATUS_LABELS[Status(row.status)].get(cl), lang)
        queue = notify.queue_name(content.federation, row.queue_id, lang)
        lines.append(f"#{row.id} · {html.escape(status)} · {html.escape(queue)} · {row.created_at:%Y-%m-%d}")
    if mine.join_requests:
        lines += ["", t("my_joins", lang)] if lines else [t("my_joins", lang)]
    for request in mine.join_requests[:30]:
        association = content.directory.by_id.get(request.association_id)
        name = localize(association.name.get(cl), lang) if association else request.association_id
        status = t(JOIN_STATUS_KEYS.get(request.status, "join_status_pending"), lang)
        lines.append(f"J{request.id} · {status} · {html.escape(name)} · {request.created_at:%Y-%m-%d}")
    for part in split_message("\n".join(lines)):
        turn.reply(message.chat_id, part)


async def on_thread_message(update: Update, context: BotContext) -> None:
    """A private message while one of the person's tickets waits for them joins that ticket."""
    message, turn = update.effective_message, context.turn
    if message is None or update.effective_user is None:
        return
    if not (message.text or message.caption or message.photo or message.document):
        return
    text = (message.text or message.caption or "").strip()
    attachments = []
    if message.photo:
        attachments = [{"type": "photo", "file_id": message.photo[-1].file_id}]
    elif message.document:
        attachments = [{"type": "document", "file_id": message.document.file_id}]
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    ticket = await turn.run(
        service.user_message, turn.actor(update), text=text, attachments=attachments, reply_to=reply_to
    )
    if ticket is None:
        return
    turn.reply(message.chat_id, t("thread_added", await turn.lang(update, text), id=ticket.id))
    raise ApplicationHandlerStop


async def on_rating(update: Update, context: BotContext) -> None:
    """Rating buttons rt:N:stars — only the reporter, only once, only after resolution."""
    query, turn = update.callback_query, context.turn
    if query is None:
        return
    pressed = Rating.decode(query.data)
    rated = await turn.run(service.rate, turn.actor(update), pressed.ticket, pressed.stars) if pressed else None
    if rated is None:
        await answer(query)
        return
    lang = notify.user_lang(rated.ticket)
    await answer(query, t("rated", lang))
    if isinstance(query.message, TgMessage):
        chat = query.message.chat.id
        turn.send(Message.edit_markup(chat, query.message.message_id))
        if rated.reopened:
            turn.reply(chat, t("rated_reopened", lang, id=rated.ticket.id))
