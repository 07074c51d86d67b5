"""Scorecards: how a queue (or a lead's subtree of queues) handles its reports, for a period and per week.

The figures are computed here, in plain Python, from what :func:`bot.reports.repo.ticket_facts`
reads (tickets and their audit history — never a user's text or contact). Weeks run Monday 00:00
to Monday 00:00, Beijing time (Asia/Shanghai); the last week is the current one, up to ``now``.

Definitions (each event counts for the queue the report was in when it happened — its history
in the audit log — so a county is not let off by an escalation, nor credited with its parent's work):

- **received**: reports filed in the period (to the queue they were filed to).
- **first response**: the time from filing to the first staff message to the user — a reply, or
  the resolution notice if staff resolved without replying first; measured on reports whose
  first response falls in the period, for the queue that gave it. Median and p90 (nearest rank).
- **resolved** / **resolution time**: each resolution in the period (a report reopened and
  resolved again counts again), and the time from filing to it.
- **SLA breaches**: reports that missed their SLA — not answered within their queue's
  ``sla_hours`` of being filed (first response later than that, or none yet when it passed), or
  moved up / flagged by the SLA job (also after a reopening). Each report counts at most once,
  when the deadline first passed, for the queue it was in then.
- **escalations**: moves up by the SLA job, for the queue the report left.
- **satisfaction**: the ratings given in the period: average stars, and the share of ratings of
  1–2 stars (which reopen the report).
- **backlog**: reports open at the end of the period (at ``now`` for the current week).
"""

from __future__ import annotations

import csv
import io
import math
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.reports import repo
from bot.reports.federation import Federation
from bot.reports.repo import TicketFacts
from bot.reports.rules import OPEN, Status, WorkCalendar, due_at
from bot.text.i18n import t
from bot.text.language import UiLang, parse

BEIJING = ZoneInfo("Asia/Shanghai")
_MOVE = re.compile(r"^\s*(\S+)\s*->\s*(\S+)\s*$")
_FILED_QUEUE = re.compile(r"queue=(\S+)")
_STARS = re.compile(r"(\d+)")


# -- one ticket's history -------------------------------------------------------------------


@dataclass
class Timeline:
    """A ticket's history as the statistics read it."""

    facts: TicketFacts
    first_queue: str
    moves: list[tuple[datetime, str, str]] = field(default_factory=list)  # (when, from, to)
    escalations: list[tuple[datetime, str]] = field(default_factory=list)  # (when, from)
    sla_flags: list[tuple[datetime, str]] = field(default_factory=list)  # (when, queue) SLA job, no parent
    resolutions: list[datetime] = field(default_factory=list)
    ratings: list[tuple[datetime, int]] = field(default_factory=list)
    states: list[tuple[datetime, bool]] = field(default_factory=list)  # (when, open afterwards)

    @property
    def filed_at(self) -> datetime:
        return self.facts.created_at

    @property
    def first_response(self) -> datetime | None:
        candidates = [x for x in (self.facts.first_reply, *self.resolutions[:1]) if x is not None]
        return min(candidates) if candidates else None

    def queue_at(self, when: datetime) -> str:
        """The queue the ticket was in at ``when`` (moves at that very moment included)."""
        queue = self.first_queue
        for at, _, to in self.moves:
            if at > when:
                break
            queue = to
        return queue

    def queue_before(self, when: datetime) -> str:
        queue = self.first_queue
        for at, _, to in self.moves:
            if at >= when:
                break
            queue = to
        return queue

    def open_at(self, when: datetime) -> bool:
        if self.filed_at > when:
            return False
        state = True
        for at, is_open in self.states:
            if at > when:
                break
            state = is_open
        return state

    def breach(self, sla: Sla) -> tuple[datetime, str] | None:
        """When the report first missed its SLA, and the queue it was in then (or None)."""
        found: list[tuple[datetime, str]] = [*self.escalations, *self.sla_flags]
        due = sla.due(self.first_queue, self.filed_at)
        if due is not None:
            response = self.first_response
            if response is None or response > due:
                found.append((due, self.queue_at(due)))
        return min(found, key=lambda x: x[0]) if found else None


@dataclass(frozen=True)
class Sla:
    """Each queue's first-response time in working hours, counted on the calendar escalation uses."""

    hours: dict[str, float] = field(default_factory=dict)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    # Each ticket's due time is asked for every week, the totals and every queue of one scorecard:
    # worked out once (walking the calendar costs ~0.2 ms).
    _known: dict[tuple[str, datetime], datetime | None] = field(default_factory=dict, compare=False, repr=False)

    def due(self, queue: str, filed_at: datetime) -> datetime | None:
        key = (queue, filed_at)
        if key not in self._known:
            hours = self.hours.get(queue)
            self._known[key] = None if hours is None else due_at(filed_at, hours, calendar=self.calendar)
        return self._known[key]


def timeline(facts: TicketFacts) -> Timeline:
    first_queue: str | None = None
    moves: list[tuple[datetime, str, str]] = []
    line = Timeline(facts, facts.queue_id)
    for at, action, detail in facts.events:
        text = detail or ""
        if action == "filed" and first_queue is None and (m := _FILED_QUEUE.search(text)):
            first_queue = m.group(1)
        elif action in ("transfer", "escalate") and (m := _MOVE.match(text)):
            moves.append((at, m.group(1), m.group(2)))
            if action == "escalate":
                line.escalations.append((at, m.group(1)))
        elif action == "sla_missed":
            line.sla_flags.append((at, ""))  # the queue is filled in below, once moves are known
        elif action == "resolve":
            line.resolutions.append(at)
            line.states.append((at, False))
        elif action == "rate" and (m := _STARS.search(text)):
            stars = int(m.group(1))
            line.ratings.append((at, stars))
            line.states.append((at, stars <= 2))
    line.first_queue = first_queue or (moves[0][1] if moves else facts.queue_id)
    line.moves = moves
    line.sla_flags = [(at, line.queue_at(at)) for at, _ in line.sla_flags]
    if not line.states and Status(facts.status) not in OPEN:  # closed without a recorded resolution
        line.states.append((facts.updated_at, False))
    return line


# -- the figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One period's figures for one scope; times in seconds (None: nothing to measure)."""

    received: int = 0
    responded: int = 0
    first_response_median: float | None = None
    first_response_p90: float | None = None
    resolved: int = 0
    resolution_median: float | None = None
    resolution_p90: float | None = None
    breaches: int = 0
    escalations: int = 0
    ratings: int = 0
    stars_average: float | None = None
    reopened: int = 0
    backlog: int = 0

    @property
    def reopened_share(self) -> float | None:
        return self.reopened / self.ratings if self.ratings else None


@dataclass(frozen=True)
class Week:
    start: date  # a Monday, Beijing time
    figures: Figures
    partial: bool = False  # the current week, up to now


@dataclass(frozen=True)
class Scorecard:
    queues: tuple[str, ...] | None  # None: every queue
    start: datetime  # the first week's Monday 00:00 Beijing time (aware)
    end: datetime  # now
    totals: Figures
    weeks: list[Week]
    by_queue: list[tuple[str, Figures]]  # the whole period, each queue of the scope on its own


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def p90(values: Sequence[float]) -> float | None:
    """The 90th percentile by nearest rank: the smallest value with at least 90 % of them at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def figures(
    lines: Iterable[Timeline], start: datetime, end: datetime, scope: Callable[[str], bool], sla: Sla
) -> Figures:
    """The figures for what happened in ``[start, end)`` (backlog: open at ``end``) in the queues of ``scope``."""

    def inside(at: datetime) -> bool:
        return start <= at < end

    received = responded_n = resolved_n = breaches = escalations = backlog = 0
    responses: list[float] = []
    resolutions: list[float] = []
    stars: list[int] = []
    for line in lines:
        filed = line.filed_at
        if inside(filed) and scope(line.queue_at(filed)):
            received += 1
        response = line.first_response
        if response is not None and inside(response) and scope(line.queue_at(response)):
            responded_n += 1
            responses.append((response - filed).total_seconds())
        for at in line.resolutions:
            if inside(at) and scope(line.queue_before(at)):
                resolved_n += 1
                resolutions.append((at - filed).total_seconds())
        breach = line.breach(sla)
        if breach is not None and inside(breach[0]) and scope(breach[1]):
            breaches += 1
        escalations += sum(1 for at, source in line.escalations if inside(at) and scope(source))
        stars += [n for at, n in line.ratings if inside(at) and scope(line.queue_at(at))]
        last = end - timedelta(microseconds=1)
        if line.open_at(last) and scope(line.queue_at(last)):
            backlog += 1
    return Figures(
        received=received,
        responded=responded_n,
        first_response_median=median(responses),
        first_response_p90=p90(responses),
        resolved=resolved_n,
        resolution_median=median(resolutions),
        resolution_p90=p90(resolutions),
        breaches=breaches,
        escalations=escalations,
        ratings=len(stars),
        stars_average=sum(stars) / len(stars) if stars else None,
        reopened=sum(1 for n in stars if n <= 2),
        backlog=backlog,
    )


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 Beijing time of the week ``moment`` falls in (aware, in Beijing time)."""
    local = moment.astimezone(BEIJING)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), BEIJING)


def compute(
    facts: Iterable[TicketFacts],
    *,
    queues: Sequence[str] | None,
    weeks: int,
    now: datetime,
    sla_hours: dict[str, float] | None = None,
    calendar: WorkCalendar | None = None,
) -> Scorecard:
    """The scorecard over already-read facts (pure): ``weeks`` weeks up to ``now``.

    SLA hours are working hours on ``calendar`` (default: Beijing office hours, Monday to Friday), as
    for escalation: a report filed on Friday evening is not late on Saturday.
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    sla = Sla(sla_hours or {}, calendar or WorkCalendar())
    lines = [timeline(f) for f in facts]
    current = week_start(now)
    starts = [current - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    wanted = frozenset(queues) if queues is not None else None

    def scope(queue: str) -> bool:
        return wanted is None or queue in wanted

    rows = []
    for i, begin in enumerate(starts):
        stop = starts[i + 1] if i + 1 < len(starts) else now
        rows.append(Week(begin.date(), figures(lines, begin, stop, scope, sla), partial=i + 1 == len(starts)))
    totals = figures(lines, starts[0], now, scope, sla)
    if queues is not None:
        names = list(dict.fromkeys(queues))
    else:
        names = sorted({line.queue_at(at) for line in lines for at in (line.filed_at, now)})
    by_queue = [(q, figures(lines, starts[0], now, _only(q), sla)) for q in names]
    return Scorecard(
        tuple(queues) if queues is not None else None,
        starts[0],
        now.astimezone(UTC),
        totals,
        rows,
        by_queue,
    )


def _only(queue: str) -> Callable[[str], bool]:
    return lambda x: x == queue


def subtree(federation: Federation, queue_id: str) -> list[str]:
    """The queue and every queue below it (a lead's scope), in the federation's order."""
    return [q.id for q in federation.queues if queue_id in federation.ancestry(q.id)]


def scorecard(
    session: Session,
    *,
    queues: Sequence[str] | None,
    weeks: int = 12,
    now: datetime,
    federation: Federation | None = None,
    calendar: WorkCalendar | None = None,
) -> Scorecard:
    """The scorecard of ``queues`` (None: all) for the last ``weeks`` weeks up to ``now``.

    Pass the ``federation`` for its SLA hours (working hours on ``calendar``, the one escalation
    uses): without it, only the SLA job's records count as breaches (not a first response later
    than the SLA).
    """
    start = week_start(now) - timedelta(weeks=max(weeks, 1) - 1)
    facts = repo.ticket_facts(session, active_since=start.astimezone(UTC), filed_before=now)
    sla = {q.id: q.sla_hours for q in federation.queues} if federation is not None else None
    return compute(facts, queues=queues, weeks=weeks, now=now, sla_hours=sla, calendar=calendar)


# -- rendering: CSV and an SVG chart ---------------------------------------------------------

COLUMNS = (
    "received",
    "responded",
    "first_response_median",
    "first_response_p90",
    "resolved",
    "resolution_median",
    "resolution_p90",
    "breaches",
    "escalations",
    "ratings",
    "stars_average",
    "reopened",
    "reopened_share",
    "backlog",
)
HOURS = {"first_response_median", "first_response_p90", "resolution_median", "resolution_p90"}


def ui_lang(lang: str) -> UiLang:
    return parse(lang) or "zh-Hans"


def labels(lang: str) -> dict[str, str]:
    """Column and chart labels (plain text, from the locale files)."""
    ui = ui_lang(lang)
    return {
        "period": t("sc_period", ui),
        "queue": t("sc_queue", ui),
        "received": t("sc_received", ui),
        "responded": t("sc_responded", ui),
        "first_response_median": t("sc_first_response_median", ui),
        "first_response_p90": t("sc_first_response_p90", ui),
        "resolved": t("sc_resolved", ui),
        "resolution_median": t("sc_resolution_median", ui),
        "resolution_p90": t("sc_resolution_p90", ui),
        "breaches": t("sc_breaches", ui),
        "escalations": t("sc_escalations", ui),
        "ratings": t("sc_ratings", ui),
        "stars_average": t("sc_stars_average", ui),
        "reopened": t("sc_reopened", ui),
        "reopened_share": t("sc_reopened_share", ui),
        "backlog": t("sc_backlog", ui),
        "all_queues": t("sc_all_queues", ui),
        "chart_title": t("sc_chart_title", ui),
        "week_axis": t("sc_week_axis", ui),
    }


def label(key: str, lang: str) -> str:
    return labels(lang)[key]


def cell(figures: Figures, column: str) -> str:
    value = getattr(figures, column)
    if value is None:
        return ""
    if column in HOURS:
        return f"{value / 3600:.1f}"
    if column == "stars_average":
        return f"{value:.2f}"
    if column == "reopened_share":
        return f"{value:.3f}"
    return str(value)


def scope_label(card: Scorecard, lang: str) -> str:
    return ", ".join(card.queues) if card.queues is not None else label("all_queues", lang)


def table_rows(card: Scorecard, lang: str) -> list[list[str]]:
    """Header, one row per week, the totals, then each queue over the whole period."""
    header = [label("period", lang), label("queue", lang), *(label(c, lang) for c in COLUMNS)]
    scope = scope_label(card, lang)
    rows = [header]
    for week in card.weeks:
        period = week.start.isoformat() + ("*" if week.partial else "")
        rows.append([period, scope, *(cell(week.figures, c) for c in COLUMNS)])
    whole = f"{card.start.astimezone(BEIJING).date().isoformat()}…{card.end.astimezone(BEIJING).date().isoformat()}"
    rows.append([whole, scope, *(cell(card.totals, c) for c in COLUMNS)])
    if card.queues is None or len(card.by_queue) > 1:
        rows += [[whole, q, *(cell(f, c) for c in COLUMNS)] for q, f in card.by_queue]
    return rows


def scorecard_csv(card: Scorecard, *, lang: str) -> str:
    """The scorecard as CSV text: times in hours, the current (partial) week marked with *."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in table_rows(card, lang):
        writer.writerow([inert(x) for x in row])
    return out.getvalue()


def inert(value: str) -> str:
    """A spreadsheet never runs a cell as a formula (CSV injection): =, +, -, @ at the start are quoted."""
    if value[:1] in ("=", "+", "@") or (value[:1] == "-" and not _is_number(value)):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _nice_max(value: int) -> int:
    """A round top for the axis, divisible by 4 (whole numbers on its five grid lines): 4, 8, 12, 20, 40 …"""
    steps = sorted(m * 10**k for k in range(7) for m in (4, 8, 12, 20, 40, 60, 80))
    return next((x for x in steps if x >= value), value + (-value) % 4)


def weekly_chart_svg(card: Scorecard, *, lang: str) -> str:
    """Per week: bars for received and resolved reports, a line for the backlog at the week's end.

    Hand-written SVG (a few dozen elements) rather than a plotting library: it renders on the
    server without a heavy dependency, scales to any width through its viewBox, and every text in
    it is escaped here.
    """
    width, height = 480, 300
    left, right, top, bottom = 40, 12, 52, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    weeks = card.weeks
    peak = max([1, *(max(w.figures.received, w.figures.resolved, w.figures.backlog) for w in weeks)])
    y_max = _nice_max(peak)

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / y_max

    slot = plot_w / max(len(weeks), 1)
    bar = slot * 0.32
    title = f"{label('chart_title', lang)} — {scope_label(card, lang)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="sc-title" font-family="sans-serif" font-size="12">',
        f'<title id="sc-title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for i in range(5):  # horizontal grid and the y-axis labels
        value = y_max * i / 4
        parts.append(
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{width - right}" y2="{y(value):.1f}" stroke="#e3e3e3"/>'
            f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end" fill="#555">{value:g}</text>'
        )
    points = []
    for i, week in enumerate(weeks):
        x0 = left + slot * i + slot * 0.16
        f = week.figures
        bars = ((f.received, "#3b6fb6", "received"), (f.resolved, "#5aa469", "resolved"))
        for j, (value, colour, key) in enumerate(bars):
            parts.append(
                f'<rect class="bar-{key}" x="{x0 + j * bar:.1f}" y="{y(value):.1f}" width="{bar:.1f}" '
                f'height="{top + plot_h - y(value):.1f}" fill="{colour}">'
                f"<title>{escape(week.start.isoformat())}: {escape(label(key, lang))} {value}</title></rect>"
            )
        cx = left + slot * i + slot / 2
        points.append(f"{cx:.1f},{y(f.backlog):.1f}")
        parts.append(
            f'<text x="{cx:.1f}" y="{height - bottom + 14}" text-anchor="middle" fill="#333">'
            f"{escape(week.start.strftime('%m-%d'))}{'*' if week.partial else ''}</text>"
        )
    parts.append(
        f'<polyline class="line-backlog" points="{" ".join(points)}" fill="none" stroke="#d9822b" stroke-width="2"/>'
    )
    parts += [f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="3" fill="#d9822b"/>' for p in points]
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888"/>'
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" fill="#555">'
        f"{escape(label('week_axis', lang))}</text>"
    )
    legend = (("received", "#3b6fb6"), ("resolved", "#5aa469"), ("backlog", "#d9822b"))
    for i, (key, colour) in enumerate(legend):
        x = left + i * 110
        parts.append(
            f'<rect x="{x}" y="12" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="22" fill="#333">{escape(label(key, lang))}</text>'
        )
    parts.append(f'<text x="{left}" y="39" font-size="10" fill="#555">{escape(scope_label(card, lang)[:80])}</text>')
    parts.append("</svg>")
    return "".join(parts)
