"""Staff in Telegram groups: /queue, /ticket, /claim, /reply, /transfer, /resolve, /note, the card
buttons, and Telegram replies to the bot's posts. Permission is the service's business."""

from __future__ import annotations

import html
import re

from telegram import Message as TgMessage
from telegram import Update

from bot.messaging.callbacks import TicketAction
from bot.messaging.context import BotContext, answer
from bot.messaging.markup import button, inline
from bot.messaging.outbox import Message
from bot.messaging.render import split_message
from bot.reports import notify, service
from bot.reports.rules import STAFF_STATUS_LABELS, Action, Status
from bot.text.i18n import t

STAFF = notify.STAFF_LANG
USAGE = {
    "ticket": "/ticket N",
    "claim": "/claim N",
    "reply": "/reply N 回复内容",
    "transfer": "/transfer N queue-id",
    "resolve": "/resolve N [说明]",
    "note": "/note N 备注",
}
ACTIONS = {
    "claim": Action.CLAIM,
    "reply": Action.REPLY,
    "transfer": Action.TRANSFER,
    "resolve": Action.RESOLVE,
    "note": Action.NOTE,
    "ticket": Action.VIEW,
}
BUTTON_ACTIONS = {"claim": Action.CLAIM, "resolve": Action.RESOLVE, "to": Action.TRANSFER}
TICKET_NUMBER = re.compile(r"#?([0-9]{1,18})")  # ASCII digits only, well inside 64 bits


def parse_ticket_number(text: str) -> int | None:
    match = TICKET_NUMBER.fullmatch(text.strip())
    return int(match.group(1)) if match else None


async def queue(update: Update, context: BotContext) -> None:
    """/queue: the open tickets of this group's own queue (members only)."""
    message, turn = update.effective_message, context.turn
    if message is None or update.effective_user is None:
        return
    listing = await turn.run(service.group_queue, turn.actor(update))
    chat = message.chat_id
    if listing.queue_id is None:
        turn.reply(chat, t("not_bound", STAFF))
        return
    if not listing.allowed:
        turn.reply(chat, t("staff_only", STAFF))
        return
    name = notify.queue_name(turn.env.content.federation, listing.queue_id, STAFF)
    if not listing.tickets:
        turn.reply(chat, t("queue_empty", STAFF, queue=name))
        return
    lines = [t("queue_list", STAFF, queue=name)]
    federation = turn.env.content.federation
    for row in listing.tickets:
        status = STAFF_STATUS_LABELS[Status(row.status)].zh
        where = "" if row.queue_id == listing.queue_id else f" · {notify.queue_name(federation, row.queue_id, STAFF)}"
        due = notify.due_beijing(row)
        when = f" · ⏰ {due:%m-%d %H:%M}" if due else ""  # claim by (Beijing time)
        lines.append(
            f"#{row.id} · {html.escape(status)}{html.escape(where)}{when} · {html.escape(row.place)} · "
            f"{html.escape(row.description[:60])}"
        )
    for part in split_message("\n".join(lines)):
        turn.reply(chat, part)


async def command(update: Update, context: BotContext) -> None:
    """/ticket /claim /reply /transfer /resolve /note N …"""
    message = update.effective_message
    if message is None or update.effective_user is None or not message.text:
        return
    name = message.text.split()[0].lstrip("/").split("@")[0].lower()
    parts = message.text.split(maxsplit=2)
    number = parse_ticket_number(parts[1]) if len(parts) > 1 else None
    if number is None:
        context.turn.reply(message.chat_id, t("usage", STAFF, usage=USAGE[name]))
        return
    await act(update, context, ACTIONS[name], number, parts[2] if len(parts) > 2 else "")


async def act(update: Update, context: BotContext, action: Action, ticket_id: int, rest: str) -> None:
    """One action through the service; refusals say nothing about the ticket."""
    message, turn = update.effective_message, context.turn
    if message is None:
        return
    chat = message.chat_id
    actor = turn.actor(update)
    if action is Action.VIEW:
        shown = await turn.run(service.view, actor, ticket_id)
        if shown is None:
            turn.reply(chat, t("not_available", STAFF, id=ticket_id))
            return
        lines = [notify.card_text(shown.ticket, turn.env.content.federation), "", t("ticket_detail_thread", STAFF)]
        for row in shown.thread:
            arrow = {"in": "⬅️", "out": "➡️", "note": "📝"}.get(row.direction, "·")
            lines.append(f"{arrow} {row.created_at:%m-%d %H:%M} {html.escape(row.text)}")
        for part in split_message("\n".join(lines)):
            turn.reply(chat, part)
        return
    if action is Action.TRANSFER and not rest.strip():
        turn.reply(chat, t("usage", STAFF, usage=USAGE["transfer"]))
        return
    target = rest.strip().split()[0] if rest.strip() else ""
    outcome = await turn.run(service.act, actor, action, ticket_id, text=rest, target=target)
    turn.reply(chat, outcome.text())


async def on_button(update: Update, context: BotContext) -> None:
    """Card buttons: tk:claim:N, tk:resolve:N, tk:transfer:N, tk:to:N:queue."""
    query, turn = update.callback_query, context.turn
    if query is None or not isinstance(query.message, TgMessage):
        return
    pressed = TicketAction.decode(query.data)
    if pressed is None or (pressed.verb != "transfer" and pressed.verb not in BUTTON_ACTIONS):
        await answer(query)
        return
    chat = query.message.chat.id
    actor = turn.actor(update)
    if pressed.verb == "transfer":
        choices = await turn.run(service.transfer_choices, actor, pressed.ticket)
        if choices is None:
            await answer(query, t("not_available", STAFF, id=pressed.ticket), alert=True)
            return
        await answer(query)
        federation = turn.env.content.federation
        rows = [
            [button(notify.queue_name(federation, q.id, STAFF), TicketAction("to", pressed.ticket, q.id))]
            for q in choices
        ]
        turn.reply(chat, t("choose_queue", STAFF, id=pressed.ticket), inline(rows))
        return
    outcome = await turn.run(service.act, actor, BUTTON_ACTIONS[pressed.verb], pressed.ticket, target=pressed.queue)
    if outcome.key == "not_available":
        await answer(query, outcome.text(), alert=True)
        return
    await answer(query, outcome.text())
    turn.reply(chat, outcome.text())
    if pressed.verb == "to" and outcome.ok:  # the list of queues has served
        turn.send(Message.edit_markup(chat, query.message.message_id))


async def on_reply(update: Update, context: BotContext) -> None:
    """A Telegram reply (in a group) to a ticket card or relayed message: the text goes to the user."""
    message, turn = update.effective_message, context.turn
    if message is None or message.reply_to_message is None or not message.text:
        return
    ticket_id = await turn.run(service.ticket_of_post, message.chat_id, message.reply_to_message.message_id)
    if ticket_id is not None:
        await act(update, context, Action.REPLY, ticket_id, message.text)
