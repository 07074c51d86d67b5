"""The join form as one declarative table of steps, and /find waiting for a place. Pure.

Join: name → contact → a line about oneself → explicit consent (buttons). The form is stored as a
conversation (kind ``join``); its nonce identifies it on the consent buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bot.directory import render
from bot.directory.model import Association
from bot.messaging.callbacks import JoinConsent
from bot.messaging.markup import Reply, button, inline
from bot.text.i18n import t
from bot.text.language import UiLang, parse

JOIN = "join"
FIND = "find"  # /find alone: the next message is a place (until one is found or a command is sent)


@dataclass
class JoinForm:
    language: str
    association_id: str
    name: str = ""
    contact: str = ""
    about: str = ""

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> JoinForm:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known.setdefault("language", "zh-Hans")
        known.setdefault("association_id", "")
        return cls(**known)

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def lang(self) -> UiLang:
        return parse(self.language) or "zh-Hans"


@dataclass(frozen=True)
class Field:
    """One row of the table: the step, the form field it fills, its length limit and the question."""

    step: str
    attribute: str
    limit: int
    prompt: Callable[[JoinForm, Association], str]


FIELDS: tuple[Field, ...] = (
    Field("name", "name", 128, lambda f, a: t("join_ask_name", f.lang, association=render.name(a, f.lang))),
    Field("contact", "contact", 128, lambda f, _: t("join_ask_contact", f.lang)),
    Field("about", "about", 500, lambda f, _: t("join_ask_about", f.lang)),
)
CONSENT = "consent"
BY_STEP = {f.step: f for f in FIELDS}


def first(form: JoinForm, association: Association) -> tuple[str, Reply]:
    return FIELDS[0].step, Reply(FIELDS[0].prompt(form, association))


def take(step: str, form: JoinForm, text: str, association: Association, nonce: str) -> tuple[str, Reply]:
    """The answer to the current question; returns the next step and what to show."""
    text = text.strip()
    field = BY_STEP.get(step)
    if field is None:  # at the consent step, words do not send anything: show the buttons again
        return CONSENT, consent(form, association, nonce)
    if not text:
        return step, Reply(t("join_text_please", form.lang))
    setattr(form, field.attribute, text[: field.limit])
    index = FIELDS.index(field)
    if index + 1 < len(FIELDS):
        following = FIELDS[index + 1]
        return following.step, Reply(following.prompt(form, association))
    return CONSENT, consent(form, association, nonce)


def consent(form: JoinForm, association: Association, nonce: str) -> Reply:
    lang = form.lang
    text = t(
        "join_consent",
        lang,
        association=render.name(association, lang),
        name=form.name,
        contact=form.contact,
        about=form.about,
    )
    markup = inline(
        [
            [
                button(t("join_send", lang), JoinConsent("ok", nonce)),
                button(t("cancel_button", lang), JoinConsent("x", nonce)),
            ]
        ]
    )
    return Reply(text, markup)
