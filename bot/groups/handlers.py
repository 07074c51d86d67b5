"""/bind and /unbind (admins, in the staff group)."""

from __future__ import annotations

from telegram import Update

from bot.groups import service
from bot.messaging.context import BotContext
from bot.reports.notify import STAFF_LANG
from bot.text.i18n import t


async def bind(update: Update, context: BotContext) -> None:
    """/bind <queue-id> | association:<id>: this group now works that queue."""
    message, turn = update.effective_message, context.turn
    if message is None or update.effective_user is None:
        return
    target = context.args[0] if context.args else ""
    bound = await turn.run(service.bind, turn.actor(update), target)
    if bound.key == "unknown_queue":
        known = ", ".join(q.id for q in turn.env.content.federation.queues) + ", association:<id>"
        text = t("unknown_queue", STAFF_LANG, queue=bound.target, queues=known)
    else:
        text = t(bound.key, STAFF_LANG, queue=bound.name, association=bound.name, id=bound.target)
    turn.reply(message.chat_id, text)


async def unbind(update: Update, context: BotContext) -> None:
    """/unbind: release this group from its queue."""
    message, turn = update.effective_message, context.turn
    if message is None or update.effective_user is None:
        return
    unbound = await turn.run(service.unbind, turn.actor(update))
    turn.reply(message.chat_id, t(unbound.key, STAFF_LANG, queue=unbound.name))
