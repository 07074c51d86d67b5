"""How associations look in a chat: a result card, its details, its buttons."""

from __future__ import annotations

import html
from functools import cache
from typing import TYPE_CHECKING

from bot.directory import places
from bot.directory.model import Association, Directory
from bot.messaging.callbacks import AssociationDetails, JoinStart
from bot.messaging.markup import Markup, button, inline, url_button
from bot.text.i18n import localize, t
from bot.text.language import UiLang, content_lang
from bot.text.script import current_variant

if TYPE_CHECKING:
    from bot.directory.service import Found

CONTACT_ICONS = {"website": "🌐", "email": "✉️", "phone": "☎️", "telegram": "💬"}
# The directory's languages are English names; readers of Chinese get CLDR's name for the language
# (粤语 / 粵語 / 廣東話 …), through its code. Chinese varieties CLDR has no entry for are named here.
LANGUAGE_CODES = {
    "Cantonese": "yue",
    "Hokkien": "nan",
    "Hakka": "hak",
    "Hunanese": "hsn",
    "Mauritian Creole": "mfe",
    "Filipino": "fil",
    "Tagalog": "tl",
    "Burmese": "my",
    "Malay": "ms",
}
DIALECTS_ZH = {
    "Mandarin": "普通话",
    "Taishanese": "台山话",
    "Teochew": "潮州话",
    "Hainanese": "海南话",
    "Fuzhounese": "福州话",
    "Wenzhounese": "温州话",
    "Shanghainese": "上海话",
    "Creole": "克里奥尔语",
}
PROVINCES_ZH = {
    "Hunan": "湖南",
    "Fujian": "福建",
    "Guangdong": "广东",
    "Zhejiang": "浙江",
    "Hainan": "海南",
    "Guangxi": "广西",
    "Jiangsu": "江苏",
    "Shanghai": "上海",
    "Taishan": "台山",
}


def cldr_locale(lang: UiLang) -> str:
    """The CLDR locale whose names a reader gets: Simplified, Taiwan's or Hong Kong's Traditional, English."""
    if lang == "en":
        return "en"
    if lang == "zh-Hans":
        return "zh_Hans"
    return "zh_Hant_HK" if current_variant() == "hk" else "zh_Hant"


@cache
def _cldr_languages(locale: str) -> dict[str, str]:
    from babel import Locale  # CLDR data is read on first use

    parsed = Locale.parse(locale)
    english = Locale.parse("en").languages
    by_english = {name: code for code, name in english.items() if "_" not in code}
    out = {}
    for name in {*LANGUAGE_CODES, *by_english}:
        code = LANGUAGE_CODES.get(name) or by_english.get(name)
        if code and code in parsed.languages:
            out[name] = parsed.languages[code]
    return out


def language_name(name: str, lang: UiLang) -> str:
    """One of the directory's language names (English) in the reader's language."""
    if lang == "en":
        return name
    if name in DIALECTS_ZH:
        return localize(DIALECTS_ZH[name], lang)
    return _cldr_languages(cldr_locale(lang)).get(name, name)


def languages(association: Association, lang: UiLang) -> str:
    if lang == "en":
        return ", ".join(association.languages)
    return "、".join(language_name(x, lang) for x in association.languages)


def country_name(code: str, lang: UiLang) -> str:
    """A country's CLDR name in the reader's language and script."""
    return places.country_names(cldr_locale(lang)).get(code, code)


def hometown(association: Association, lang: UiLang) -> str:
    name = association.hometown or ""
    return name if lang == "en" else localize(PROVINCES_ZH.get(name, name), lang)


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
    city, nation = localize(association.city.get(cl), lang), country_name(association.country, lang)
    where = city if not nation or nation == city else city + ("，" if cl == "zh" else ", ") + nation
    return html.escape(where)


def distance(km: float | None, lang: UiLang, country: str = "") -> str:
    """· 320 km (and miles for English readers in the US and the UK)."""
    if km is None:
        return ""
    if km < 1:
        return " · < 1 km"
    shown = f" · {km:,.0f} km"
    if lang == "en" and country in ("US", "GB"):
        shown += f" ({km / 1.609344:,.0f} mi)"
    return shown


def result(directory: Directory, association: Association, lang: UiLang, distance_km: float | None = None) -> str:
    cl = content_lang(lang)
    text = t(
        "result",
        lang,
        name=localize(association.name.get(cl), lang),
        city="{city}",
        distance=distance(distance_km, lang, association.country),
        languages=languages(association, lang),
        contacts="{contacts}",
        verified=association.last_verified.isoformat(),
    )
    return text.replace("{city}", city_line(directory, association, lang)).replace("{contacts}", contacts(association))


def details(directory: Directory, association: Association, lang: UiLang) -> str:
    cl = content_lang(lang)
    home = t("hometown_line", lang, hometown=hometown(association, lang)) if association.hometown else ""
    text = t(
        "details",
        lang,
        name=localize(association.name.get(cl), lang),
        city="{city}",
        languages=languages(association, lang),
        hometown="{hometown}",
        description=localize(association.description.get(cl), lang),
        contacts="{contacts}",
        verified=association.last_verified.isoformat(),
    )
    text = text.replace("{city}", city_line(directory, association, lang)).replace("{hometown}", home)
    return text.replace("{contacts}", contacts(association)) + "\n\n" + t("sample_note", lang)


def found_header(found: Found, lang: UiLang) -> str:
    """The first line of /find's results; the place is echoed as the person wrote it (台北, not 臺北)."""
    count = len(found.associations)
    if found.how == "country":
        return t("find_in_country", lang, country=country_name(found.country, lang), count=count)
    if found.how == "nearest" and not found.place:
        return t("nearest_results", lang)
    if found.how == "nearest":
        return _echo(t("find_nearest_place", lang, place="{place}"), found.place)
    return t("find_results", lang, count=count)


def nothing_found(found: Found, lang: UiLang) -> str:
    if found.country:
        return t("find_country_empty", lang, country=country_name(found.country, lang))
    return _echo(t("find_none", lang, place="{place}"), found.place)


def _echo(text: str, place: str) -> str:
    return text.replace("{place}", html.escape(place[:60], quote=False))


def buttons(association: Association, lang: UiLang) -> Markup:
    row = [button(t("details_button", lang), AssociationDetails(association.id))]
    if association.joins_by_request:
        row.append(button(t("join_button", lang), JoinStart(association.id)))
    else:
        row.append(url_button(t("join_link_button", lang), association.join))
    return inline([row])


def name(association: Association, lang: UiLang) -> str:
    return localize(association.name.get(content_lang(lang)), lang)
