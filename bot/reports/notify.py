"""What a ticket says to staff groups and to its reporter — always queued in the outbox, in the
transaction of the action that causes it, under a key that makes it unique."""

from __future__ import annotations

import hashlib
import html
import json
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.db.models import Ticket
from bot.groups import repo as groups
from bot.messaging import channels, outbox
from bot.messaging.callbacks import Rating, TicketAction
from bot.messaging.markup import NO_BUTTONS, Markup, button, inline
from bot.messaging.outbox import Message
from bot.reports.federation import Federation
from bot.reports.rules import BEIJING, CATEGORY_BY_ID, OPEN, STAFF_STATUS_LABELS, UNCLAIMED, Status
from bot.text.i18n import localize, t
from bot.text.language import UiLang, content_lang, parse

STAFF_LANG: UiLang = "zh-Hans"
CARD_PREVIEW = 2500
LANGUAGE_NAMES = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}


def queue_name(federation: Federation, queue_id: str, lang: UiLang) -> str:
    queue = federation.by_id.get(queue_id)
    return localize(queue.name.get(content_lang(lang)), lang) if queue else queue_id


def user_lang(ticket: Ticket) -> UiLang:
    return parse(ticket.language) or "zh-Hans"


def attachments(ticket: Ticket) -> list[dict[str, str]]:
    items = json.loads(ticket.attachments or "[]")
    return [i for i in items if isinstance(i, dict) and i.get("file_id")]


def due_text(ticket: Ticket, lang: UiLang = STAFF_LANG) -> str:
    """Claim by: 2026-12-07 10:30 (Beijing time…), for a report nobody has claimed yet; else empty."""
    due = due_beijing(ticket)
    return t("card_due", lang, due=f"{due:%Y-%m-%d %H:%M}") if due else ""


def due_beijing(ticket: Ticket) -> datetime | None:
    """When an unclaimed report escalates, in Beijing time (None once someone took it up)."""
    if ticket.escalate_at is None or Status(ticket.status) not in UNCLAIMED:
        return None
    due = ticket.escalate_at if ticket.escalate_at.tzinfo else ticket.escalate_at.replace(tzinfo=UTC)
    return due.astimezone(ZoneInfo(BEIJING))


def card_text(ticket: Ticket, federation: Federation, lang: UiLang = STAFF_LANG) -> str:
    category = CATEGORY_BY_ID.get(ticket.category)
    description = ticket.description
    if len(description) > CARD_PREVIEW:  # the whole text is in /ticket N (split) and in the console
        marker = html.unescape(t("card_truncated", lang, length=len(description), id=ticket.id))
        description = description[:CARD_PREVIEW] + " " + marker
    who = ticket.user_name if ticket.share_identity and ticket.user_name else None
    text = t(
        "card",
        lang,
        id=ticket.id,
        status=STAFF_STATUS_LABELS[Status(ticket.status)].get(content_lang(lang)),
        queue=queue_name(federation, ticket.queue_id, lang),
        place=ticket.place,
        category=category.label.get(content_lang(lang)) if category else ticket.category,
        who=who or t("anonymous", lang),
        contact=ticket.contact or t("none", lang),
        attachments=len(attachments(ticket)),
        description=description,
        language=LANGUAGE_NAMES.get(ticket.language, ticket.language),
    )
    due = due_text(ticket, lang)
    if due:  # under the title line: staff see at once by when someone must take it up
        head, _, rest = text.partition("\n")
        text = f"{head}\n{due}\n{rest}"
    return text


def card_markup(ticket_id: int, lang: UiLang = STAFF_LANG) -> Markup:
    return inline(
        [
            [
                button(t("claim_button", lang), TicketAction("claim", ticket_id)),
                button(t("resolve_button", lang), TicketAction("resolve", ticket_id)),
                button(t("transfer_button", lang), TicketAction("transfer", ticket_id)),
            ]
        ]
    )


def rating_markup(ticket_id: int) -> Markup:
    stars = [button("⭐" * k, Rating(ticket_id, k)) for k in range(1, 6)]
    return inline([stars[:3], stars[3:]])


def post_card(s: Session, federation: Federation, ticket: Ticket, *, reason: str) -> bool:
    """Queue the ticket's card (and its attachments) for the responsible staff group."""
    target = groups.responsible_chat(s, federation, ticket.queue_id)
    if target is None or ticket.id is None:
        return False
    chat_id, _ = target
    key = f"card:{ticket.id}:{reason}"
    card = Message.text(chat_id, card_text(ticket, federation), card_markup(ticket.id), ticket_id=ticket.id)
    outbox.enqueue(s, card, key=key)
    forward_attachments(s, chat_id, ticket.id, attachments(ticket), key)
    return True


def refresh_cards(
    s: Session, federation: Federation, ticket: Ticket, key: str, *, moved_from: int | None = None
) -> None:
    """Keep the ticket's card in its responsible group current (status; no buttons once closed).

    A card in a group the ticket has just left (``moved_from``) gets one last edit, without
    buttons; after that it is left alone. Cards still waiting in the outbox are brought up to date
    before they are sent.
    """
    if ticket.id is None:
        return
    target = groups.responsible_chat(s, federation, ticket.queue_id)
    text = card_text(ticket, federation)
    markup = card_markup(ticket.id) if Status(ticket.status) in OPEN else NO_BUTTONS
    for card in outbox.sent_cards(s, ticket_id=ticket.id):
        here = target is not None and card.chat_id == target[0]
        if (not here and card.chat_id != moved_from) or card.message_id is None:
            continue
        edit = Message.edit_text(
            card.chat_id, card.message_id, text, markup if here else NO_BUTTONS, ticket_id=ticket.id
        )
        outbox.enqueue(s, edit, key=f"cardedit:{card.id}:{key}")
    if target is not None:
        outbox.update_pending_cards(s, ticket_id=ticket.id, chat_id=target[0], text=text, reply_markup=markup)


def forward_attachments(s: Session, chat_id: int, ticket_id: int, items: list[dict[str, str]], key: str) -> None:
    """Queue the user's photos and documents (by Telegram file id) for a staff group."""
    for i, item in enumerate(items):
        message = Message.file(
            chat_id, item.get("type", "document"), item["file_id"], f"#{ticket_id}", ticket_id=ticket_id
        )
        outbox.enqueue(s, message, key=f"{key}:att{i}")


def to_staff(s: Session, federation: Federation, ticket: Ticket, text_key: str, key: str, **values: object) -> None:
    target = groups.responsible_chat(s, federation, ticket.queue_id)
    if target is not None and ticket.id is not None:
        text = t(text_key, STAFF_LANG, id=ticket.id, **values)
        outbox.enqueue(s, Message.text(target[0], text, ticket_id=ticket.id), key=key)


def to_chat(s: Session, chat_id: int, text: str, key: str, ticket_id: int | None = None) -> None:
    outbox.enqueue(s, Message.text(chat_id, text, ticket_id=ticket_id), key=key)


def to_user(
    s: Session,
    federation: Federation,
    ticket: Ticket,
    text_key: str,
    key: str,
    markup: Markup | None = None,
    **values: object,
) -> None:
    lang = user_lang(ticket)
    text = t(text_key, lang, id=ticket.id, queue=queue_name(federation, ticket.queue_id, lang), **values)
    outbox.enqueue(s, Message.text(ticket.chat_id, text, markup, ticket_id=ticket.id), key=key)


# -- staff outside Telegram: e-mail and WeCom (faq/federations.yaml queues[].notify) -----------


def to_outside(
    s: Session,
    federation: Federation,
    ticket: Ticket,
    event: Literal["new", "escalated", "reopened"],
    key: str,
    *,
    now: datetime | None = None,
) -> int:
    """Queue a notice of a new, escalated or reopened report for the e-mail addresses and the WeCom
    robot of the queue it is now in: its number, queue, category and a console link — never the
    user's text, contact or name. Returns how many were queued."""
    queue = federation.by_id.get(ticket.queue_id)
    if queue is None or ticket.id is None or not (queue.emails or queue.wecom):
        return 0
    lang = STAFF_LANG
    category = CATEGORY_BY_ID.get(ticket.category)
    values = {
        "id": ticket.id,
        "queue": queue_name(federation, queue.id, lang),
        "category": category.label.get(content_lang(lang)) if category else ticket.category,
    }
    if event == "new":
        headline = t("ext_new", lang, **values)
    elif event == "escalated":
        headline = t("ext_escalated", lang, **values)
    else:
        headline = t("ext_reopened", lang, **values)
    notice = channels.Notice(
        subject=html.unescape(headline),  # plain text: t() escapes for Telegram's HTML
        body=html.unescape(headline),
        path=f"/reports/{ticket.id}",
        link_line=html.unescape(t("ext_open", lang, link="{link}")),
        footer=html.unescape(t("ext_footer", lang)),
    )
    queued = 0
    targets: list[tuple[Literal["email", "wecom"], str]] = [("email", a) for a in queue.emails]
    if queue.wecom:
        targets.append(("wecom", queue.wecom))
    for channel, address in targets:
        digest = hashlib.sha256(address.lower().encode()).hexdigest()[:16]
        queued += channels.enqueue(
            s, channel, address, notice, key=f"{key}:{channel}:{digest}", ticket_id=ticket.id, now=now
        )
    return queued
