"""The report conversation as a state machine over the stored draft (survives restarts).

Each function takes the user's input for the current step, updates the draft and returns what
to show next. Telegram-specific sending stays in ``handlers/report.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.content.live import Snapshot
from bot.db.ticket_tables import ReportDraft
from bot.reports.notify import queue_name
from bot.reports.rules import CATEGORIES, CATEGORY_BY_ID, Category
from bot.text.i18n import localize, t
from bot.text.language import UiLang, content_lang
from bot.text.normalize import normalize

MAX_DESCRIPTION = 8000
MAX_ATTACHMENTS = 10
AGREE_WORDS = {"同意", "我同意", "agree", "i agree", "yes", "ok", "好", "好的", "是", "继续", "continue"}
SUBMIT_WORDS = {"提交", "确认", "确认提交", "submit", "send", "confirm", "yes", "ok"}
CONTINUE_WORDS = {"继续", "继续提交", "没有", "不是", "没用", "continue", "no", "none", "next", "下一步", "ok", "好",
                  "好的", "skip", "跳过", "yes", "是"}  # fmt: skip
SKIP_WORDS = {"skip", "跳过", "无", "没有", "不用", "不需要", "no", "none", "ok", "-", "/skip", "继续", "continue",
              "好", "好的", "next", "下一步"}  # fmt: skip
# Words that move a step on; never a description of a difficulty.
NOT_CONTENT = CONTINUE_WORDS | SKIP_WORDS | SUBMIT_WORDS | AGREE_WORDS
CANCEL_WORDS = {"取消", "cancel", "算了", "不要了"}


@dataclass
class Reply:
    """One message to send: HTML text and an optional keyboard (inline or reply)."""

    text: str
    markup: Any = None


@dataclass
class StepResult:
    replies: list[Reply] = field(default_factory=list)
    submit: bool = False
    cancel: bool = False


def privacy(lang: UiLang) -> Reply:
    return Reply(t("privacy", lang), InlineKeyboardMarkup([[
        InlineKeyboardButton(t("agree", lang), callback_data="r:ok"),
        InlineKeyboardButton(t("cancel_button", lang), callback_data="r:x"),
    ]]))  # fmt: skip


def ask_place(lang: UiLang) -> Reply:
    return Reply(t("ask_place", lang))


def ask_category(lang: UiLang) -> Reply:
    cl = content_lang(lang)
    rows = [[InlineKeyboardButton(localize(c.label.get(cl), lang), callback_data=f"r:c:{c.id}")] for c in CATEGORIES]
    return Reply(t("ask_category", lang), InlineKeyboardMarkup(rows))


def ask_contact(lang: UiLang) -> Reply:
    keyboard = ReplyKeyboardMarkup([[KeyboardButton(t("share_phone", lang), request_contact=True)]],
                                   one_time_keyboard=True, resize_keyboard=True)  # fmt: skip
    return Reply(t("ask_contact", lang), keyboard)


def choose_place(draft: ReportDraft, snapshot: Snapshot, text: str, lang: UiLang) -> StepResult:
    """A place the user named exactly (or inside a sentence) is taken; anything fuzzier is asked.

    Close spellings are only offered as buttons, always with the provincial federation as a way
    out: a place outside Hunan must never be routed to a Hunan county by a lookalike name.
    """
    matches = snapshot.gazetteer.lookup(text)
    sure = [m for m in matches if m.score >= 95]
    if sure and (len(sure) == 1 or sure[0].place.queue == sure[1].place.queue or sure[0].score > sure[1].score):
        place = sure[0].place
        return set_place(draft, snapshot, place.name, place.queue, lang)
    places = snapshot.federation.places
    root = snapshot.federation.root()
    province = [InlineKeyboardButton(t("place_province", lang), callback_data=f"r:q:{root.id}")]
    if matches:
        rows = [[InlineKeyboardButton(f"{m.place.name} · {m.place.en or m.place.pinyin}",
                                      callback_data=f"r:p:{places.index(m.place)}")] for m in matches]  # fmt: skip
        return StepResult([Reply(t("place_choose", lang), InlineKeyboardMarkup([*rows, province]))])
    return StepResult([Reply(t("place_unknown", lang, text=text[:60]), InlineKeyboardMarkup([province]))])


def set_place(draft: ReportDraft, snapshot: Snapshot, place: str, queue_id: str, lang: UiLang) -> StepResult:
    draft.place, draft.queue_id, draft.step = place, queue_id, "category"
    name = queue_name(snapshot.federation, queue_id, lang)
    shown = place_name(snapshot, place, lang)
    return StepResult([Reply(t("place_ok", lang, place=shown, queue=name)), ask_category(lang)])


def place_name(snapshot: Snapshot, place: str, lang: UiLang) -> str:
    """茶陵县 for Chinese readers (in their script), "Chaling County (茶陵县)" for English ones."""
    if lang != "en":
        return localize(place, lang)
    found = next((p for p in snapshot.federation.places if p.name == place), None)
    return f"{found.en} ({place})" if found and found.en else place


def category_from_text(text: str) -> Category | None:
    norm = normalize(text)
    if norm.isdigit() and 1 <= int(norm) <= len(CATEGORIES):
        return CATEGORIES[int(norm) - 1]
    for c in CATEGORIES:
        labels = {normalize(c.label.zh), normalize(c.label.en), c.id}
        if norm in labels or any(norm and (norm in label or label in norm) for label in labels if len(label) >= 2):
            return c
    return None


def set_category(draft: ReportDraft, category_id: str, lang: UiLang) -> StepResult:
    category = CATEGORY_BY_ID.get(category_id)
    if category is None:
        return StepResult([Reply(t("category_unknown", lang)), ask_category(lang)])
    draft.category, draft.step = category.id, "description"
    replies = [Reply(t("emergency", lang))] if category.emergency else []
    return StepResult([*replies, Reply(t("ask_description", lang))])


def add_attachment(draft: ReportDraft, kind: str, file_id: str) -> int:
    items = json.loads(draft.attachments or "[]")
    if len(items) < MAX_ATTACHMENTS:
        items.append({"type": kind, "file_id": file_id})
    draft.attachments = json.dumps(items)
    return len(items)


def set_description(draft: ReportDraft, snapshot: Snapshot, text: str, lang: UiLang) -> StepResult:
    text = text.strip()
    if len(text) > MAX_DESCRIPTION:
        return StepResult([Reply(t("description_too_long", lang, limit=MAX_DESCRIPTION))])
    draft.description = text if not draft.description else f"{draft.description}\n{text}"
    result = snapshot.index.match(text)
    ids = [result.match.id] if result.match else [s.id for s in result.suggestions]
    entries = [snapshot.faq.by_id[i] for i in ids if i in snapshot.faq.by_id]
    if not entries:
        draft.step = "contact"
        return StepResult([ask_contact(lang)])
    draft.step = "faqcheck"
    cl = content_lang(lang)
    rows = [[InlineKeyboardButton(localize(e.title(cl), lang), callback_data=f"a:{e.id}")] for e in entries]
    rows.append([InlineKeyboardButton(t("continue_report", lang), callback_data="r:go")])
    return StepResult([Reply(t("faq_first", lang), InlineKeyboardMarkup(rows))])


def summary(draft: ReportDraft, snapshot: Snapshot, lang: UiLang) -> Reply:
    category = CATEGORY_BY_ID.get(draft.category or "")
    cl = content_lang(lang)
    text = t(
        "summary", lang,
        place=place_name(snapshot, draft.place or "", lang),
        queue=queue_name(snapshot.federation, draft.queue_id or "", lang),
        category=localize(category.label.get(cl), lang) if category else "",
        description=draft.description or "", attachments=len(json.loads(draft.attachments or "[]")),
        contact=draft.contact or t("none", lang), identity=t("yes" if draft.share_identity else "no", lang),
    )  # fmt: skip
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton(t("submit", lang), callback_data="r:s")],
        [InlineKeyboardButton(t("toggle_identity", lang), callback_data="r:id"),
         InlineKeyboardButton(t("cancel_button", lang), callback_data="r:x")],
    ])  # fmt: skip
    return Reply(text, markup)


def is_agreement(text: str) -> bool:
    return normalize(text) in AGREE_WORDS


def is_submission(text: str) -> bool:
    return normalize(text) in SUBMIT_WORDS


def is_word(text: str, words: set[str]) -> bool:
    return normalize(text) in words
