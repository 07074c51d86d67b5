"""Ticket rules: categories, the status machine, who may act, escalation deadlines. Pure logic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

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


# -- the SLA in working hours ---------------------------------------------------------------

WORK_PERIODS: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))
BEIJING = "Asia/Shanghai"


def weekdays_only(day: date) -> bool:
    return day.weekday() < 5


@dataclass(frozen=True)
class WorkCalendar:
    """When staff are at work: daily periods in a time zone, on the days ``is_workday`` says.

    The default is Beijing time, 9:00–12:00 and 13:30–17:30 (7 hours a day), Monday to Friday;
    :mod:`bot.reports.workdays` gives the real one, with China's public holidays and adjusted
    working days (调休).
    """

    is_workday: Callable[[date], bool] = weekdays_only
    periods: tuple[tuple[time, time], ...] = WORK_PERIODS
    tz: str = BEIJING
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", ZoneInfo(self.tz))

    @property
    def hours_per_day(self) -> float:
        return sum(_seconds(start, end) for start, end in self.periods) / 3600


def _seconds(start: time, end: time) -> float:
    return (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds()


def parse_periods(text: str) -> tuple[tuple[time, time], ...]:
    """``09:00-12:00,13:30-17:30`` → the periods; a ValueError says what is wrong."""
    periods: list[tuple[time, time]] = []
    for part in text.split(","):
        if not part.strip():
            continue
        start, sep, end = part.strip().partition("-")
        if not sep:
            raise ValueError(f"a working period looks like 09:00-12:00, got {part.strip()!r}")
        begin, finish = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
        if finish <= begin or (periods and begin < periods[-1][1]):
            raise ValueError(f"working periods must be in order and not overlap: {text!r}")
        periods.append((begin, finish))
    if not periods:
        raise ValueError("at least one working period is needed")
    return tuple(periods)


MAX_DAYS = 3660  # ten years of calendar days without a working hour: the calendar is broken


def due_at(filed_at: datetime, sla_hours: float, *, calendar: WorkCalendar) -> datetime:
    """When ``sla_hours`` working hours have passed since ``filed_at``.

    Only the calendar's working periods count: a report filed on Friday evening starts counting
    on Monday morning (or the next working day after a holiday; an adjusted Saturday counts).
    A naive ``filed_at`` is taken as UTC; the answer is in the same kind (aware UTC or naive UTC).
    """
    aware = filed_at if filed_at.tzinfo is not None else filed_at.replace(tzinfo=UTC)
    remaining = timedelta(hours=max(sla_hours, 0))
    cursor = aware.astimezone(calendar.zone)
    day = cursor.date()
    due: datetime | None = None
    for _ in range(MAX_DAYS):
        if calendar.is_workday(day):
            for start, end in calendar.periods:
                begin = max(datetime.combine(day, start, calendar.zone), cursor)
                finish = datetime.combine(day, end, calendar.zone)
                if begin >= finish:
                    continue
                if remaining <= finish - begin:
                    due = begin + remaining
                    break
                remaining -= finish - begin
            if due is not None:
                break
        day += timedelta(days=1)
    if due is None:  # no working hours at all: count calendar hours rather than never
        due = aware + timedelta(hours=sla_hours)
    out = due.astimezone(UTC)
    return out if filed_at.tzinfo is not None else out.replace(tzinfo=None)


def escalation_deadline(now: datetime, sla_hours: float, calendar: WorkCalendar | None = None) -> datetime:
    return due_at(now, sla_hours, calendar=calendar or WorkCalendar())
