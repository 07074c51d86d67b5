"""What tickets say to staff groups and users, always through the outbox (never sent twice)."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.db.ticket_tables import Ticket
from bot.messaging import outbox
from bot.reports import drafts
from bot.reports.federation import Federation
from bot.reports.rules import CATEGORY_BY_ID, OPEN, STAFF_STATUS_LABELS, Status
from bot.text.i18n import localize, t
from bot.text.language import UiLang, content_lang, parse

STAFF_LANG: UiLang = "zh-Hans"
CARD_PREVIEW = 2500


def queue_name(federation: Federation, queue_id: str, lang: UiLang) -> str:
    queue = federation.by_id.get(queue_id)
    return localize(queue.name.get(content_lang(lang)), lang) if queue else queue_id


def user_lang(ticket: Ticket) -> UiLang:
    return parse(ticket.language) or "zh-Hans"


def responsible_chat(engine: Engine, federation: Federation, queue_id: str) -> tuple[int, str] | None:
    """The staff group that works a queue: its own, or else the nearest ancestor's."""
    current: str | None = queue_id
    while current is not None:
        chat_id = drafts.chat_of_queue(engine, queue_id=current)
        if chat_id is not None:
            return chat_id, current
        queue = federation.by_id.get(current)
        current = queue.parent if queue else None
    return None


def card_text(ticket: Ticket, federation: Federation, lang: UiLang = STAFF_LANG) -> str:
    category = CATEGORY_BY_ID.get(ticket.category)
    description = ticket.description
    if len(description) > CARD_PREVIEW:
        description = description[:CARD_PREVIEW] + "…"
    who = ticket.user_name if ticket.share_identity and ticket.user_name else None
    return t(
        "card", lang,
        id=ticket.id, status=STAFF_STATUS_LABELS[Status(ticket.status)].get(content_lang(lang)),
        queue=queue_name(federation, ticket.queue_id, lang), place=ticket.place,
        category=category.label.get(content_lang(lang)) if category else ticket.category,
        who=who or t("anonymous", lang), contact=ticket.contact or t("none", lang),
        attachments=len(_attachments(ticket)), description=description,
    )  # fmt: skip


def card_markup(ticket_id: int, lang: UiLang = STAFF_LANG) -> dict[str, object]:
    markup = InlineKeyboardMarkup(
        [[
            InlineKeyboardButton(t("claim_button", lang), callback_data=f"tk:claim:{ticket_id}"),
            InlineKeyboardButton(t("resolve_button", lang), callback_data=f"tk:resolve:{ticket_id}"),
            InlineKeyboardButton(t("transfer_button", lang), callback_data=f"tk:transfer:{ticket_id}"),
        ]]
    )  # fmt: skip
    return markup.to_dict()


def post_missing_cards(engine: Engine, federation: Federation, chat_id: int, open_tickets: list[Ticket]) -> int:
    """After a /bind: give the group the cards of open tickets it is now responsible for."""
    posted = 0
    for ticket in open_tickets:
        target = responsible_chat(engine, federation, ticket.queue_id)
        if (
            ticket.id is not None
            and target
            and target[0] == chat_id
            and not outbox.has_card(engine, ticket_id=ticket.id, chat_id=chat_id)
        ):
            post_card(engine, federation, ticket, reason=f"bind{chat_id}")
            posted += 1
    return posted


def post_card(engine: Engine, federation: Federation, ticket: Ticket, *, reason: str) -> bool:
    """Queue the ticket's card (and its attachments) for the responsible staff group."""
    target = responsible_chat(engine, federation, ticket.queue_id)
    if target is None or ticket.id is None:
        return False
    chat_id, _ = target
    key = f"card:{ticket.id}:{reason}"
    outbox.enqueue(engine, dedupe_key=key, chat_id=chat_id, text=card_text(ticket, federation),
                   reply_markup=card_markup(ticket.id), ticket_id=ticket.id)  # fmt: skip
    forward_attachments(engine, chat_id, ticket.id, _attachments(ticket), key)
    return True


def refresh_cards(
    engine: Engine, federation: Federation, ticket: Ticket, key: str, *, moved_from: int | None = None
) -> None:
    """Keep the ticket's card in its responsible group current (status; no buttons once closed).

    A card in a group the ticket has just left (``moved_from``) gets one last edit, without
    buttons; after that it is left alone. Cards still waiting in the outbox are brought up to date
    before they are sent.
    """
    if ticket.id is None:
        return
    target = responsible_chat(engine, federation, ticket.queue_id)
    text = card_text(ticket, federation)
    markup = card_markup(ticket.id) if Status(ticket.status) in OPEN else {"inline_keyboard": []}
    closed: dict[str, object] = {"inline_keyboard": []}
    for card in outbox.sent_cards(engine, ticket_id=ticket.id):
        here = target is not None and card.chat_id == target[0]
        if not here and card.chat_id != moved_from:
            continue
        extra = {"message_id": card.message_id, "text": text, "parse_mode": "HTML",
                 "reply_markup": markup if here else closed}  # fmt: skip
        outbox.enqueue(engine, dedupe_key=f"cardedit:{card.id}:{key}", chat_id=card.chat_id, text="",
                       method="editMessageText", extra=extra, ticket_id=ticket.id)  # fmt: skip
    if target is not None:
        outbox.update_pending_cards(engine, ticket_id=ticket.id, chat_id=target[0], text=text, reply_markup=markup)


def forward_attachments(engine: Engine, chat_id: int, ticket_id: int, items: list[dict[str, str]], key: str) -> None:
    """Queue the user's photos and documents (by Telegram file id) for a staff group."""
    for i, item in enumerate(items):
        method, kind = ("sendPhoto", "photo") if item.get("type") == "photo" else ("sendDocument", "document")
        outbox.enqueue(engine, dedupe_key=f"{key}:att{i}", chat_id=chat_id, text="", method=method,
                       extra={kind: item["file_id"], "caption": f"#{ticket_id}"}, ticket_id=ticket_id)  # fmt: skip


def to_staff(engine: Engine, federation: Federation, ticket: Ticket, key: str, dedupe: str, **values: object) -> None:
    target = responsible_chat(engine, federation, ticket.queue_id)
    if target is not None and ticket.id is not None:
        outbox.enqueue(engine, dedupe_key=dedupe, chat_id=target[0], text=t(key, STAFF_LANG, id=ticket.id, **values),
                       ticket_id=ticket.id)  # fmt: skip


def to_chat(engine: Engine, chat_id: int, text: str, dedupe: str, ticket_id: int | None = None) -> None:
    outbox.enqueue(engine, dedupe_key=dedupe, chat_id=chat_id, text=text, ticket_id=ticket_id)


def to_user(
    engine: Engine, federation: Federation, ticket: Ticket, key: str, dedupe: str,
    markup: dict[str, object] | None = None, **values: object,
) -> None:  # fmt: skip
    lang = user_lang(ticket)
    text = t(key, lang, id=ticket.id, queue=queue_name(federation, ticket.queue_id, lang), **values)
    outbox.enqueue(engine, dedupe_key=dedupe, chat_id=ticket.chat_id, text=text, reply_markup=markup,
                   ticket_id=ticket.id)  # fmt: skip


def rating_markup(ticket_id: int) -> dict[str, object]:
    stars = [InlineKeyboardButton("⭐" * k, callback_data=f"rt:{ticket_id}:{k}") for k in range(1, 6)]
    return InlineKeyboardMarkup([stars[:3], stars[3:]]).to_dict()


def _attachments(ticket: Ticket) -> list[dict[str, str]]:
    items = json.loads(ticket.attachments or "[]")
    return [i for i in items if isinstance(i, dict) and i.get("file_id")]
