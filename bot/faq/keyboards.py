"""Inline keyboards. Callback data is short ASCII (≤ 64 bytes): a prefix and ids only."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.faq.entries import Faq, FaqEntry
from bot.text.i18n import localize, t
from bot.text.language import UiLang, content_lang

LANGUAGE_LABELS: dict[UiLang, str] = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}

# Callback data prefixes.
LANG = "l"
MENU = "m"
CATEGORY = "c"
ANSWER = "a"
FEEDBACK = "fb"


def _button(text: str, data: str) -> InlineKeyboardButton:
    assert len(data.encode()) <= 64 and data.isascii(), data
    return InlineKeyboardButton(text, callback_data=data)


def languages() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(label, f"{LANG}:{code}") for code, label in LANGUAGE_LABELS.items()]])


def categories(faq: Faq, lang: UiLang) -> InlineKeyboardMarkup:
    cl = content_lang(lang)
    rows = [
        [_button(localize(c.name.get(cl), lang), f"{CATEGORY}:{c.id}")] for c in faq.categories if faq.in_category(c.id)
    ]
    return InlineKeyboardMarkup(rows)


def entries(items: list[FaqEntry], lang: UiLang, *, back: bool) -> InlineKeyboardMarkup:
    cl = content_lang(lang)
    rows = [[_button(localize(e.title(cl), lang), f"{ANSWER}:{e.id}")] for e in items]
    if back:
        rows.append([_button(t("back_to_menu", lang), MENU)])
    return InlineKeyboardMarkup(rows)


def feedback(question_id: int, lang: UiLang) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(t("helpful", lang), f"{FEEDBACK}:{question_id}:y"),
                _button(t("not_helpful", lang), f"{FEEDBACK}:{question_id}:n"),
            ]
        ]
    )


def browse(lang: UiLang) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t("browse_button", lang), MENU)]])
