"""/find, shared locations, association details, the join form, officers deciding."""

from __future__ import annotations

from telegram import Message as TgMessage
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.directory import render, service
from bot.messaging.callbacks import AssociationDetails, FindMore, JoinConsent, JoinDecision, JoinStart
from bot.messaging.context import BotContext, answer
from bot.messaging.markup import REMOVE_KEYBOARD, button, inline, request_location
from bot.messaging.outbox import Message
from bot.messaging.pipeline import Turn
from bot.text.i18n import t
from bot.text.language import UiLang
from bot.text.script import has_cjk

RESULTS = service.RESULTS
STAFF: UiLang = service.STAFF
VERDICT_KEYS = {"approved": "verdict_approved", "declined": "verdict_declined"}


async def find(update: Update, context: BotContext) -> None:
    """/find <place>, or /find alone: ask for a place or a location (for the next message only)."""
    message, turn = update.effective_message, context.turn
    if message is None or update.effective_user is None:
        return
    place = " ".join(context.args or []).strip()
    # A Chinese place name tells the script; a Latin one (kuala lumpur) says nothing about the reader.
    lang = await turn.lang(update, place if has_cjk(place) else None)
    if place:
        show_results(turn, message.chat_id, service.find(turn.env, place), lang)
        return
    await turn.run(service.wait_for_place, turn.actor(update))
    turn.reply(message.chat_id, t("find_ask", lang), request_location(t("share_location", lang)))


async def on_place_text(update: Update, context: BotContext) -> None:
    """The message right after a bare /find is the place (whatever it is, the wait ends)."""
    message, turn = update.effective_message, context.turn
    if message is None or not message.text or update.effective_user is None:
        return
    if "find" not in await turn.conversations(update.effective_user.id):
        return
    found = await turn.run(service.place_typed, turn.actor(update), message.text)
    if found is None:
        return
    lang = await turn.lang(update, message.text if has_cjk(message.text) else None)
    show_results(turn, message.chat_id, found, lang)
    raise ApplicationHandlerStop


async def stop_waiting(update: Update, context: BotContext) -> None:
    """Any other command ends the wait for a place (/cancel says so itself)."""
    message = update.effective_message
    command = (message.text or "").split(maxsplit=1)[0].split("@")[0] if message and message.text else ""
    if command == "/cancel" or update.effective_user is None:
        return
    if "find" in await context.turn.conversations(update.effective_user.id):
        await context.turn.run(service.stop_waiting, context.turn.actor(update))


def show_results(turn: Turn, chat: int, found: service.Found, lang: UiLang, offset: int = 0) -> None:
    """One page of what /find found (with a "more" button), or a polite "no place recognised"."""
    directory = turn.env.content.directory
    shown = found.page(offset)
    if not shown:
        turn.reply(chat, render.nothing_found(found, lang), REMOVE_KEYBOARD)
        return
    if offset == 0:
        turn.reply(chat, render.found_header(found, lang), REMOVE_KEYBOARD)
    for distance, association in shown:
        turn.reply(chat, render.result(directory, association, lang, distance), render.buttons(association, lang))
    following = found.more_after(offset)
    if following is not None and found.target is not None:
        kind, a, b = found.target
        more = FindMore(following, kind, a, b)
        text = t("find_more", lang, first=offset + 1, last=offset + len(shown), total=len(found.associations))
        turn.reply(chat, text, inline([[button(t("more_button", lang), more)]]))


async def on_more(update: Update, context: BotContext) -> None:
    """Button fm:…: the next page of a /find."""
    query, turn = update.callback_query, context.turn
    if query is None or not isinstance(query.message, TgMessage):
        return
    await answer(query)
    pressed = FindMore.decode(query.data)
    lang = await turn.lang(update)
    if pressed is None:
        return
    chat = query.message.chat.id
    turn.send(Message.edit_markup(chat, query.message.message_id))
    show_results(turn, chat, service.page(turn.env, pressed.kind, pressed.a, pressed.b), lang, pressed.offset)


async def on_location(update: Update, context: BotContext) -> None:
    """A shared location: the nearest associations with distances (paged)."""
    message, turn = update.effective_message, context.turn
    if message is None or message.location is None or update.effective_user is None:
        return
    if "find" in await turn.conversations(update.effective_user.id):
        await turn.run(service.stop_waiting, turn.actor(update))
    lang = await turn.lang(update)
    found = service.page(turn.env, "p", f"{message.location.latitude:.2f}", f"{message.location.longitude:.2f}")
    show_results(turn, message.chat_id, found, lang)


async def on_details(update: Update, context: BotContext) -> None:
    """Button d:<id>: everything about one association."""
    query, turn = update.callback_query, context.turn
    if query is None or not isinstance(query.message, TgMessage):
        return
    await answer(query)
    lang = await turn.lang(update)
    directory = turn.env.content.directory
    pressed = AssociationDetails.decode(query.data)
    association = directory.by_id.get(pressed.association) if pressed else None
    chat = query.message.chat.id
    if association is None:
        turn.reply(chat, t("answer_gone", lang))
        return
    turn.reply(chat, render.details(directory, association, lang), render.buttons(association, lang))


async def on_join(update: Update, context: BotContext) -> None:
    """Button j:<id>: start the join form."""
    query, turn = update.callback_query, context.turn
    if query is None or not isinstance(query.message, TgMessage):
        return
    await answer(query)
    lang = await turn.lang(update)
    pressed = JoinStart.decode(query.data)
    reply = await turn.run(service.start_join, turn.actor(update), pressed.association if pressed else "", lang=lang)
    turn.reply(query.message.chat.id, reply.text, reply.markup)


async def on_form_message(update: Update, context: BotContext) -> None:
    """Answers to the join form: name → contact → a line about oneself → consent."""
    message, turn = update.effective_message, context.turn
    if message is None or update.effective_user is None:
        return
    if "join" not in await turn.conversations(update.effective_user.id):
        return
    text = message.text or (message.contact.phone_number if message.contact else "") or ""
    reply = await turn.run(service.join_input, turn.actor(update), text)
    if reply is None:
        return
    turn.reply(message.chat_id, reply.text, reply.markup)
    raise ApplicationHandlerStop


async def on_consent(update: Update, context: BotContext) -> None:
    """jc:ok:<form> sends the request (once); jc:x:<form> drops it."""
    query, turn = update.callback_query, context.turn
    if query is None or not isinstance(query.message, TgMessage):
        return
    await answer(query)
    pressed = JoinConsent.decode(query.data)
    if pressed is None:
        return
    chat = query.message.chat.id
    done = await turn.run(service.consent, turn.actor(update), pressed.form, pressed.verdict == "ok")
    if done.replies or done.request is not None:
        turn.send(Message.edit_markup(chat, query.message.message_id))
    for reply in done.replies:
        turn.reply(chat, reply.text, reply.markup)


async def pending_joins(update: Update, context: BotContext) -> None:
    """/joins (admins): the pending join requests, to approve or decline from a private chat."""
    message, turn = update.effective_message, context.turn
    if message is None or update.effective_user is None:
        return
    cards = await turn.run(service.pending_for_admin, turn.actor(update))
    if cards is None:
        turn.reply(message.chat_id, t("admins_only", await turn.lang(update)))
        return
    if not cards:
        turn.reply(message.chat_id, t("joins_none", STAFF))
    for card in cards:
        turn.reply(message.chat_id, card.text, card.markup)


async def on_decision(update: Update, context: BotContext) -> None:
    """jr:ok:N / jr:no:N — members of the group the request was sent to, or admins."""
    query, turn = update.callback_query, context.turn
    if query is None or not isinstance(query.message, TgMessage):
        return
    pressed = JoinDecision.decode(query.data)
    if pressed is None or pressed.verdict not in ("ok", "no"):
        await answer(query)
        return
    actor = turn.actor(update)
    decision = await turn.run(service.decide, actor, pressed.request, pressed.verdict == "ok")
    if not decision.ok:
        await answer(query, t(decision.key, STAFF), alert=decision.key == "officer_only")
        return
    await answer(query)
    chat = query.message.chat.id
    request = decision.request
    assert request is not None
    turn.send(Message.edit_markup(chat, query.message.message_id))
    verdict = t(VERDICT_KEYS[request.status], STAFF)
    turn.reply(chat, t("officer_done", STAFF, actor=actor.label, verdict=verdict, id=request.id))
