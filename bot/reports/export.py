"""Export of reports for a period, as CSV (UTF-8 with a BOM, so Excel reads the Chinese) or XLSX.

One row per report filed in the period (Beijing dates, both ends included), with what staff of the
scope already see on its card minus every personal detail: no text, no contact, no Telegram id,
no name of the reporter. Times are Beijing time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from openpyxl import Workbook
from sqlmodel import Session

from bot.reports import repo
from bot.reports.rules import CATEGORY_BY_ID, STAFF_STATUS_LABELS, Status
from bot.reports.scorecard import BEIJING, inert, timeline, ui_lang
from bot.text.i18n import localize, t
from bot.text.language import content_lang

COLUMNS = (
    "number",
    "filed_at",
    "queue",
    "category",
    "hometown",
    "status",
    "claimed_by",
    "first_response_at",
    "resolved_at",
    "stars",
    "reopened",
    "escalated",
)


@dataclass(frozen=True)
class ExportRow:
    number: int
    filed_at: datetime  # Beijing time
    queue: str
    category: str  # the category's id (labelled when written)
    hometown: str
    status: str
    claimed_by: str | None
    first_response_at: datetime | None
    resolved_at: datetime | None  # the last resolution
    stars: int | None
    reopened: bool
    escalated: bool


def export_rows(session: Session, *, queues: Sequence[str] | None, start: date, end: date) -> list[ExportRow]:
    """Reports filed from ``start`` to ``end`` (Beijing dates, inclusive) now in ``queues`` (None: all)."""
    begin = datetime.combine(start, time(0), BEIJING).astimezone(UTC)
    stop = datetime.combine(end + timedelta(days=1), time(0), BEIJING).astimezone(UTC)
    facts = repo.ticket_facts(session, filed_from=begin, filed_before=stop, queues=queues)
    rows = []
    for f in facts:
        line = timeline(f)
        rows.append(
            ExportRow(
                number=f.id,
                filed_at=f.created_at.astimezone(BEIJING),
                queue=f.queue_id,
                category=f.category,
                hometown=f.place,
                status=f.status,
                claimed_by=f.claimed_by_name,
                first_response_at=line.first_response.astimezone(BEIJING) if line.first_response else None,
                resolved_at=line.resolutions[-1].astimezone(BEIJING) if line.resolutions else None,
                stars=line.ratings[-1][1] if line.ratings else f.rating,
                reopened=any(stars <= 2 for _, stars in line.ratings),
                escalated=bool(line.escalations),
            )
        )
    return rows


def header(lang: str) -> list[str]:
    ui = ui_lang(lang)
    return [
        t("ex_number", ui),
        t("ex_filed_at", ui),
        t("ex_queue", ui),
        t("ex_category", ui),
        t("ex_hometown", ui),
        t("ex_status", ui),
        t("ex_claimed_by", ui),
        t("ex_first_response_at", ui),
        t("ex_resolved_at", ui),
        t("ex_stars", ui),
        t("ex_reopened", ui),
        t("ex_escalated", ui),
    ]


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def cells(row: ExportRow, lang: str) -> list[str | int | None]:
    ui = ui_lang(lang)
    category = CATEGORY_BY_ID.get(row.category)
    try:
        status = localize(STAFF_STATUS_LABELS[Status(row.status)].get(content_lang(ui)), ui)
    except ValueError:
        status = row.status
    yes, no = t("ex_yes", ui), t("ex_no", ui)
    return [
        row.number,
        _when(row.filed_at),
        row.queue,
        localize(category.label.get(content_lang(ui)), ui) if category else row.category,
        row.hometown,
        status,
        row.claimed_by or "",
        _when(row.first_response_at),
        _when(row.resolved_at),
        row.stars,
        yes if row.reopened else no,
        yes if row.escalated else no,
    ]


def to_csv(rows: Sequence[ExportRow], *, lang: str) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads Chinese correctly), CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(lang))
    for row in rows:
        writer.writerow([inert(str(c)) if isinstance(c, str) else ("" if c is None else c) for c in cells(row, lang)])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Sequence[ExportRow], *, lang: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("ex_sheet", ui_lang(lang))[:31]
    sheet.append(header(lang))
    for row in rows:
        sheet.append([inert(c) if isinstance(c, str) else c for c in cells(row, lang)])
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJKL", (8, 17, 12, 14, 12, 12, 14, 17, 17, 6, 8, 8), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
