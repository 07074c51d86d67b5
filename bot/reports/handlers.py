"""/report: the report conversation, driven by the stored draft so it survives restarts."""

from __future__ import annotations

from datetime import timedelta

from telegram import Message, ReplyKeyboardRemove, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.content.live import Snapshot
from bot.db import repo
from bot.db.models import utcnow
from bot.db.ticket_tables import ReportDraft
from bot.directory import handlers as directory
from bot.directory import joins
from bot.messaging.context import services, user_lang
from bot.reports import drafts, notify, tickets
from bot.reports import report_flow as flow
from bot.reports.report_flow import Reply, StepResult
from bot.reports.rules import escalation_deadline
from bot.reports.ticket_ops import display_name
from bot.runtime import Services
from bot.text.i18n import t
from bot.text.language import UiLang, parse

DRAFT_TTL = timedelta(hours=6)


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/report: start a new report (after the privacy notice, the first time)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    lang = user_lang(update, context)
    svc = services(context)
    joins.discard(svc.engine, user_id=user.id)  # one form at a time
    directory.stop_waiting_for_place(context)
    stored = repo.get_user(svc.engine, user_id=user.id)
    agreed = stored is not None and stored.privacy_ack_at is not None
    drafts.start_draft(svc.engine, user_id=user.id, chat_id=message.chat_id, language=lang,
                       step="place" if agreed else "privacy")  # fmt: skip
    await _send(message, [flow.ask_place(lang)] if agreed else [flow.privacy(lang)])


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any private message while a report is being written goes to the current step."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    svc = services(context)
    draft = drafts.get_draft(svc.engine, user_id=user.id)
    if draft is None:
        return
    if utcnow() - draft.updated_at > DRAFT_TTL:
        drafts.delete_draft(svc.engine, user_id=user.id)  # abandoned long ago: this is something else
        return
    if draft.last_update is not None and update.update_id <= draft.last_update:
        raise ApplicationHandlerStop  # replayed after a crash: this step was applied already
    lang: UiLang = parse(draft.language) or "zh-Hans"
    text = (message.text or message.caption or "").strip()
    if flow.is_word(text, flow.CANCEL_WORDS):
        drafts.delete_draft(svc.engine, user_id=user.id)
        await message.reply_text(t("report_cancelled", lang), reply_markup=ReplyKeyboardRemove())
        raise ApplicationHandlerStop
    result = _step(draft, message, svc.faq.current, lang, svc)
    if result.submit:
        await submit(update, context, draft)
        raise ApplicationHandlerStop
    draft.last_update = update.update_id
    drafts.save_draft(svc.engine, draft=draft)
    await _send(message, result.replies)
    raise ApplicationHandlerStop


def _step(draft: ReportDraft, message: Message, snapshot: Snapshot, lang: UiLang, svc: Services) -> StepResult:
    text = (message.text or message.caption or "").strip()
    if draft.step == "privacy":
        if flow.is_agreement(text):
            drafts.acknowledge_privacy(svc.engine, user_id=draft.user_id)
            draft.step = "place"
            return StepResult([flow.ask_place(lang)])
        return StepResult([flow.privacy(lang)])
    if draft.step == "place":
        return flow.choose_place(draft, snapshot, text, lang) if text else StepResult([flow.ask_place(lang)])
    if draft.step == "category":
        category = flow.category_from_text(text) if text else None
        return flow.set_category(draft, category.id if category else "", lang)
    if draft.step == "description":
        attached = _attach(draft, message)
        if text and flow.is_word(text, flow.NOT_CONTENT):
            return StepResult([Reply(t("ask_description", lang))])
        if text:
            return flow.set_description(draft, snapshot, text, lang)
        if attached:
            return StepResult([Reply(t("attachment_saved", lang, count=attached))])
        return StepResult([Reply(t("type_text_please", lang))])
    if draft.step == "faqcheck":
        _attach(draft, message)
        if text and not flow.is_word(text, flow.CONTINUE_WORDS):  # more words about the difficulty: keep them
            draft.description = f"{draft.description}\n{text}" if draft.description else text
        draft.step = "contact"
        return StepResult([flow.ask_contact(lang)])
    if draft.step == "contact":
        contact = message.contact.phone_number if message.contact else text
        if contact and not flow.is_word(contact, flow.SKIP_WORDS | flow.SUBMIT_WORDS):
            draft.contact = contact[:128]
        draft.step = "confirm"
        return StepResult([Reply("👌", ReplyKeyboardRemove()), flow.summary(draft, snapshot, lang)])
    if flow.is_submission(text):
        return StepResult(submit=True)
    return StepResult([flow.summary(draft, snapshot, lang)])


def _attach(draft: ReportDraft, message: Message) -> int:
    if message.photo:
        return flow.add_attachment(draft, "photo", message.photo[-1].file_id)
    if message.document:
        return flow.add_attachment(draft, "document", message.document.file_id)
    return 0


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Buttons of the report conversation (r:…)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    svc = services(context)
    draft = drafts.get_draft(svc.engine, user_id=user.id)
    await query.answer()
    if draft is None:
        return  # an old button of a report already filed or cancelled
    lang: UiLang = parse(draft.language) or "zh-Hans"
    snapshot = svc.faq.current
    parts = (query.data or "").split(":")
    action = parts[1] if len(parts) > 1 else ""
    result = StepResult()
    if action == "x":
        drafts.delete_draft(svc.engine, user_id=user.id)
        await query.edit_message_reply_markup(reply_markup=None)
        await query.message.reply_text(t("report_cancelled", lang), reply_markup=ReplyKeyboardRemove())
        return
    if action == "ok" and draft.step == "privacy":
        drafts.acknowledge_privacy(svc.engine, user_id=user.id)
        draft.step = "place"
        result = StepResult([flow.ask_place(lang)])
    elif action == "p" and draft.step == "place" and parts[2:] and parts[2].isdigit():
        places = snapshot.federation.places
        index = int(parts[2])
        if index < len(places):
            result = flow.set_place(draft, snapshot, places[index].name, places[index].queue, lang)
    elif action == "q" and draft.step == "place" and parts[2:] and parts[2] in snapshot.federation.by_id:
        root = snapshot.federation.by_id[parts[2]]
        result = flow.set_place(draft, snapshot, root.name.zh.removesuffix("侨联"), root.id, lang)
    elif action == "c" and draft.step == "category" and parts[2:]:
        result = flow.set_category(draft, parts[2], lang)
    elif action == "go" and draft.step == "faqcheck":
        draft.step = "contact"
        result = StepResult([flow.ask_contact(lang)])
    elif action == "id" and draft.step == "confirm":
        draft.share_identity = not draft.share_identity
        await query.edit_message_text(flow.summary(draft, snapshot, lang).text,
                                      reply_markup=flow.summary(draft, snapshot, lang).markup)  # fmt: skip
    elif action == "s" and draft.step == "confirm":
        await query.edit_message_reply_markup(reply_markup=None)
        await submit(update, context, draft)
        return
    drafts.save_draft(svc.engine, draft=draft)
    await _send(query.message, result.replies)


async def submit(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: ReportDraft) -> None:
    """File the ticket (once), confirm to the user, post the card to the staff group."""
    svc = services(context)
    snapshot = svc.faq.current
    queue = snapshot.federation.by_id.get(draft.queue_id or "") or snapshot.federation.root()
    draft.queue_id = queue.id
    now = utcnow()
    user = update.effective_user
    name = display_name(user) if user else None
    ticket, _created = tickets.file_ticket(svc.engine, draft=draft, user_name=name,
                                           escalate_at=escalation_deadline(now, queue.sla_hours), now=now)  # fmt: skip
    # Both are idempotent (dedupe keys), so a replayed update sends nothing twice.
    notify.to_user(svc.engine, snapshot.federation, ticket, "filed", f"filed:{ticket.id}")
    notify.post_card(svc.engine, snapshot.federation, ticket, reason="new")
    svc.wake_delivery()


async def skip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/skip: leave out the optional contact."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    svc = services(context)
    draft = drafts.get_draft(svc.engine, user_id=user.id)
    lang = user_lang(update, context)
    if draft is not None and draft.step == "faqcheck":  # skip the FAQ suggestions: on to the contact
        draft.step = "contact"
        drafts.save_draft(svc.engine, draft=draft)
        await _send(message, [flow.ask_contact(lang)])
        return
    if draft is None or draft.step != "contact":
        await message.reply_text(t("skip_nothing", lang))
        return
    draft.step = "confirm"
    drafts.save_draft(svc.engine, draft=draft)
    await _send(message, [Reply("👌", ReplyKeyboardRemove()), flow.summary(draft, svc.faq.current, lang)])


def cancel_draft(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """/cancel: drop a report or a join request being written."""
    user = update.effective_user
    if user is None:
        return False
    engine = services(context).engine
    directory.stop_waiting_for_place(context)
    return drafts.delete_draft(engine, user_id=user.id) | joins.discard(engine, user_id=user.id)


async def _send(message: Message, replies: list[Reply]) -> None:
    for reply in replies:
        await message.reply_text(reply.text, reply_markup=reply.markup)
