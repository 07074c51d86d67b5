"""The report conversation: its steps as one declarative table, and what each input does.

Pure: no Telegram, no SQL. It takes the stored draft, the person's input and the content now
(gazetteer, federation, FAQ) and returns the next step, what to show, and what the service must
do (acknowledge the privacy notice, file the report, cancel). ``service.report_input`` loads and
saves the draft around it; ``handlers`` turn Telegram updates into inputs and render the replies.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any, Literal

from bot.content.live import Snapshot
from bot.messaging.callbacks import FaqAnswer, ReportStep
from bot.messaging.markup import REMOVE_KEYBOARD, Reply, button, inline, request_contact
from bot.reports.notify import queue_name
from bot.reports.rules import CATEGORIES, CATEGORY_BY_ID, Category
from bot.text.i18n import localize, t
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


Effect = Literal["", "privacy_ack", "submit", "cancel"]


@dataclass
class Outcome:
    step: str
    replies: list[Reply] = field(default_factory=list)
    effect: Effect = ""


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


def ask_place(draft: Draft, _: Snapshot) -> list[Reply]:
    return [Reply(t("ask_place", draft.lang))]


def ask_category(draft: Draft, _: Snapshot) -> list[Reply]:
    lang = draft.lang
    cl = content_lang(lang)
    rows = [[button(localize(c.label.get(cl), lang), ReportStep("c", c.id))] for c in CATEGORIES]
    return [Reply(t("ask_category", lang), inline(rows))]


def ask_description(draft: Draft, _: Snapshot) -> list[Reply]:
    return [Reply(t("ask_description", draft.lang))]


def ask_contact(draft: Draft, _: Snapshot) -> list[Reply]:
    return [Reply(t("ask_contact", draft.lang), request_contact(t("share_phone", draft.lang)))]


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
        description=preview(draft.description or "", lang),
        attachments=len(draft.attachments),
        contact=draft.contact or t("none", lang),
        identity=t("yes" if draft.share_identity else "no", lang),
    )
    markup = inline(
        [
            [button(t("submit", lang), ReportStep("s"))],
            [button(t("toggle_identity", lang), ReportStep("id")), button(t("cancel_button", lang), ReportStep("x"))],
        ]
    )
    return Reply(text, markup, edit=edit)


def preview(text: str, lang: UiLang, limit: int = 1500) -> str:
    """A long description shown in part, saying it is kept whole (the summary must fit one message)."""
    if len(text) <= limit:
        return text
    return text[:limit] + " " + html.unescape(t("text_truncated", lang, length=len(text)))


def confirm(draft: Draft, snapshot: Snapshot) -> list[Reply]:
    return [Reply("👌", REMOVE_KEYBOARD), summary(draft, snapshot)]


# -- taking answers --------------------------------------------------------------------------


def take_privacy(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    agreed = (isinstance(inp, Press) and inp.action == "ok") or (
        isinstance(inp, Text) and is_word(inp.text, AGREE_WORDS)
    )
    if agreed:
        return Outcome("place", ask_place(draft, snapshot), effect="privacy_ack")
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
        return choose_place(draft, snapshot, inp.text.strip())
    return _stay("place", draft, inp, snapshot)


def take_category(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    if isinstance(inp, Press) and inp.action == "c":
        return set_category(draft, snapshot, inp.arg)
    if isinstance(inp, Text) and inp.text.strip():
        category = category_from_text(inp.text)
        return set_category(draft, snapshot, category.id if category else "")
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
            return Outcome("description", ask_description(draft, snapshot))
        return set_description(draft, snapshot, inp.text)
    if isinstance(inp, Press | Skip):
        return _stay("description", draft, inp, snapshot)
    return Outcome("description", [Reply(t("type_text_please", lang))])


def take_faqcheck(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    if isinstance(inp, Attach):
        add_attachment(draft, inp)
    text = inp.text.strip() if isinstance(inp, Text) else inp.caption.strip() if isinstance(inp, Attach) else ""
    if text and not is_word(text, CONTINUE_WORDS):  # more words about the difficulty: keep them
        draft.description = f"{draft.description}\n{text}" if draft.description else text
    if isinstance(inp, Press) and inp.action != "go":
        return Outcome("faqcheck")
    return Outcome("contact", ask_contact(draft, snapshot))


def take_contact(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    contact = inp.phone if isinstance(inp, SharedContact) else inp.text.strip() if isinstance(inp, Text) else ""
    if isinstance(inp, Press | Attach):
        return _stay("contact", draft, inp, snapshot)
    if contact and not is_word(contact, SKIP_WORDS | SUBMIT_WORDS):
        draft.contact = contact[:128]
    return Outcome("confirm", confirm(draft, snapshot))


def take_confirm(draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    if isinstance(inp, Press) and inp.action == "s":
        return Outcome("confirm", [], effect="submit")
    if isinstance(inp, Press) and inp.action == "id":
        draft.share_identity = not draft.share_identity
        return Outcome("confirm", [summary(draft, snapshot, edit=inp.message_id)])
    if isinstance(inp, Text) and is_word(inp.text, SUBMIT_WORDS):
        return Outcome("confirm", [], effect="submit")
    if isinstance(inp, Press):
        return Outcome("confirm")
    return Outcome("confirm", [summary(draft, snapshot)])


STEPS: tuple[Step, ...] = (
    Step("privacy", privacy, take_privacy),
    Step("place", ask_place, take_place),
    Step("category", ask_category, take_category),
    Step("description", ask_description, take_description),
    Step("faqcheck", ask_contact, take_faqcheck),  # FAQ entries offered before filing; then the contact
    Step("contact", ask_contact, take_contact),
    Step("confirm", confirm, take_confirm),
)
BY_NAME = {step.name: step for step in STEPS}


def first_step(agreed_privacy: bool) -> str:
    return "place" if agreed_privacy else "privacy"


def advance(step: str, draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    """The person's input at ``step``: cancelling works everywhere; otherwise the step's own rule."""
    if (isinstance(inp, Press) and inp.action == "x") or (isinstance(inp, Text) and is_word(inp.text, CANCEL_WORDS)):
        return Outcome(step, [Reply(t("report_cancelled", draft.lang), REMOVE_KEYBOARD)], effect="cancel")
    if isinstance(inp, Skip):
        return skip(step, draft, snapshot)
    current = BY_NAME.get(step, STEPS[0])
    return current.take(draft, inp, snapshot)


def skip(step: str, draft: Draft, snapshot: Snapshot) -> Outcome:
    """/skip: leave out the FAQ suggestions or the optional contact."""
    if step == "faqcheck":
        return Outcome("contact", ask_contact(draft, snapshot))
    if step == "contact":
        return Outcome("confirm", confirm(draft, snapshot))
    return Outcome(step, [Reply(t("skip_nothing", draft.lang))])


def _stay(step: str, draft: Draft, inp: Input, snapshot: Snapshot) -> Outcome:
    """An input this step cannot take: a stale button does nothing, anything else asks again."""
    if isinstance(inp, Press):
        return Outcome(step)
    return Outcome(step, BY_NAME[step].prompt(draft, snapshot))


# -- the rules behind the steps ---------------------------------------------------------------


def choose_place(draft: Draft, snapshot: Snapshot, text: str) -> Outcome:
    """A place the user named exactly (or inside a sentence) is taken; anything fuzzier is asked.

    Close spellings are only offered as buttons, always with the provincial federation as a way
    out: a place outside Hunan must never be routed to a Hunan county by a lookalike name.
    """
    lang = draft.lang
    matches = snapshot.gazetteer.lookup(text)
    sure = [m for m in matches if m.score >= 95]
    if sure and (len(sure) == 1 or sure[0].place.queue == sure[1].place.queue or sure[0].score > sure[1].score):
        place = sure[0].place
        return set_place(draft, snapshot, place.name, place.queue)
    places = snapshot.federation.places
    root = snapshot.federation.root()
    province = [button(t("place_province", lang), ReportStep("q", root.id))]
    if matches:
        rows = [
            [button(f"{m.place.name} · {m.place.en or m.place.pinyin}", ReportStep("p", str(places.index(m.place))))]
            for m in matches
        ]
        return Outcome("place", [Reply(t("place_choose", lang), inline([*rows, province]))])
    return Outcome("place", [Reply(t("place_unknown", lang, text=text[:60]), inline([province]))])


def set_place(draft: Draft, snapshot: Snapshot, place: str, queue_id: str) -> Outcome:
    draft.place, draft.queue_id = place, queue_id
    lang = draft.lang
    name = queue_name(snapshot.federation, queue_id, lang)
    shown = place_name(snapshot, place, lang)
    return Outcome("category", [Reply(t("place_ok", lang, place=shown, queue=name)), *ask_category(draft, snapshot)])


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


def set_category(draft: Draft, snapshot: Snapshot, category_id: str) -> Outcome:
    lang = draft.lang
    category = CATEGORY_BY_ID.get(category_id)
    if category is None:
        return Outcome("category", [Reply(t("category_unknown", lang)), *ask_category(draft, snapshot)])
    draft.category = category.id
    replies = [Reply(t("emergency", lang))] if category.emergency else []
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
    draft.description = text if not draft.description else f"{draft.description}\n{text}"
    result = snapshot.index.match(text)
    ids = [result.match.id] if result.match else [x.id for x in result.suggestions]
    entries = [snapshot.faq.by_id[i] for i in ids if i in snapshot.faq.by_id]
    if not entries:
        return Outcome("contact", ask_contact(draft, snapshot))
    cl = content_lang(lang)
    rows = [[button(localize(e.title(cl), lang), FaqAnswer(e.id))] for e in entries]
    rows.append([button(t("continue_report", lang), ReportStep("go"))])
    return Outcome("faqcheck", [Reply(t("faq_first", lang), inline(rows))])


def is_word(text: str, words: set[str]) -> bool:
    return normalize(text) in words


def attachments_json(draft: Draft) -> str:
    return json.dumps(draft.attachments, ensure_ascii=False)
