"""Callback data: one typed codec for every button family.

Telegram gives a button at most 64 bytes of ``callback_data``. Each family is a small frozen
dataclass with a short ASCII prefix; its fields are ints (ASCII digits, 64-bit) or short ASCII
tokens. ``encode`` checks the limit in one place; ``decode`` returns ``None`` for anything that
is not exactly a button of that family (forged or stale data is never half-understood). The data
never carries authority: services check who pressed.

The formats are the ones the bot has always used, so buttons already in people's chats keep working.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, ClassVar, TypeVar, get_type_hints

MAX_BYTES = 64
INT_MAX = 2**63 - 1
_TOKEN = re.compile(r"[A-Za-z0-9_.\-]{1,48}")
_DIGITS = re.compile(r"[0-9]{1,19}")

C = TypeVar("C", bound="Callback")


class Callback:
    """Base of every button family; subclasses are frozen dataclasses with a ``PREFIX``."""

    PREFIX: ClassVar[str]

    def encode(self) -> str:
        parts = [self.PREFIX]
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise TypeError(f"{type(self).__name__}.{f.name} must be int or str")
            text = str(value)
            if value == "" and f.default == "":
                continue  # an optional trailing token left out
            if isinstance(value, int) and not 0 <= value <= INT_MAX:
                raise ValueError(f"{type(self).__name__}.{f.name} out of range: {value}")
            if isinstance(value, str) and not _TOKEN.fullmatch(text):
                raise ValueError(f"{type(self).__name__}.{f.name} is not a short ASCII token: {text!r}")
            parts.append(text)
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def decode(cls: type[C], data: str | None) -> C | None:
        """The button, or None if ``data`` is not one of this family (wrong shape, bad value)."""
        if not data or len(data.encode()) > MAX_BYTES or not data.isascii():
            return None
        prefix, *values = data.split(":")
        if prefix != cls.PREFIX:
            return None
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        hints = get_type_hints(cls)
        required = [f for f in fields if f.default is dataclasses.MISSING]
        if not len(required) <= len(values) <= len(fields):
            return None
        kwargs: dict[str, Any] = {}
        for f, raw in zip(fields, values, strict=False):
            if hints[f.name] is int:
                if not _DIGITS.fullmatch(raw) or int(raw) > INT_MAX:
                    return None
                kwargs[f.name] = int(raw)
            elif _TOKEN.fullmatch(raw):
                kwargs[f.name] = raw
            else:
                return None
        return cls(**kwargs)

    @classmethod
    def pattern(cls) -> str:
        """A regex for ``CallbackQueryHandler``: this family's prefix."""
        return rf"^{re.escape(cls.PREFIX)}(:|$)"


# -- the families ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ChooseLanguage(Callback):
    PREFIX = "l"
    lang: str


@dataclasses.dataclass(frozen=True)
class FaqMenu(Callback):
    PREFIX = "m"


@dataclasses.dataclass(frozen=True)
class FaqCategory(Callback):
    PREFIX = "c"
    category: str


@dataclasses.dataclass(frozen=True)
class FaqAnswer(Callback):
    PREFIX = "a"
    entry: str


@dataclasses.dataclass(frozen=True)
class Feedback(Callback):
    PREFIX = "fb"
    question: int
    verdict: str  # y | n


@dataclasses.dataclass(frozen=True)
class FindMore(Callback):
    """/find's next page: fm:<offset>:<k|c|p>:<a>[:<b>] — a directory key, a country code, or lat:lon."""

    PREFIX = "fm"
    offset: int
    kind: str
    a: str
    b: str = ""


@dataclasses.dataclass(frozen=True)
class ReportStep(Callback):
    """Buttons of the report conversation: r:ok, r:x, r:p:<place index>, r:q:<queue>, r:c:<category>…"""

    PREFIX = "r"
    action: str
    arg: str = ""


@dataclasses.dataclass(frozen=True)
class TicketAction(Callback):
    """Staff card buttons: tk:claim:N, tk:resolve:N, tk:transfer:N, tk:to:N:<queue>."""

    PREFIX = "tk"
    verb: str
    ticket: int
    queue: str = ""


@dataclasses.dataclass(frozen=True)
class Rating(Callback):
    PREFIX = "rt"
    ticket: int
    stars: int


@dataclasses.dataclass(frozen=True)
class AssociationDetails(Callback):
    PREFIX = "d"
    association: str


@dataclasses.dataclass(frozen=True)
class JoinStart(Callback):
    PREFIX = "j"
    association: str


@dataclasses.dataclass(frozen=True)
class JoinConsent(Callback):
    """jc:ok:<form> sends the join request, jc:x:<form> drops it."""

    PREFIX = "jc"
    verdict: str
    form: str


@dataclasses.dataclass(frozen=True)
class JoinDecision(Callback):
    """jr:ok:N approves, jr:no:N declines (officers and admins)."""

    PREFIX = "jr"
    verdict: str
    request: int


FAMILIES: tuple[type[Callback], ...] = (
    ChooseLanguage,
    FaqMenu,
    FaqCategory,
    FaqAnswer,
    Feedback,
    ReportStep,
    TicketAction,
    Rating,
    AssociationDetails,
    JoinStart,
    JoinConsent,
    JoinDecision,
)
