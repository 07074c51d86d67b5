"""How answers and the FAQ menu look in a chat: HTML messages and their buttons."""

from __future__ import annotations

import html

from bot.faq.entries import Faq, FaqEntry
from bot.messaging.callbacks import ChooseLanguage, FaqAnswer, FaqCategory, FaqMenu, Feedback
from bot.messaging.markup import Markup, button, inline
from bot.messaging.render import split_message
from bot.text.i18n import localize, t
from bot.text.language import UiLang, content_lang

LANGUAGE_LABELS: dict[UiLang, str] = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}


def answer(entry: FaqEntry, lang: UiLang) -> list[str]:
    """The entry's answer as one or more HTML messages (title, answer, links)."""
    cl = content_lang(lang)
    parts = [f"<b>{html.escape(entry.title(cl))}</b>", "", html.escape(entry.answer.get(cl))]
    if entry.links:
        parts += ["", t("links", lang)]
        parts += [
            f'• <a href="{html.escape(link.url, quote=True)}">{html.escape(link.title.get(cl))}</a>'
            for link in entry.links
        ]
    return split_message(localize("\n".join(parts), lang))


def languages() -> Markup:
    return inline([[button(label, ChooseLanguage(code)) for code, label in LANGUAGE_LABELS.items()]])


def categories(faq: Faq, lang: UiLang) -> Markup:
    cl = content_lang(lang)
    rows = [
        [button(localize(c.name.get(cl), lang), FaqCategory(c.id))] for c in faq.categories if faq.in_category(c.id)
    ]
    return inline(rows)


def entries(items: list[FaqEntry], lang: UiLang, *, back: bool) -> Markup:
    cl = content_lang(lang)
    rows = [[button(localize(e.title(cl), lang), FaqAnswer(e.id))] for e in items]
    if back:
        rows.append([button(t("back_to_menu", lang), FaqMenu())])
    return inline(rows)


def feedback(question_id: int, lang: UiLang) -> Markup:
    return inline(
        [
            [
                button(t("helpful", lang), Feedback(question_id, "y")),
                button(t("not_helpful", lang), Feedback(question_id, "n")),
            ]
        ]
    )


def browse(lang: UiLang) -> Markup:
    return inline([[button(t("browse_button", lang), FaqMenu())]])
