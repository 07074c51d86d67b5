"""Staff groups: /bind, /queue, /ticket, /claim, /reply, /transfer, /resolve, /note, card buttons,
and Telegram replies to the bot's posts. Permission is checked with Telegram on every action."""

from __future__ import annotations

import html

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.ext import ContextTypes

from bot.directory import joining
from bot.messaging.context import services
from bot.messaging.render import split_message
from bot.reports import drafts, notify, tickets
from bot.reports import ticket_ops as ops
from bot.reports.rules import STAFF_STATUS_LABELS, Action, Status
from bot.runtime import Services
from bot.text.i18n import t

STAFF = notify.STAFF_LANG
USAGE = {
    "ticket": "/ticket N", "claim": "/claim N", "reply": "/reply N 回复内容", "transfer": "/transfer N queue-id",
    "resolve": "/resolve N [说明]", "note": "/note N 备注",
}  # fmt: skip
ACTIONS = {"claim": Action.CLAIM, "reply": Action.REPLY, "transfer": Action.TRANSFER, "resolve": Action.RESOLVE,
           "note": Action.NOTE, "ticket": Action.VIEW}  # fmt: skip


async def _admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[Message, User, Chat, Services] | None:
    """The message, its author, chat and the services — if the author is an admin (else say so)."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return None
    svc = services(context)
    if not svc.is_admin(user.id):
        await message.reply_text(t("admins_only", STAFF))
        return None
    return message, user, chat, svc


async def bind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/bind <queue-id> (admins, in the staff group): this group now works that queue."""
    found = await _admin(update, context)
    if found is None:
        return
    message, user, chat, svc = found
    if chat.type == Chat.PRIVATE:
        await message.reply_text(t("group_only", STAFF))
        return
    federation = svc.faq.current.federation
    queue_id = context.args[0].strip().lower() if context.args else ""
    association = svc.faq.current.directory.by_id.get(queue_id.removeprefix("association:"))
    if queue_id.startswith("association:") and association is not None:
        name = association.name.zh
    elif queue_id in federation.by_id:
        name = notify.queue_name(federation, queue_id, STAFF)
    else:
        known = ", ".join(q.id for q in federation.queues) + ", association:<id>"
        await message.reply_text(t("unknown_queue", STAFF, queue=queue_id or "?", queues=known))
        return
    drafts.bind(svc.engine, queue_id=queue_id, chat_id=chat.id, bound_by=user.id)
    if association is not None and queue_id.startswith("association:"):
        await message.reply_text(t("bound_association", STAFF, association=name, id=queue_id))
    else:
        await message.reply_text(t("bound", STAFF, queue=name, id=queue_id))
    # What arrived while no group was bound now reaches this one.
    notify.post_missing_cards(svc.engine, federation, chat.id, list(tickets.listing(svc.engine, open_only=True)))
    joining.post_pending(svc, chat.id)
    svc.wake_delivery()


async def unbind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unbind (admins): release this group from its queue."""
    found = await _admin(update, context)
    if found is None:
        return
    message, _, chat, svc = found
    queue_id = drafts.unbind(svc.engine, chat_id=chat.id)
    federation = svc.faq.current.federation
    text = (
        t("unbound", STAFF, queue=notify.queue_name(federation, queue_id, STAFF)) if queue_id else t("not_bound", STAFF)
    )
    await message.reply_text(text)


async def queue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/queue: the open tickets of this group's queue (members only)."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    svc = services(context)
    queue_id = drafts.queue_of_chat(svc.engine, chat_id=chat.id)
    if queue_id is None:
        await message.reply_text(t("not_bound", STAFF))
        return
    if not (svc.is_admin(user.id) or await ops.is_member(context.bot, chat.id, user.id)):
        await message.reply_text(t("staff_only", STAFF))
        return
    federation = svc.faq.current.federation
    name = notify.queue_name(federation, queue_id, STAFF)
    rows = tickets.open_in_queue(svc.engine, queue_id=queue_id)
    if not rows:
        await message.reply_text(t("queue_empty", STAFF, queue=name))
        return
    lines = [t("queue_list", STAFF, queue=name)]
    for row in rows:
        status = STAFF_STATUS_LABELS[Status(row.status)].zh
        lines.append(f"#{row.id} · {html.escape(status)} · {html.escape(row.place)} · "
                     f"{html.escape(row.description[:60])}")  # fmt: skip
    for part in split_message("\n".join(lines)):
        await message.reply_text(part)


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ticket /claim /reply /transfer /resolve /note N …"""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None or not message.text:
        return
    name = message.text.split()[0].lstrip("/").split("@")[0].lower()
    parts = message.text.split(maxsplit=2)
    if len(parts) < 2 or not parts[1].lstrip("#").isdigit():
        await message.reply_text(t("usage", STAFF, usage=USAGE[name]))
        return
    rest = parts[2] if len(parts) > 2 else ""
    await act(update, context, ACTIONS[name], int(parts[1].lstrip("#")), rest)


async def act(update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action, ticket_id: int, rest: str) -> None:
    """Authorise, then do one action; refusals say nothing about the ticket."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    svc = services(context)
    ticket = await ops.authorize(svc, context.bot, ticket_id, user, chat)
    if ticket is None:
        await message.reply_text(t("not_available", STAFF, id=ticket_id))
        return
    if action is Action.VIEW:
        await _show(message, svc, ticket.id or ticket_id)
        return
    if action is Action.TRANSFER and not rest.strip():
        await message.reply_text(t("usage", STAFF, usage=USAGE["transfer"]))
        return
    target = rest.strip().split()[0] if rest.strip() else ""
    outcome = ops.apply(svc, ticket, action, user, text=rest, target=target, source=update.update_id, from_chat=chat.id)
    svc.wake_delivery()
    await message.reply_text(outcome.text)


async def _show(message: Message, svc: Services, ticket_id: int) -> None:
    ticket = tickets.get(svc.engine, ticket_id=ticket_id)
    assert ticket is not None
    lines = [notify.card_text(ticket, svc.faq.current.federation), "", t("ticket_detail_thread", STAFF)]
    for row in tickets.thread(svc.engine, ticket_id=ticket_id):
        arrow = {"in": "⬅️", "out": "➡️", "note": "📝"}.get(row.direction, "·")
        lines.append(f"{arrow} {row.created_at:%m-%d %H:%M} {html.escape(row.text[:500])}")
    for part in split_message("\n".join(lines)):
        await message.reply_text(part)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Card buttons: tk:claim:N, tk:resolve:N, tk:transfer:N, tk:to:N:queue."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    parts = (query.data or "").split(":")
    if len(parts) < 3 or not parts[2].isdigit():
        await query.answer()
        return
    verb, ticket_id = parts[1], int(parts[2])
    svc = services(context)
    ticket = await ops.authorize(svc, context.bot, ticket_id, query.from_user, query.message.chat)
    if ticket is None:
        await query.answer(t("not_available", STAFF, id=ticket_id), show_alert=True)
        return
    if verb == "transfer":
        await query.answer()
        buttons = _queue_buttons(svc, ticket_id, ticket.queue_id)
        await query.message.reply_text(t("choose_queue", STAFF, id=ticket_id), reply_markup=buttons)
        return
    action = {"claim": Action.CLAIM, "resolve": Action.RESOLVE, "to": Action.TRANSFER}.get(verb)
    if action is None:
        await query.answer()
        return
    outcome = ops.apply(svc, ticket, action, query.from_user, target=parts[3] if len(parts) > 3 else "",
                        source=update.update_id, from_chat=query.message.chat.id)  # fmt: skip
    svc.wake_delivery()
    await query.answer(outcome.text[:190])
    await query.message.reply_text(outcome.text)


def _queue_buttons(svc: Services, ticket_id: int, current: str) -> InlineKeyboardMarkup:
    federation = svc.faq.current.federation
    rows = [
        [InlineKeyboardButton(notify.queue_name(federation, q.id, STAFF), callback_data=f"tk:to:{ticket_id}:{q.id}")]
        for q in federation.queues
        if q.id != current
    ]
    return InlineKeyboardMarkup(rows)


async def on_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A Telegram reply to a ticket card or relayed message: send the text to the user."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    svc = services(context)
    ticket_id = tickets.ticket_for_post(svc.engine, chat_id=message.chat_id,
                                        message_id=message.reply_to_message.message_id)  # fmt: skip
    if ticket_id is not None:
        await act(update, context, Action.REPLY, ticket_id, message.text)
