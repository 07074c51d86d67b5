"""How associations look in a chat: a result card, its details, its buttons."""

from __future__ import annotations

import html

from bot.directory.model import Association, Directory
from bot.messaging.callbacks import AssociationDetails, JoinStart
from bot.messaging.markup import Markup, button, inline, url_button
from bot.text.i18n import localize, t
from bot.text.language import UiLang, content_lang

CONTACT_ICONS = {"website": "🌐", "email": "✉️", "phone": "☎️", "telegram": "💬"}
# Names in the YAML are English; Chinese readers get these.
LANGUAGE_NAMES_ZH = {
    "Mandarin": "普通话",
    "Cantonese": "粤语",
    "Hokkien": "闽南语",
    "Hakka": "客家话",
    "Teochew": "潮州话",
    "Hunanese": "湘语",
    "Hainanese": "海南话",
    "Fuzhounese": "福州话",
    "Wenzhounese": "温州话",
    "Shanghainese": "上海话",
    "English": "英语",
    "Malay": "马来语",
    "Thai": "泰语",
    "Indonesian": "印尼语",
    "Filipino": "菲律宾语",
    "Tagalog": "他加禄语",
    "Vietnamese": "越南语",
    "Burmese": "缅甸语",
    "Japanese": "日语",
    "Korean": "韩语",
    "French": "法语",
    "Italian": "意大利语",
    "Spanish": "西班牙语",
    "German": "德语",
    "Portuguese": "葡萄牙语",
    "Arabic": "阿拉伯语",
    "Afrikaans": "南非荷兰语",
    "Zulu": "祖鲁语",
    "Creole": "克里奥尔语",
    "Tamil": "泰米尔语",
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


def languages(association: Association, lang: UiLang) -> str:
    if lang == "en":
        return ", ".join(association.languages)
    return localize("、".join(LANGUAGE_NAMES_ZH.get(x, x) for x in association.languages), lang)


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
    country = next((c for c in directory.countries if c.code == association.country), None)
    city, nation = association.city.get(cl), country.name.get(cl) if country else ""
    where = city if not nation or nation == city else city + ("，" if cl == "zh" else ", ") + nation
    return html.escape(localize(where, lang))


def result(directory: Directory, association: Association, lang: UiLang, distance_km: float | None = None) -> str:
    cl = content_lang(lang)
    distance = "" if distance_km is None else " · < 1 km" if distance_km < 1 else f" · {distance_km:,.0f} km"
    text = t(
        "result",
        lang,
        name=localize(association.name.get(cl), lang),
        city="{city}",
        distance=distance,
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


def buttons(association: Association, lang: UiLang) -> Markup:
    row = [button(t("details_button", lang), AssociationDetails(association.id))]
    if association.joins_by_request:
        row.append(button(t("join_button", lang), JoinStart(association.id)))
    else:
        row.append(url_button(t("join_link_button", lang), association.join))
    return inline([row])


def name(association: Association, lang: UiLang) -> str:
    return localize(association.name.get(content_lang(lang)), lang)
