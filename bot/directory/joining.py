"""Asking to join an association: the short form with consent, and its officers deciding."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.db.ticket_tables import JoinRequest
from bot.directory import joins, render
from bot.directory.model import Association
from bot.messaging import outbox
from bot.messaging.context import services, user_lang
from bot.reports import drafts, notify
from bot.reports.ticket_ops import display_name, is_member
from bot.runtime import Services
from bot.text.i18n import t
from bot.text.language import UiLang, parse


async def on_join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Button j:<id>: start the join form."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    await query.answer()
    svc = services(context)
    lang = user_lang(update, context)
    association = svc.faq.current.directory.by_id.get((query.data or "").partition(":")[2])
    if association is None or not association.joins_by_request:
        await query.message.reply_text(t("answer_gone", lang))
        return
    drafts.delete_draft(svc.engine, user_id=user.id)  # one form at a time
    joins.start(
        svc.engine, user_id=user.id, chat_id=query.message.chat.id, association_id=association.id, language=lang
    )
    await query.message.reply_text(t("join_ask_name", lang, association=render.name(association, lang)))


async def on_form_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers to the join form: name → contact → a line about oneself → consent."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    svc = services(context)
    row = joins.draft_of(svc.engine, user_id=user.id)
    if row is None:
        return
    if row.last_update is not None and update.update_id <= row.last_update:
        raise ApplicationHandlerStop  # replayed after a crash: this answer was stored already
    row.last_update = update.update_id
    lang: UiLang = parse(row.language) or "zh-Hans"
    text = (message.text or (message.contact.phone_number if message.contact else "") or "").strip()
    association = svc.faq.current.directory.by_id.get(row.association_id)
    if association is None:
        joins.discard(svc.engine, user_id=user.id)
        await message.reply_text(t("answer_gone", lang))
        raise ApplicationHandlerStop
    if not text:
        await message.reply_text(t("join_text_please", lang))
        raise ApplicationHandlerStop
    if not row.name:
        row.name = text[:128]
        reply = t("join_ask_contact", lang)
    elif not row.contact:
        row.contact = text[:128]
        reply = t("join_ask_about", lang)
    else:
        row.about = text[:500]
        reply = ""
    joins.save(svc.engine, row=row)
    if reply:
        await message.reply_text(reply)
    else:
        await message.reply_text(_consent_text(row, association, lang), reply_markup=_consent_buttons(row, lang))
    raise ApplicationHandlerStop


def _consent_text(row: JoinRequest, association: Association, lang: UiLang) -> str:
    return t("join_consent", lang, association=render.name(association, lang), name=row.name, contact=row.contact,
             about=row.about)  # fmt: skip


def _consent_buttons(row: JoinRequest, lang: UiLang) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t("join_send", lang), callback_data=f"jc:ok:{row.id}"),
        InlineKeyboardButton(t("cancel_button", lang), callback_data=f"jc:x:{row.id}"),
    ]])  # fmt: skip


async def on_consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """jc:ok:N sends the request (once); jc:x:N drops it."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    await query.answer()
    parts = (query.data or "").split(":")
    svc = services(context)
    row = joins.get(svc.engine, request_id=int(parts[2])) if len(parts) == 3 and parts[2].isdigit() else None
    if row is None or row.id is None or row.user_id != user.id:
        return
    lang: UiLang = parse(row.language) or "zh-Hans"
    await query.edit_message_reply_markup(reply_markup=None)
    if row.status != "draft" and parts[1] != "ok":
        await query.message.reply_text(t("join_already_sent", lang, id=row.id))
        return
    if parts[1] != "ok":
        joins.discard(svc.engine, user_id=user.id)
        await query.message.reply_text(t("join_cancelled", lang))
        return
    sent = joins.submit(svc.engine, request_id=row.id)
    if sent is None or sent.id is None:
        return
    send_to_officers(svc, sent)
    notify.to_chat(svc.engine, sent.chat_id, t("join_sent", lang, id=sent.id), f"join:{sent.id}:sent")
    svc.wake_delivery()


def officers_chat(svc: Services, association_id: str) -> int | None:
    """The association's own officer group, or else the liaison department's."""
    chat = drafts.chat_of_queue(svc.engine, queue_id=f"association:{association_id}")
    if chat is not None:
        return chat
    target = notify.responsible_chat(svc.engine, svc.faq.current.federation, "liaison")
    return target[0] if target else None


def send_to_officers(svc: Services, row: JoinRequest) -> None:
    """Queue the request's card for its officers; with no group bound yet it waits for /bind."""
    association = svc.faq.current.directory.by_id.get(row.association_id)
    chat = officers_chat(svc, row.association_id)
    if association is None or chat is None or row.id is None:
        return
    joins.mark_sent_to(svc.engine, request_id=row.id, chat_id=chat)
    lang: UiLang = notify.STAFF_LANG
    text = t("officer_card", lang, id=row.id, association=render.name(association, lang), name=row.name,
             contact=row.contact, about=row.about)  # fmt: skip
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(t("approve_button", lang), callback_data=f"jr:ok:{row.id}"),
        InlineKeyboardButton(t("decline_button", lang), callback_data=f"jr:no:{row.id}"),
    ]]).to_dict()  # fmt: skip
    outbox.enqueue(svc.engine, dedupe_key=f"join:{row.id}:officers", chat_id=chat, text=text, reply_markup=markup)


async def on_decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """jr:ok:N / jr:no:N — only members of the chat the request was sent to (or admins) decide."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    parts = (query.data or "").split(":")
    svc = services(context)
    row = joins.get(svc.engine, request_id=int(parts[2])) if len(parts) == 3 and parts[2].isdigit() else None
    chat = row.sent_to if row else None  # the group its card went to decides it
    user = query.from_user
    allowed = (
        row is not None
        and chat == query.message.chat.id
        and (svc.is_admin(user.id) or await is_member(context.bot, chat, user.id))
    )
    staff: UiLang = notify.STAFF_LANG
    if not allowed or row is None or row.id is None:
        await query.answer(t("officer_only", staff), show_alert=True)
        return
    decided = joins.decide(svc.engine, request_id=row.id, approve=parts[1] == "ok", by=user.id)
    if decided is None:
        current = joins.get(svc.engine, request_id=row.id)
        if current is not None and current.status in ("approved", "declined"):
            tell_applicant(svc, current)  # a replay after a crash: the notice is queued once (dedupe)
            svc.wake_delivery()
        await query.answer(t("already_decided", staff))
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    verdict = t(f"verdict_{decided.status}", staff)
    await query.message.reply_text(t("officer_done", staff, actor=display_name(user), verdict=verdict, id=decided.id))
    tell_applicant(svc, decided)
    svc.wake_delivery()


def tell_applicant(svc: Services, row: JoinRequest) -> None:
    association = svc.faq.current.directory.by_id.get(row.association_id)
    if association is None or row.id is None:
        return
    lang: UiLang = parse(row.language) or "zh-Hans"
    name = render.name(association, lang)
    own = drafts.chat_of_queue(svc.engine, queue_id=f"association:{association.id}")
    by_liaison = own is None or own != row.sent_to  # decided by the federation's liaison department
    if row.status == "approved":
        how = t("join_how_contacts", lang, contacts="{contacts}").replace("{contacts}", render.contacts(association))
        key = "join_approved_liaison" if by_liaison else "join_approved"
        text = t(key, lang, association=name, id=row.id, how="{how}").replace("{how}", how)
    else:
        text = t("join_declined_liaison" if by_liaison else "join_declined", lang, association=name, id=row.id)
    notify.to_chat(svc.engine, row.chat_id, text, f"join:{row.id}:{row.status}")


def post_pending(svc: Services, chat_id: int) -> int:
    """After a /bind: send this group the join requests that were waiting for one."""
    posted = 0
    for row in joins.unsent(svc.engine):
        if officers_chat(svc, row.association_id) == chat_id:
            send_to_officers(svc, row)
            posted += 1
    return posted
