"""The reporter's side after filing: /mytickets, their messages joining the thread, the rating."""

from __future__ import annotations

import html

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.db.models import utcnow
from bot.db.ticket_tables import Ticket
from bot.directory import joins
from bot.messaging.context import services, user_lang
from bot.messaging.render import split_message
from bot.reports import notify, tickets
from bot.reports.rules import (
    OPEN,
    STATUS_LABELS,
    RuleError,
    Status,
    after_rating,
    after_user_message,
    escalation_deadline,
)
from bot.reports.ticket_ops import display_name
from bot.runtime import Services
from bot.text.i18n import localize, t
from bot.text.language import content_lang


async def my_tickets(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mytickets: the user's reports with their status."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    lang = user_lang(update, context)
    svc = services(context)
    rows = tickets.for_user(svc.engine, user_id=user.id)
    requests = joins.for_user(svc.engine, user_id=user.id)
    if not rows and not requests:
        await message.reply_text(t("my_tickets_none", lang))
        return
    cl = content_lang(lang)
    lines = [t("my_tickets", lang)] if rows else []
    for row in rows[:30]:
        status = localize(STATUS_LABELS[Status(row.status)].get(cl), lang)
        queue = notify.queue_name(svc.faq.current.federation, row.queue_id, lang)
        lines.append(f"#{row.id} · {html.escape(status)} · {html.escape(queue)} · {row.created_at:%Y-%m-%d}")
    if requests:
        lines += ["", t("my_joins", lang)] if lines else [t("my_joins", lang)]
    directory = svc.faq.current.directory
    for request in requests[:30]:
        association = directory.by_id.get(request.association_id)
        name = localize(association.name.get(cl), lang) if association else request.association_id
        status = t(f"join_status_{request.status}", lang)
        lines.append(f"J{request.id} · {status} · {html.escape(name)} · {request.created_at:%Y-%m-%d}")
    for part in split_message("\n".join(lines)):
        await message.reply_text(part)


async def on_thread_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A private message while one of the user's tickets waits for them joins that ticket."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not (message.text or message.caption or message.photo or message.document):
        return
    svc = services(context)
    ticket = _replied_ticket(svc, message) or tickets.waiting_for_user(svc.engine, user_id=user.id)
    if ticket is None or ticket.id is None or ticket.user_id != user.id:
        return
    if tickets.handled(svc.engine, source=update.update_id):
        raise ApplicationHandlerStop  # replayed after a crash: it is in the thread already
    msg_ticket = ticket.id
    text = (message.text or message.caption or "").strip()
    attachments = _attachments(message)
    msg = tickets.add_message(svc.engine, ticket_id=ticket.id, direction="in", author_id=user.id,
                              author_name=display_name(user), text=text, attachments=attachments)  # fmt: skip
    ticket, _ = tickets.change(svc.engine, ticket_id=ticket.id, action="user_message", actor_id=user.id,
                               status=after_user_message(Status(ticket.status)), detail=f"message {msg}",
                               source=update.update_id)  # fmt: skip
    federation = svc.faq.current.federation
    notify.to_staff(svc.engine, federation, ticket, "user_wrote", f"in:{msg}", text=text or "📎")
    target = notify.responsible_chat(svc.engine, federation, ticket.queue_id)
    if target is not None:
        notify.forward_attachments(svc.engine, target[0], msg_ticket, attachments, f"in:{msg}")
    svc.wake_delivery()
    await message.reply_text(t("thread_added", user_lang(update, context, text), id=ticket.id))
    raise ApplicationHandlerStop


def _replied_ticket(svc: Services, message: Message) -> Ticket | None:
    """A Telegram reply to one of the bot's messages about an open ticket joins that ticket."""
    if message.reply_to_message is None:
        return None
    ticket_id = tickets.ticket_for_post(
        svc.engine, chat_id=message.chat_id, message_id=message.reply_to_message.message_id
    )
    ticket = tickets.get(svc.engine, ticket_id=ticket_id) if ticket_id is not None else None
    return ticket if ticket is not None and ticket.status in OPEN else None


def _attachments(message: Message) -> list[dict[str, str]]:
    if message.photo:
        return [{"type": "photo", "file_id": message.photo[-1].file_id}]
    if message.document:
        return [{"type": "document", "file_id": message.document.file_id}]
    return []


async def on_rating(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Rating buttons rt:N:stars — only the reporter, only once, only after resolution."""
    query = update.callback_query
    if query is None:
        return
    parts = (query.data or "").split(":")
    svc = services(context)
    ticket = tickets.get(svc.engine, ticket_id=int(parts[1])) if len(parts) == 3 and parts[1].isdigit() else None
    if ticket is None or ticket.id is None or ticket.user_id != query.from_user.id or ticket.status != Status.RESOLVED:
        await query.answer()
        return
    try:
        stars = int(parts[2])
        status = after_rating(stars)
    except (ValueError, RuleError):
        await query.answer()
        return
    lang = notify.user_lang(ticket)
    federation = svc.faq.current.federation
    queue = federation.by_id.get(ticket.queue_id)
    deadline = escalation_deadline(utcnow(), queue.sla_hours) if status is Status.REOPENED and queue else None
    ticket, event = tickets.change(
        svc.engine,
        ticket_id=ticket.id,
        action="rate",
        actor_id=query.from_user.id,
        status=status,
        rating=stars,
        escalate_at=deadline,
        detail=f"{stars} stars",
    )
    notify.refresh_cards(svc.engine, federation, ticket, f"ev{event}")
    key = "reopened" if status is Status.REOPENED else "rated_staff"
    notify.to_staff(svc.engine, federation, ticket, key, f"ev:{event}", stars=stars)
    if status is Status.REOPENED:
        notify.post_card(svc.engine, federation, ticket, reason=f"ev{event}")
    svc.wake_delivery()
    await query.answer(t("rated", lang))
    await query.edit_message_reply_markup(reply_markup=None)
    if status is Status.REOPENED and isinstance(query.message, Message):
        await query.message.reply_text(t("rated_reopened", lang, id=ticket.id))
