"""Ticket rules: categories, the status machine, who may act, escalation deadlines. Pure logic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.text.localized import Localized


class Status(StrEnum):
    NEW = "new"
    CLAIMED = "claimed"
    WAITING = "waiting"  # waiting for the user
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


OPEN = frozenset({Status.NEW, Status.CLAIMED, Status.WAITING, Status.REOPENED})
UNCLAIMED = frozenset({Status.NEW, Status.REOPENED})

STATUS_LABELS: dict[Status, Localized] = {
    Status.NEW: Localized("待认领", "new"),
    Status.CLAIMED: Localized("处理中", "in progress"),
    Status.WAITING: Localized("等待您回复", "waiting for your reply"),
    Status.RESOLVED: Localized("已解决", "resolved"),
    Status.CLOSED: Localized("已关闭", "closed"),
    Status.REOPENED: Localized("已重新打开", "reopened"),
}


STAFF_STATUS_LABELS: dict[Status, Localized] = {
    **STATUS_LABELS,
    Status.WAITING: Localized("等待用户回复", "waiting for the user"),
}


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    label: Localized
    emergency: bool = False


CATEGORIES: tuple[Category, ...] = (
    Category("documents", Localized("证件与签证", "Documents & visas")),
    Category("education", Localized("子女教育", "Education")),
    Category("property", Localized("房产与权益", "Property & legal rights")),
    Category("business", Localized("投资与企业", "Business & investment")),
    Category("family", Localized("寻亲与家事", "Family & roots")),
    Category("emergency", Localized("紧急求助", "Emergency abroad"), emergency=True),
    Category("other", Localized("其他", "Other")),
)
CATEGORY_BY_ID = {c.id: c for c in CATEGORIES}


class Action(StrEnum):
    VIEW = "view"
    CLAIM = "claim"
    REPLY = "reply"
    TRANSFER = "transfer"
    RESOLVE = "resolve"
    NOTE = "note"


class RuleError(Exception):
    """The action is not possible in the ticket's current state (the message says why)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def next_status(status: Status, action: Action) -> Status:
    """The status after a staff action, or :class:`RuleError` if the action does not apply."""
    if action in (Action.VIEW, Action.NOTE):
        return status
    if status not in OPEN:
        raise RuleError("not_open")
    if action is Action.CLAIM:
        return Status.CLAIMED
    if action is Action.REPLY:
        return Status.WAITING
    if action is Action.TRANSFER:
        return Status.NEW
    return Status.RESOLVED


def after_user_message(status: Status) -> Status:
    """A user's message brings a ticket that waits for them back to staff."""
    return Status.CLAIMED if status is Status.WAITING else status


def after_rating(stars: int) -> Status:
    """1–2 stars reopen the ticket; 3–5 close it."""
    if not 1 <= stars <= 5:
        raise RuleError("bad_rating")
    return Status.REOPENED if stars <= 2 else Status.CLOSED


def escalation_deadline(now: datetime, sla_hours: float) -> datetime:
    return now + timedelta(hours=sla_hours)
