"""How associations look in a chat: a result card, its details, its buttons."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.directory import Association, Directory
from bot.core.language import UiLang, content_lang
from bot.telegram.i18n import localize, t

CONTACT_ICONS = {"website": "🌐", "email": "✉️", "phone": "☎️", "telegram": "💬"}


def contacts(association: Association) -> str:
    lines = []
    for kind, value in association.contacts.items():
        shown = html.escape(value)
        if kind == "website":
            shown = f'<a href="{html.escape(value, quote=True)}">{shown}</a>'
        lines.append(f"{CONTACT_ICONS.get(kind, '•')} {shown}")
    return "\n".join(lines)


def city_line(directory: Directory, association: Association, lang: UiLang) -> str:
    cl = content_lang(lang)
    country = next((c for c in directory.countries if c.code == association.country), None)
    where = association.city.get(cl) + (", " + country.name.get(cl) if country else "")
    return html.escape(localize(where, lang))


def result(directory: Directory, association: Association, lang: UiLang, distance_km: float | None = None) -> str:
    cl = content_lang(lang)
    distance = f" · {distance_km:,.0f} km" if distance_km is not None else ""
    text = t("result", lang, name=localize(association.name.get(cl), lang), city="{city}", distance=distance,
             languages=", ".join(association.languages), contacts="{contacts}",
             verified=association.last_verified.isoformat())  # fmt: skip
    return text.replace("{city}", city_line(directory, association, lang)).replace("{contacts}", contacts(association))


def details(directory: Directory, association: Association, lang: UiLang) -> str:
    cl = content_lang(lang)
    hometown = t("hometown_line", lang, hometown=association.hometown) if association.hometown else ""
    text = t("details", lang, name=localize(association.name.get(cl), lang), city="{city}",
             languages=", ".join(association.languages), hometown="{hometown}",
             description=localize(association.description.get(cl), lang), contacts="{contacts}",
             verified=association.last_verified.isoformat())  # fmt: skip
    text = text.replace("{city}", city_line(directory, association, lang)).replace("{hometown}", hometown)
    return text.replace("{contacts}", contacts(association)) + "\n\n" + t("sample_note", lang)


def buttons(association: Association, lang: UiLang) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(t("details_button", lang), callback_data=f"d:{association.id}")]
    if association.joins_by_request:
        row.append(InlineKeyboardButton(t("join_button", lang), callback_data=f"j:{association.id}"))
    else:
        row.append(InlineKeyboardButton(t("join_link_button", lang), url=association.join))
    return InlineKeyboardMarkup([row])


def name(association: Association, lang: UiLang) -> str:
    return localize(association.name.get(content_lang(lang)), lang)
