"""The report conversation: its steps as one declarative table, and what each input does.

Pure: no Telegram, no SQL. It takes the stored draft, the person's input and the content now
(gazetteer, federation, FAQ) and returns the next step, what to show, and what the service must
do (acknowledge the privacy notice, file the report, cancel). ``service.report_input`` loads and
saves the draft around it; ``handlers`` turn Telegram updates into inputs and render the replies.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any, Literal

from bot.content.live import Snapshot
from bot.messaging.callbacks import FaqAnswer, ReportStep
from bot.messaging.markup import REMOVE_KEYBOARD, Markup, Reply, button, inline, request_contact
from bot.reports.federation import Elsewhere, Place
from bot.reports.gazetteer import Resolution
from bot.reports.notify import queue_name
from bot.reports.rules import CATEGORIES, CATEGORY_BY_ID, Category
from bot.text.i18n import Typed, localize, t
from bot.text.language import UiLang, content_lang, parse
from bot.text.normalize import normalize

KIND = "report"
TTL = timedelta(hours=6)  # a draft untouched this long was abandoned: what comes next is something else
MAX_DESCRIPTION = 8000
MAX_ATTACHMENTS = 10
AGREE_WORDS = {"同意", "我同意", "agree", "i agree", "yes", "ok", "好", "好的", "是", "继续", "continue"}
SUBMIT_WORDS = {"提交", "确认", "确认提交", "submit", "send", "confirm", "yes", "ok"}
CONTINUE_WORDS = {
    "继续",
    "继续提交",
    "没有",
    "不是",
    "没用",
    "continue",
    "no",
    "none",
    "next",
    "下一步",
    "ok",
    "好",
    "好的",
    "skip",
    "跳过",
    "yes",
    "是",
}
SKIP_WORDS = {
    "skip",
    "跳过",
    "无",
    "没有",
    "不用",
    "不需要",
    "no",
    "none",
    "ok",
    "-",
    "/skip",
    "继续",
    "continue",
    "好",
    "好的",
    "next",
    "下一步",
    "no thanks",
    "不用了",
    "不留",
    "不留了",
}
# Words that move a step on; never a description of a difficulty.
NOT_CONTENT = CONTINUE_WORDS | SKIP_WORDS | SUBMIT_WORDS | AGREE_WORDS
CANCEL_WORDS = {"取消", "cancel", "算了", "不要了"}


# -- what the person does ---------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Press:
    """A button of this conversation (``r:<action>[:<arg>]``); ``message_id`` is the message it sits on."""

    action: str
    arg: str = ""
    message_id: int | None = None


@dataclass(frozen=True)
class Attach:
    kind: Literal["photo", "document"]
    file_id: str
    caption: str = ""


@dataclass(frozen=True)
class SharedContact:
    phone: str


@dataclass(frozen=True)
class Skip:
    """/skip"""


Input = Text | Press | Attach | SharedContact | Skip


# -- the draft and what a step returns --------------------------------------------------------


@dataclass
class Draft:
    """What the person has told so far (stored as the conversation's JSON)."""

    language: str
    place: str | None = None
    queue_id: str | None = None
    category: str | None = None
    description: str | None = None
    attachments: list[dict[str, str]] = field(default_factory=list)
    contact: str | None = None
    share_identity: bool = False
    typed_place: str | None = None  # what the person typed for the hometown, shown back as typed
    editing: bool = False  # a field changed from the summary: its step returns to the summary
    pending: dict[str, Any] = field(default_factory=dict)  # candidates waiting for a confirmation

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Draft:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known.setdefault("language", "zh-Hans")
        return cls(**known)

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def lang(self) -> UiLang:
        return parse(self.language) or "zh-Hans"


Effect = Literal["", "privacy_ack", "submit", "cancel", "ask"]


@dataclass
class Outcome:
    """The next step, what to show, and what the service must do (``ask``: answer ``question``
    from the FAQ while the draft stays where it is)."""

    step: str
    replies: list[Reply] = field(default_factory=list)
    effect: Effect = ""
    question: str = ""


Handler = Callable[[Draft, Input, Snapshot], Outcome]


@dataclass(frozen=True)
class Step:
    """One row of the table: the step's name, its question, and how it takes an answer."""

    name: str
    prompt: Callable[[Draft, Snapshot], list[Reply]]
    take: Handler


# -- prompts ---------------------------------------------------------------------------------


def privacy(draft: Draft, _: Snapshot) -> list[Reply]:
    lang = draft.lang
    return [
        Reply(
            t("privacy", lang),
            inline(
                [
                    [
                        button(t("agree", lang), ReportStep("ok")),
                        button(t("cancel_button", lang), ReportStep("x")),
                    ]
                ]
            ),
        )
    ]


def hinted(text: str, lang: UiLang) -> str:
    """Every question of the report says how to leave it."""
    return f"{text}\n\n{t('report_leave_hint', lang)}"


def ask_place(draft: Draft, _: Snapshot) -> list[Reply]:
    return [Reply(hinted(t("ask_place", draft.lang), draft.lang))]


def ask_category(draft: Draft, _: Snapshot) -> list[Reply]:
    lang = draft.lang
    cl = content_lang(lang)
    rows = [[button(localize(c.label.get(cl), lang), ReportStep("c", c.id))] for c in CATEGORIES]
    return [Reply(hinted(t("ask_category", lang), lang), inline(rows))]


def ask_description(draft: Draft, _: Snapshot) -> list[Reply]:
    key = "ask_description_again" if draft.editing and draft.description else "ask_description"
    return [Reply(hinted(t(key, draft.lang), draft.lang))]


def ask_contact(draft: Draft, _: Snapshot) -> list[Reply]:
    return [Reply(hinted(t("ask_contact", draft.lang), draft.lang), request_contact(t("share_phone", draft.lang)))]


def ask_attachments(draft: Draft, _: Snapshot) -> list[Reply]:
    lang = draft.lang
    rows = [[button(t("attachments_done", lang), ReportStep("ad"))]]
    if draft.attachments:
        rows.append([button(t("attachments_clear", lang), ReportStep("ac"))])
    text = t("ask_attachments", lang, count=len(draft.attachments), limit=MAX_ATTACHMENTS)
    return [Reply(hinted(text, lang), inline(rows))]


def ask_place_confirm(draft: Draft, snapshot: Snapshot) -> list[Reply]:
    """湖南省张家界市永定区？ — yes / another Hunan candidate / not in Hunan / type again."""
    lang = draft.lang
    federation = snapshot.federation
    places = [federation.places[i] for i in draft.pending.get("places", []) if i < len(federation.places)]
    outside = pending_outside(draft, snapshot)
    typed = draft.pending.get("typed", "")
    rows: list[list[dict[str, str]]] = []
    if places:
        first = places[0]
        text = t("place_confirm", lang, typed=Typed(typed), path=full_path(snapshot, first, lang))
        rows.append([button(t("place_yes", lang), ReportStep("p", str(federation.places.index(first))))])
        for other in places[1:]:
            label = t("place_instead", lang, path=full_path(snapshot, other, lang))
            rows.append([button(label, ReportStep("p", str(federation.places.index(other))))])
    else:
        text = t("place_outside_confirm", lang, typed=Typed(typed), where=outside_names(outside, lang))
    for i, other in enumerate(outside):  # one "not in Hunan" per place it may be (福州 or 抚州)
        rows.append([button(t("place_not_hunan", lang, where=outside_names([other], lang)), ReportStep("o", str(i)))])
    rows.append([button(t("place_retype", lang), ReportStep("re"))])
    if outside and places:
        text += "\n" + t("place_also_outside", lang, where=outside_names(outside, lang))
    return [Reply(hinted(text, lang), inline(rows))]


def ask_contact_check(draft: Draft, _: Snapshot) -> list[Reply]:
    lang = draft.lang
    rows = [
        [button(t("contact_use", lang), ReportStep("cu")), button(t("contact_again", lang), ReportStep("ca"))],
        [button(t("contact_none", lang), ReportStep("cn"))],
    ]
    text = t("contact_implausible", lang, contact=Typed(draft.pending.get("contact", "")))
    return [Reply(hinted(text, lang), inline(rows))]


def pending_outside(draft: Draft, snapshot: Snapshot) -> list[Elsewhere]:
    """The places outside Hunan being offered: the specific ones (台山) rather than their province."""
    names = draft.pending.get("outside", [])
    found = [o for name in names for o in snapshot.federation.elsewhere if o.name == name]
    specific = [o for o in found if not o.province]
    return (specific or found)[:3]


def full_path(snapshot: Snapshot, place: Place, lang: UiLang) -> str:
    """湖南省张家界市永定区 (in the reader's script) or "Yongding District, Zhangjiajie, Hunan (永定区)"."""
    federation = snapshot.federation
    if lang == "en":
        return f"{federation.path(place, en=True)} ({place.name})"
    return localize(federation.path(place), lang)


def outside_names(outside: list[Elsewhere], lang: UiLang) -> str:
    names = [o.en if lang == "en" else localize(o.name, lang) for o in outside]
    return (" / " if lang == "en" else "、").join(names)


def resume_markup(lang: UiLang) -> Markup:
    """The button that brings a person back to the report they left (after a question or /faq)."""
    return inline([[button(t("continue_draft", lang), ReportStep("r"))]])


def resume_offer(draft: Draft, snapshot: Snapshot) -> list[Reply]:
    """/report while a draft waits: continue it, or start over."""
    lang = draft.lang
    rows = [[button(t("continue_draft", lang), ReportStep("r")), button(t("start_over", lang), ReportStep("new"))]]
    return [Reply(hinted(t("report_resume", lang, so_far=so_far(draft, snapshot)), lang), inline(rows))]


def so_far(draft: Draft, snapshot: Snapshot) -> str:
    """One line of what a draft holds (for /report and /mytickets)."""
    lang = draft.lang
    parts = []
    if draft.place:
        parts.append(place_name(snapshot, draft.place, lang))
    category = CATEGORY_BY_ID.get(draft.category or "")
    if category:
        parts.append(localize(category.label.get(content_lang(lang)), lang))
    if draft.description:
        first = draft.description.splitlines()[0]
        parts.append(first[:40] + ("…" if len(first) > 40 else ""))
    return " · ".join(parts) or t("draft_empty", lang)


def summary(draft: Draft, snapshot: Snapshot, *, edit: int | None = None) -> Reply:
    lang = draft.lang
    category = CATEGORY_BY_ID.get(draft.category or "")
    cl = content_lang(lang)
    text = t(
        "summary",
        lang,
        place=place_name(snapshot, draft.place or "", lang),
        queue=queue_name(snapshot.federation, draft.queue_id or "", lang),
        category=localize(category.label.get(cl), lang) if category else "",
        description=Typed(preview(draft.description or "", lang)),
        attachments=len(draft.attachments),
        contact=Typed(draft.contact) if draft.contact else t("none", lang),
        identity=t("yes" if draft.share_identity else "no", lang),
    )
    return Reply(hinted(text, lang), summary_markup(lang), edit=edit)


EDIT_KEYS = {  # each field of the summary and the text of its ✏️ button
    "place": "edit_place",
    "category": "edit_category",
    "description": "edit_description",
    "contact": "edit_contact",
    "attachments": "edit_attachments",
}
EDITABLE = tuple(EDIT_KEYS)


def summary_markup(lang: UiLang) -> Markup:
    """Submit; a button to change each field (it comes back here); show my name; cancel."""
    edit = [button(t(key, lang), ReportStep("e", name)) for name, key in EDIT_KEYS.items()]
    return inline(
        [
            [button(t("submit", lang), ReportStep("s"))],
            edit[:2],
            edit[2:4],
            [edit[4], button(t("toggle_identity", lang), ReportStep("id"))],
            [button(t("cancel_button", lang), ReportStep("x"))],
        ]
    )


def preview(text: str, lang: UiLang, limit: int = 1500) -> str:
    """A long description shown in part, saying it is kept whole (the summary must fit one message)."""
    if len(text) <= limit:
        return text
    return text[:limit] + " " + html.unescape(t("text_truncated", lang, length=len(text)))


def confirm(draft: Draft, snapshot: Snapshot) -> list[Reply]:
    return [Reply("👌", REMOVE_KEYBOARD), summary(draft, snapshot)]


def to_summary(draft: Draft, snapshot: Snapshot, lead: list[Reply] | None = None) -> Outcome:
    """Back to the summary (after the last step, or after changing one field)."""
    draft.editing = False
    draft.pending = {}
    return Outcome("confirm", [*(lead or []), *confirm(draft, snapshot)])


# -- taking answers --------------------------------------------------------------------------


def take_privacy(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    agreed = (isinstance(inp, Press) and inp.action == "ok") or (
        isinstance(inp, Text) and is_word(inp.text, AGREE_WORDS)
    )
    if agreed:
        return Outcome("place", ask_place(draft, snapshot), effect="privacy_ack")
    if isinstance(inp, Text) and looks_like_question(inp.text):
        return ask("privacy", inp.text)
    return _stay("privacy", draft, inp, snapshot)


def take_place(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    federation = snapshot.federation
    if isinstance(inp, Press) and inp.action == "p" and inp.arg.isdigit() and int(inp.arg) < len(federation.places):
        place = federation.places[int(inp.arg)]
        return set_place(draft, snapshot, place.name, place.queue)
    if isinstance(inp, Press) and inp.action == "q" and inp.arg in federation.by_id:
        root = federation.by_id[inp.arg]
        return set_place(draft, snapshot, root.name.zh.removesuffix("侨联"), root.id)
    if isinstance(inp, Text) and inp.text.strip():
        return choose_place(draft, snapshot, inp.text.strip(), questions=True)
    return _stay("place", draft, inp, snapshot)


def take_place_confirm(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    """The answer to "湖南省张家界市永定区？": yes, another candidate, not in Hunan, or type again."""
    federation = snapshot.federation
    if isinstance(inp, Press) and inp.action == "p":
        return take_place(draft, inp, snapshot)
    if isinstance(inp, Press) and inp.action == "o":
        candidates = pending_outside(draft, snapshot)
        chosen = int(inp.arg) if inp.arg.isdigit() and int(inp.arg) < len(candidates) else 0
        outside = candidates[chosen : chosen + 1]
        where = outside[0].name if outside else draft.pending.get("typed", "")
        root = federation.root()
        lang = draft.lang
        note = Reply(t("place_outside_ok", lang, where=outside_names(outside[:1], lang) or where))
        return set_place(draft, snapshot, where or root.name.zh.removesuffix("侨联"), root.id, lead=[note])
    if isinstance(inp, Press) and inp.action == "re":
        draft.pending = {}
        return Outcome("place", ask_place(draft, snapshot))
    if isinstance(inp, Text) and inp.text.strip():
        if is_word(inp.text, YES_WORDS) and draft.pending.get("places"):
            return take_place(draft, Press("p", str(draft.pending["places"][0])), snapshot)
        return choose_place(draft, snapshot, inp.text.strip(), questions=True)
    return _stay("place_confirm", draft, inp, snapshot)


def take_category(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    if isinstance(inp, Press) and inp.action == "c":
        return set_category(draft, snapshot, inp.arg)
    if isinstance(inp, Text) and inp.text.strip():
        category = category_from_text(inp.text)
        if category is not None:
            return set_category(draft, snapshot, category.id)
        correction = parse_correction(inp.text)
        if correction is not None and correction.field == "place":
            return correct(draft, snapshot, correction)
        if looks_like_question(inp.text):
            return ask("category", inp.text)
        return set_category(draft, snapshot, "")
    return _stay("category", draft, inp, snapshot)


def take_description(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    lang = draft.lang
    if isinstance(inp, Attach):
        count = add_attachment(draft, inp)
        if inp.caption.strip() and not is_word(inp.caption, NOT_CONTENT):
            return set_description(draft, snapshot, inp.caption)
        return Outcome("description", [Reply(t("attachment_saved", lang, count=count))])
    if isinstance(inp, Text) and inp.text.strip():
        if is_word(inp.text, NOT_CONTENT):
            if draft.editing and draft.description:  # nothing to change after all
                return to_summary(draft, snapshot)
            return Outcome("description", ask_description(draft, snapshot))
        return set_description(draft, snapshot, inp.text)
    if isinstance(inp, Press | Skip):
        return _stay("description", draft, inp, snapshot)
    return Outcome("description", [Reply(t("type_text_please", lang))])


def take_attachments(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    """Adding or removing photos and documents from the summary."""
    lang = draft.lang
    if isinstance(inp, Attach):
        count = add_attachment(draft, inp)
        return Outcome(
            "attachments", [Reply(t("attachment_added", lang, count=count), ask_attachments(draft, snapshot)[0].markup)]
        )
    if isinstance(inp, Press) and inp.action == "ac":
        draft.attachments = []
        return Outcome("attachments", ask_attachments(draft, snapshot))
    if (isinstance(inp, Press) and inp.action == "ad") or (isinstance(inp, Text) and is_word(inp.text, NOT_CONTENT)):
        return to_summary(draft, snapshot)
    if isinstance(inp, Text) and looks_like_question(inp.text):
        return ask("attachments", inp.text)
    return _stay("attachments", draft, inp, snapshot)


def take_faqcheck(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    if isinstance(inp, Attach):
        add_attachment(draft, inp)
    text = inp.text.strip() if isinstance(inp, Text) else inp.caption.strip() if isinstance(inp, Attach) else ""
    correction = parse_correction(text) if text else None
    if correction is not None and correction.field in ("place", "category"):
        return correct(draft, snapshot, correction)
    if text and not is_word(text, CONTINUE_WORDS):  # more words about the difficulty: keep them
        draft.description = f"{draft.description}\n{text}" if draft.description else text
    if isinstance(inp, Press) and inp.action != "go":
        return Outcome("faqcheck")
    return Outcome("contact", ask_contact(draft, snapshot))


def take_contact(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    if isinstance(inp, SharedContact):
        draft.contact = inp.phone[:128]
        return to_summary(draft, snapshot)
    if isinstance(inp, Press | Attach):
        return _stay("contact", draft, inp, snapshot)
    contact = inp.text.strip() if isinstance(inp, Text) else ""
    if not contact or is_word(contact, SKIP_WORDS | SUBMIT_WORDS):
        return to_summary(draft, snapshot)
    correction = parse_correction(contact)
    if correction is not None and correction.field not in ("", "contact"):  # "家乡写错了…" is no contact
        return correct(draft, snapshot, correction)
    if looks_like_question(contact) and not plausible_contact(contact):
        return ask("contact", contact)
    return set_contact(draft, snapshot, contact)


def set_contact(draft: Draft, snapshot: Snapshot, contact: str) -> Outcome:
    """A phone, WeChat, e-mail or handle is taken; anything else (a stray digit) is confirmed first."""
    if not plausible_contact(contact):
        draft.pending = {"contact": contact[:128]}
        return Outcome("contact_check", ask_contact_check(draft, snapshot))
    draft.contact = contact[:128]
    return to_summary(draft, snapshot)


def take_contact_check(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    if isinstance(inp, Press) and inp.action == "cu":
        draft.contact = draft.pending.get("contact") or draft.contact
        return to_summary(draft, snapshot)
    if isinstance(inp, Press) and inp.action == "ca":
        draft.pending = {}
        return Outcome("contact", ask_contact(draft, snapshot))
    if isinstance(inp, Press) and inp.action == "cn":
        draft.contact = None
        return to_summary(draft, snapshot)
    if isinstance(inp, Text | SharedContact):
        return take_contact(draft, inp, snapshot)
    return _stay("contact_check", draft, inp, snapshot)


def take_confirm(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    if isinstance(inp, Press) and inp.action == "s":
        return Outcome("confirm", [], effect="submit")
    if isinstance(inp, Press) and inp.action == "id":
        draft.share_identity = not draft.share_identity
        return Outcome("confirm", [summary(draft, snapshot, edit=inp.message_id)])
    if isinstance(inp, Press) and inp.action == "e" and inp.arg in EDITABLE:
        return correct(draft, snapshot, Correction(inp.arg, ""))
    if isinstance(inp, Text) and is_word(inp.text, SUBMIT_WORDS):
        return Outcome("confirm", [], effect="submit")
    if isinstance(inp, Text) and inp.text.strip():
        correction = parse_correction(inp.text)
        if correction is not None and not correction.field and correction.value:
            correction = Correction(guess_field(snapshot, correction.value), correction.value)
        if correction is not None and correction.field:
            return correct(draft, snapshot, correction)
        if correction is not None:  # "wait, that's wrong": which part?
            return Outcome("confirm", [Reply(t("which_field", draft.lang), summary_markup(draft.lang))])
        return ask("confirm", inp.text)
    if isinstance(inp, Press):
        return Outcome("confirm")
    return Outcome("confirm", [summary(draft, snapshot)])


STEPS: tuple[Step, ...] = (
    Step("privacy", privacy, take_privacy),
    Step("place", ask_place, take_place),
    Step("place_confirm", ask_place_confirm, take_place_confirm),  # a shared name: which place is it?
    Step("category", ask_category, take_category),
    Step("description", ask_description, take_description),
    Step("faqcheck", ask_contact, take_faqcheck),  # FAQ entries offered before filing; then the contact
    Step("contact", ask_contact, take_contact),
    Step("contact_check", ask_contact_check, take_contact_check),  # "1" is no contact: use it anyway?
    Step("attachments", ask_attachments, take_attachments),  # changing attachments from the summary
    Step("confirm", confirm, take_confirm),
)
BY_NAME = {step.name: step for step in STEPS}


def first_step(agreed_privacy: bool) -> str:
    return "place" if agreed_privacy else "privacy"


def advance(step: str, draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    """The person's input at ``step``: cancelling, continuing and starting over work everywhere;
    otherwise the step's own rule."""
    if (isinstance(inp, Press) and inp.action == "x") or (isinstance(inp, Text) and is_word(inp.text, CANCEL_WORDS)):
        return Outcome(step, [Reply(t("report_cancelled", draft.lang), REMOVE_KEYBOARD)], effect="cancel")
    if isinstance(inp, Press) and inp.action == "r":  # continue my report: its current question again
        if step == "faqcheck":  # back from the suggested answers: on to the contact
            return Outcome("contact", ask_contact(draft, snapshot))
        return Outcome(step, BY_NAME.get(step, STEPS[0]).prompt(draft, snapshot))
    if isinstance(inp, Press) and inp.action == "new":
        fresh = Draft(language=draft.language)
        draft.__dict__.update(fresh.__dict__)
        start = "privacy" if step == "privacy" else "place"
        return Outcome(start, BY_NAME[start].prompt(draft, snapshot))
    if isinstance(inp, Skip):
        return skip(step, draft, snapshot)
    current = BY_NAME.get(step, STEPS[0])
    return current.take(draft, inp, snapshot)


def skip(step: str, draft: Draft, snapshot: Snapshot) -> Outcome:
    """/skip: leave out the FAQ suggestions or the optional contact."""
    if step == "faqcheck":
        return Outcome("contact", ask_contact(draft, snapshot))
    if step in ("contact", "contact_check"):
        if step == "contact_check":
            draft.contact = None
        return to_summary(draft, snapshot)
    if step == "attachments" or (draft.editing and step in ("place", "category", "description")):
        return to_summary(draft, snapshot)  # nothing changed after all
    return Outcome(step, [Reply(t("skip_nothing", draft.lang))])


def ask(step: str, text: str) -> Outcome:
    """A question in the middle of the report: answered from the FAQ; the draft stays at ``step``."""
    return Outcome(step, [], effect="ask", question=text.strip())


def _stay(step: str, draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    """An input this step cannot take: a stale button does nothing, anything else asks again."""
    if isinstance(inp, Press):
        return Outcome(step)
    return Outcome(step, BY_NAME[step].prompt(draft, snapshot))


# -- corrections and questions ----------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    """A change the person asked for: the field (empty when unsaid) and the new value (if given)."""

    field: str
    value: str


FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "place": ("家乡", "老家", "籍贯", "祖籍", "县市", "hometown", "home town", "county", "ancestral"),
    "category": ("类别", "类型", "分类", "种类", "category", "type", "kind"),
    "description": ("描述", "内容", "情况", "说明", "description", "details"),
    "contact": ("联系方式", "联系", "电话", "手机", "微信", "邮箱", "号码", "contact", "phone", "email", "wechat"),
    "attachments": ("附件", "照片", "图片", "文件", "attachment", "photo", "picture", "document"),
}
CHANGE_WORDS = (
    "改成",
    "改为",
    "换成",
    "应该是",
    "应是",
    "应为",
    "写错",
    "错了",
    "不对",
    "修改",
    "更改",
    "更正",
    "纠正",
    "改一下",
    "要改",
    "change",
    "should be",
    "wrong",
    "correct",
    "fix",
    "edit",
    "instead",
    "mistake",
    "update",
    "actually",
    "不是",
)
# Where the new value starts, in Simplified, Traditional or English (matched on the raw text).
VALUE_MARKER = re.compile(
    r"(?:改成|改為|改为|換成|换成|應該是|应该是|應是|应是|應為|应为|改|\bshould\s+be\b|\bchanged?\b.*?\bto\b|"
    r"\bto\s+be\b|\binstead\b|\bit\s+is\b|\bit's\b|\bis\b|是)\s*[:：,，]?\s*(?P<value>.+)$",
    re.IGNORECASE,
)
QUESTION_WORDS = (
    "吗",
    "怎么",
    "怎样",
    "如何",
    "什么",
    "哪里",
    "哪儿",
    "为什么",
    "能不能",
    "可不可以",
    "是否",
    "多少",
    "多久",
    "请问",
)
EN_QUESTION_STARTS = (
    "how",
    "what",
    "where",
    "when",
    "why",
    "who",
    "which",
    "can",
    "could",
    "do",
    "does",
    "is",
    "are",
    "should",
    "will",
    "may",
)
YES_WORDS = {"是", "是的", "对", "对的", "没错", "yes", "y", "yes it is", "correct", "right", "ok", "好"}


def parse_correction(text: str) -> Correction | None:
    """ "等一下，家鄉寫錯了，應該是瀏陽" → (place, 瀏陽); "类别改成教育" → (category, 教育);
    "wait, that's wrong" → (no field); anything else → None. Rule-based and small on purpose:
    when it cannot tell which field, the bot asks."""
    norm = normalize(text)
    words = norm.split()
    field_name = ""
    for name, keys in FIELD_WORDS.items():
        if any((key in words or (" " in key and key in norm)) if key.isascii() else key in norm for key in keys):
            field_name = name
            break
    changing = any((key in norm) if not key.isascii() else re.search(rf"\b{key}\b", norm) for key in CHANGE_WORDS)
    if not changing:
        return None
    value = ""
    for clause in reversed(re.split(r"[，,。;；!！]\s*|\.(?:\s+|$)", text.strip())):
        found = VALUE_MARKER.search(clause)
        if found:
            value = found.group("value").strip(" 。.!！了吧啊的")
            break
    for key in FIELD_WORDS.get(field_name, ()):  # "应该是浏阳县家乡" rarely; "家乡是浏阳" → 浏阳
        if value.lower().startswith(key):
            value = value[len(key) :].strip(" 是:：")
    return Correction(field_name, value)


def guess_field(snapshot: Snapshot, value: str) -> str:
    """ "不是茶陵，是浏阳": the field a bare new value belongs to, when only one fits."""
    if category_from_text(value) is not None:
        return "category"
    if any(m.score >= 95 for m in snapshot.gazetteer.resolve(value).places):
        return "place"
    if (plausible_contact(value) and any(ch.isdigit() for ch in value)) or "@" in value:
        return "contact"
    return ""


def correct(draft: Draft, snapshot: Snapshot, correction: Correction) -> Outcome:
    """Change one field from the summary: with the new value at once, or by asking for it; either
    way the person comes back to the summary."""
    draft.editing = True
    name, value = correction.field, correction.value
    if name == "place":
        if value:
            return choose_place(draft, snapshot, value)
        return Outcome("place", ask_place(draft, snapshot))
    if name == "category":
        category = category_from_text(value) if value else None
        if category is not None:
            return set_category(draft, snapshot, category.id)
        return Outcome("category", ask_category(draft, snapshot))
    if name == "description":
        if len(value) >= 4:
            return set_description(draft, snapshot, value)
        return Outcome("description", ask_description(draft, snapshot))
    if name == "contact":
        if value:
            return set_contact(draft, snapshot, value)
        return Outcome("contact", ask_contact(draft, snapshot))
    if name == "attachments":
        return Outcome("attachments", ask_attachments(draft, snapshot))
    draft.editing = False
    return Outcome("confirm", [Reply(t("which_field", draft.lang), summary_markup(draft.lang))])


def looks_like_question(text: str) -> bool:
    """A question rather than an answer to the step: ends with ?, or starts or is built like one."""
    raw = text.strip()
    norm = normalize(raw)
    if not norm.strip():  # "???" is no question, only puzzlement
        return False
    if raw.endswith(("?", "？")):
        return True
    words = norm.split()
    if words and words[0] in EN_QUESTION_STARTS and len(words) >= 3:
        return True
    return any(word in norm for word in QUESTION_WORDS)


PHONE = re.compile(r"\d(?:[\s()\-+.]*\d){5,19}")  # 6 to 20 digits, spaced or not
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
HANDLE = re.compile(r"@?[A-Za-z][A-Za-z0-9_\-]{4,}")  # a WeChat ID, a Telegram or Line handle


def plausible_contact(text: str) -> bool:
    """A phone number (6–20 digits), an e-mail, or a WeChat ID or handle, alone or with a word
    around it ("微信 lin_2024"); a stray digit or a sentence is not."""
    value = text.strip()
    return bool(PHONE.search(value) or EMAIL.search(value) or HANDLE.search(value))


# -- the rules behind the steps ---------------------------------------------------------------


def choose_place(draft: Draft, snapshot: Snapshot, text: str, *, questions: bool = False) -> Outcome:
    """A place that can mean only one thing is taken; a shared name is confirmed with its full path.

    Close spellings are only offered as buttons, always with the provincial federation as a way
    out: a place outside Hunan must never be routed to a Hunan county by a lookalike name.
    With ``questions``, a question typed instead of a place is answered from the FAQ.
    """
    lang = draft.lang
    draft.typed_place = text[:120]
    resolution: Resolution = snapshot.gazetteer.resolve(text)
    federation = snapshot.federation
    places = federation.places
    if resolution.sure and resolution.places:
        place = resolution.places[0].place
        return set_place(draft, snapshot, place.name, place.queue, former=resolution.former)
    if resolution.outside or (resolution.places and all(m.score >= 95 for m in resolution.places)):
        draft.pending = {
            "typed": text[:60],
            "places": [places.index(m.place) for m in resolution.places],
            "outside": [o.name for o in resolution.outside],
        }
        return Outcome("place_confirm", ask_place_confirm(draft, snapshot))
    if questions and looks_like_question(text):
        return ask(draft_step(draft), text)
    root = federation.root()
    province = [button(t("place_province", lang), ReportStep("q", root.id))]
    if resolution.places:
        rows = [
            [button(full_path(snapshot, m.place, lang), ReportStep("p", str(places.index(m.place))))]
            for m in resolution.places
        ]
        return Outcome("place", [Reply(hinted(t("place_choose", lang), lang), inline([*rows, province]))])
    return Outcome("place", [Reply(hinted(t("place_unknown", lang, text=text[:60]), lang), inline([province]))])


def draft_step(draft: Draft) -> str:
    return "place_confirm" if draft.pending.get("typed") else "place"


def set_place(
    draft: Draft,
    snapshot: Snapshot,
    place: str,
    queue_id: str,
    *,
    lead: list[Reply] | None = None,
    former: bool = False,
) -> Outcome:
    draft.place, draft.queue_id = place, queue_id
    draft.pending = {}
    lang = draft.lang
    name = queue_name(snapshot.federation, queue_id, lang)
    shown = place_name(snapshot, place, lang)
    text = t("place_ok", lang, place=shown, queue=name)
    typed = (draft.typed_place or "").strip()
    if former and typed:  # 浏阳县 → 浏阳市: say what was understood from what was typed
        text += "\n" + t("place_typed", lang, typed=Typed(typed[:60]))
    replies = [*(lead or []), Reply(text)]
    if draft.editing:
        return to_summary(draft, snapshot, replies)
    return Outcome("category", [*replies, *ask_category(draft, snapshot)])


def place_name(snapshot: Snapshot, place: str, lang: UiLang) -> str:
    """茶陵县 for Chinese readers (in their script), "Chaling County (茶陵县)" for English ones."""
    if lang != "en":
        return localize(place, lang)
    found = next((p for p in snapshot.federation.places if p.name == place), None)
    if found is None:
        other = next((o for o in snapshot.federation.elsewhere if o.name == place), None)
        return f"{other.en} ({place})" if other else place
    return f"{found.en} ({place})" if found.en else place


def category_from_text(text: str) -> Category | None:
    norm = normalize(text)
    if norm.isdigit() and 1 <= int(norm) <= len(CATEGORIES):
        return CATEGORIES[int(norm) - 1]
    for c in CATEGORIES:
        labels = {normalize(c.label.zh), normalize(c.label.en), c.id}
        if norm in labels or any(norm and (norm in label or label in norm) for label in labels if len(label) >= 2):
            return c
    return None


def set_category(draft: Draft, snapshot: Snapshot, category_id: str) -> Outcome:
    lang = draft.lang
    category = CATEGORY_BY_ID.get(category_id)
    if category is None:
        return Outcome("category", [Reply(t("category_unknown", lang)), *ask_category(draft, snapshot)])
    draft.category = category.id
    replies = [Reply(t("emergency", lang))] if category.emergency else []
    if draft.editing:
        return to_summary(draft, snapshot, replies)
    return Outcome("description", [*replies, *ask_description(draft, snapshot)])


def add_attachment(draft: Draft, item: Attach) -> int:
    if len(draft.attachments) < MAX_ATTACHMENTS:
        draft.attachments.append({"type": item.kind, "file_id": item.file_id})
    return len(draft.attachments)


def set_description(draft: Draft, snapshot: Snapshot, text: str) -> Outcome:
    lang = draft.lang
    text = text.strip()
    if len(text) > MAX_DESCRIPTION:
        return Outcome("description", [Reply(t("description_too_long", lang, limit=MAX_DESCRIPTION))])
    if draft.editing:  # a corrected description replaces the old one
        draft.description = text
        return to_summary(draft, snapshot)
    draft.description = text if not draft.description else f"{draft.description}\n{text}"
    result = snapshot.index.match(text)
    ids = [result.match.id] if result.match else [x.id for x in result.suggestions]
    entries = [snapshot.faq.by_id[i] for i in ids if i in snapshot.faq.by_id]
    if not entries:
        return Outcome("contact", ask_contact(draft, snapshot))
    cl = content_lang(lang)
    rows = [[button(localize(e.title(cl), lang), FaqAnswer(e.id))] for e in entries]
    rows.append([button(t("continue_report", lang), ReportStep("go"))])
    return Outcome("faqcheck", [Reply(hinted(t("faq_first", lang), lang), inline(rows))])


def is_word(text: str, words: set[str]) -> bool:
    return normalize(text) in words


def attachments_json(draft: Draft) -> str:
    return json.dumps(draft.attachments, ensure_ascii=False)
