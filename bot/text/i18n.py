"""User-facing texts in Simplified Chinese and English; Traditional is derived with OpenCC.

Texts are HTML (Telegram parse mode). Values passed to :func:`t` are escaped here, so a
user's name or question can never inject markup.
"""

from __future__ import annotations

import html
from typing import Any

from bot.text.i18n_directory import DIRECTORY_TEXTS
from bot.text.i18n_reports import REPORT_TEXTS
from bot.text.i18n_staff import STAFF_TEXTS
from bot.text.language import UiLang
from bot.text.script import to_traditional

CATALOG: dict[str, dict[str, str]] = {
    "start": {
        "zh": (
            "您好，{name}！我是<b>侨联助手</b>，为海外侨胞和归侨侨眷服务。\n\n"
            "我可以：\n"
            "• 回答常见问题：护照、签证、子女教育、家乡房产、养老保险等，直接发问即可；\n"
            "• 按类别浏览常见问题：/faq；\n"
            "• 查找您所在地的侨团并申请加入：/find；\n"
            "• 反映困难，转给您家乡县（市、区）的侨联：/report，进度用 /mytickets 查看。\n\n"
            "请选择您习惯的语言："
        ),
        "en": (
            "Hello, {name}! I am the <b>Qiaolian assistant</b> of the federation of returned overseas "
            "Chinese, here to help overseas Chinese and their families.\n\n"
            "I can:\n"
            "• answer common questions (passports, visas, schooling, hometown property, pensions…):"
            " just ask;\n"
            "• let you browse the questions by topic: /faq;\n"
            "• find overseas Chinese associations near you and ask to join: /find;\n"
            "• take a report of a difficulty for your hometown county federation: /report (follow it with "
            "/mytickets).\n\n"
            "Please choose your language:"
        ),
    },
    "help": {
        "zh": (
            "<b>使用说明</b>\n\n"
            "直接输入您的问题，例如“护照过期了怎么办”，我会给出答案或可能相关的问题。\n\n"
            "/faq 按类别浏览常见问题\n"
            "/find 查找附近的侨团（可以分享位置）\n"
            "/report 反映困难\n"
            "/mytickets 我的反映和入会申请\n"
            "/language 切换语言（简体中文 / 繁體中文 / English）\n"
            "/cancel 取消当前操作\n"
            "/help 显示本说明\n\n"
            "本助手提供的是一般性指引，具体政策请以驻外使领馆、“中国领事”APP 或当地侨联的答复为准。"
        ),
        "en": (
            "<b>How to use me</b>\n\n"
            "Type your question, e.g. “my passport has expired”, and I will answer it or suggest related "
            "questions.\n\n"
            "/faq browse the questions by topic\n"
            "/find associations near you (you can share your location)\n"
            "/report report a difficulty\n"
            "/mytickets your reports and join requests\n"
            "/language change language (简体中文 / 繁體中文 / English)\n"
            "/cancel cancel what you are doing\n"
            "/help show this help\n\n"
            "My answers are general guidance. For your own case, the Chinese embassy or consulate, the China "
            "Consular Service app or your local federation have the final word."
        ),
    },
    "choose_language": {"zh": "请选择语言：", "en": "Please choose your language:"},
    "language_set": {
        "zh": "好的，以后我会用简体中文回答。直接输入您的问题，或发送 /faq 浏览常见问题。",
        "en": "Done: I will answer in English from now on. Type your question, or send /faq to browse.",
    },
    "language_set_hant": {
        "zh": "好的，以后我会用繁体中文回答。直接输入您的问题，或发送 /faq 浏览常见问题。",
        "en": "Done: I will answer in English from now on. Type your question, or send /faq to browse.",
    },
    "faq_menu": {"zh": "<b>常见问题</b>：请选择类别", "en": "<b>Common questions</b>: choose a topic"},
    "faq_category": {"zh": "<b>{category}</b>：请选择问题", "en": "<b>{category}</b>: choose a question"},
    "back_to_menu": {"zh": "« 返回类别", "en": "« All topics"},
    "did_you_mean": {
        "zh": "我不太确定您的意思。您是想问下面哪个问题？",
        "en": "I am not quite sure what you mean. Is it one of these?",
    },
    "none_of_these": {
        "zh": "都不是？换个说法再问一次，或用 /report 反映您的具体情况。",
        "en": "None of these? Try other words, or use /report to tell us about your situation.",
    },
    "no_answer": {
        "zh": (
            "抱歉，我还不能回答这个问题。\n\n"
            "• 换个说法再问一次，或用 /faq 浏览常见问题；\n"
            "• 如遇具体困难，请用 /report 反映，侨联工作人员会跟进。\n\n"
            "如在海外遇到紧急情况，请先拨打当地报警电话，再拨打外交部全球领事保护与服务应急热线 "
            "+86-10-12308。"
        ),
        "en": (
            "Sorry, I cannot answer that yet.\n\n"
            "• Try other words, or browse with /faq;\n"
            "• for a difficulty of your own, use /report and federation staff will follow up.\n\n"
            "In an emergency abroad, call the local police first, then the Chinese consular protection "
            "hotline +86-10-12308."
        ),
    },
    "smalltalk_greeting": {
        "zh": "您好！请直接输入您的问题，例如“护照过期了怎么办”；也可以用 /faq 浏览常见问题，或用 /report 反映困难。",
        "en": (
            "Hello! Type your question, for example “my passport has expired”; or browse with /faq, or report a "
            "difficulty with /report."
        ),
    },
    "smalltalk_thanks": {
        "zh": "不客气！还有其他问题，随时可以问我。",
        "en": "You're welcome! Ask me anything else at any time.",
    },
    "smalltalk_bye": {"zh": "再见，祝您一切顺利！", "en": "Goodbye, and all the best!"},
    "browse_button": {"zh": "📚 浏览常见问题", "en": "📚 Browse questions"},
    "helpful": {"zh": "👍 有帮助", "en": "👍 Helpful"},
    "not_helpful": {"zh": "👎 没有帮助", "en": "👎 Not helpful"},
    "thanks_feedback": {"zh": "谢谢您的反馈！", "en": "Thank you for your feedback!"},
    "sorry_feedback": {
        "zh": ("抱歉没能帮到您。您可以换个说法再问，或用 /report 把您的具体情况告诉侨联，工作人员会跟进。"),
        "en": (
            "Sorry this did not help. You can ask in other words, or use /report to tell the federation "
            "about your situation; staff will follow up."
        ),
    },
    "links": {"zh": "相关链接：", "en": "Links:"},
    "answer_gone": {
        "zh": "这个问题已经更新或移除了，请用 /faq 重新浏览。",
        "en": "That question has been updated or removed; please browse again with /faq.",
    },
    "nothing_to_cancel": {
        "zh": "当前没有需要取消的操作。直接输入问题即可。",
        "en": "There is nothing to cancel. Just type your question.",
    },
    "non_text": {
        "zh": "我目前只能理解文字消息。请用文字输入您的问题，或发送 /faq 浏览常见问题。",
        "en": "I can only read text messages for now. Please type your question, or send /faq to browse.",
    },
    "error": {
        "zh": "抱歉，处理您的消息时出了点问题。请稍后再试；如果问题持续，请用 /report 告诉我们。",
        "en": "Sorry, something went wrong while handling your message. Please try again in a moment.",
    },
    "admins_only": {
        "zh": "抱歉，这个命令只供管理员使用。",
        "en": "Sorry, this command is for the bot's administrators only.",
    },
    "reload_ok": {
        "zh": "常见问题已重新加载：{entries} 条，{categories} 个类别。{warnings}",
        "en": "FAQ reloaded: {entries} entries in {categories} topics. {warnings}",
    },
    "reload_warnings": {"zh": "提示 {count} 条：", "en": "{count} warning(s):"},
    "reload_failed": {
        "zh": "重新加载失败，仍在使用上一版常见问题。请修正以下错误后再发送 /reload：",
        "en": "Reload failed; the previous FAQ is still being served. Fix these and send /reload again:",
    },
    "more_problems": {
        "zh": "……另有 {count} 个问题，请运行 qiaobot faq check 查看全部。",
        "en": "…and {count} more; run qiaobot faq check to see all.",
    },
    "cmd_start": {"zh": "开始并选择语言", "en": "Start and choose a language"},
    "cmd_help": {"zh": "使用说明", "en": "How to use the bot"},
    "cmd_faq": {"zh": "浏览常见问题", "en": "Browse common questions"},
    "cmd_report": {"zh": "反映困难", "en": "Report a difficulty"},
    "cmd_language": {"zh": "切换语言", "en": "Change language"},
    "cmd_cancel": {"zh": "取消当前操作", "en": "Cancel what you are doing"},
}


CATALOG.update(REPORT_TEXTS)
CATALOG.update(STAFF_TEXTS)
CATALOG.update(DIRECTORY_TEXTS)


def t(key: str, lang: UiLang, /, **values: Any) -> str:
    """The text ``key`` in ``lang`` with every value HTML-escaped."""
    entry = CATALOG[key]
    text = entry["en"] if lang == "en" else entry["zh"]
    if values:
        text = text.format(**{k: html.escape(str(v), quote=False) for k, v in values.items()})
    return localize(text, lang)


def localize(text: str, lang: UiLang) -> str:
    """Convert Simplified text for Traditional readers; other languages are unchanged."""
    return to_traditional(text) if lang == "zh-Hant" else text
