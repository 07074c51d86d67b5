"""Exports of reports for a period (CSV with a BOM, XLSX) and ``qiaobot report``: exact rows, no personal data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from bot.cli import main
from bot.content.live import LiveFaq
from bot.db.engine import create_db_engine, upgrade
from bot.db.uow import session_scope
from bot.reports.export import export_rows, to_csv, to_xlsx
from tests.conftest import FAQ_DIR
from tests.reports.test_scorecard import CONTACT, NOW, SECRET, story

HEADER_ZH = [
    "编号",
    "提交时间（北京时间）",
    "队列",
    "类别",
    "籍贯",
    "状态",
    "认领人",
    "首次回复时间",
    "办结时间",
    "星级",
    "重新打开",
    "已上报",
]
# What the story did, as staff see it (Beijing time), worked out by hand.
EXPECTED = {
    "t1": [
        "2026-11-09 10:00",
        "chaling",
        "证件与签证",
        "某县",
        "已关闭",
        "Chen",
        "2026-11-09 12:00",
        "2026-11-10 10:00",
        5,
        "否",
        "否",
    ],
    "t2": [
        "2026-11-10 09:00",
        "zhuzhou",
        "证件与签证",
        "某县",
        "已重新打开",
        "Zhou",
        "2026-11-12 10:00",
        "2026-11-16 10:00",
        2,
        "是",
        "是",
    ],
    "t3": [
        "2026-11-17 08:00",
        "liling",
        "证件与签证",
        "某县",
        "已关闭",
        "Li",
        "2026-11-17 09:30",
        "2026-11-18 08:00",
        4,
        "否",
        "否",
    ],
    "t6": [
        "2026-11-18 10:00",
        "chaling",
        "证件与签证",
        "某县",
        "等待用户回复",
        "Chen",
        "2026-11-18 13:00",
        "",
        None,
        "否",
        "否",
    ],
}


def test_export_rows_of_a_period_and_scope_in_csv_and_xlsx(engine: Engine, live_faq: LiveFaq) -> None:
    ids = story(engine, live_faq)
    with session_scope(engine) as s:
        # 9 to 18 November (Beijing dates, inclusive): T1, T2, T3, T6 — not T5 (5 Nov) nor T4 (24 Nov).
        rows = export_rows(s, queues=None, start=date(2026, 11, 9), end=date(2026, 11, 18))
        only_chaling = export_rows(s, queues=["chaling"], start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert [r.number for r in rows] == [ids["t1"], ids["t2"], ids["t3"], ids["t6"]]
    assert [r.number for r in only_chaling] == [ids["t5"], ids["t1"], ids["t6"], ids["t4"]]  # where they are now

    data = to_csv(rows, lang="zh-Hans")
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == HEADER_ZH
    for row, name in zip(table[1:], ("t1", "t2", "t3", "t6"), strict=True):
        expected = [str(ids[name]), *("" if v is None else str(v) for v in EXPECTED[name])]
        assert row == expected
    english = to_csv(rows, lang="en").decode("utf-8-sig")
    assert english.startswith("Number,Filed at (Beijing time),Queue,Category") and "Documents & visas" in english

    book = load_workbook(io.BytesIO(to_xlsx(rows, lang="zh-Hans")))
    sheet = book.active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert list(values[0]) == HEADER_ZH
    assert [v[0] for v in values[1:]] == [ids["t1"], ids["t2"], ids["t3"], ids["t6"]]
    for row, name in zip(values[1:], ("t1", "t2", "t3", "t6"), strict=True):
        assert [("" if v is None else v) for v in row[1:]] == ["" if v is None else v for v in EXPECTED[name]]

    for blob in (data, to_xlsx(rows, lang="en")):
        text = blob.decode("utf-8", "replace") if blob is data else _xlsx_text(blob)
        assert SECRET not in text and CONTACT not in text and "user 101" not in text


def _xlsx_text(blob: bytes) -> str:
    book = load_workbook(io.BytesIO(blob))
    return "\n".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row)


def test_a_hostile_value_is_not_a_formula(engine: Engine, live_faq: LiveFaq) -> None:
    from bot.reports.export import ExportRow

    row = ExportRow(1, NOW, "chaling", "other", '=HYPERLINK("http://x")', "new", "+cmd", None, None, None, False, False)
    table = list(csv.reader(io.StringIO(to_csv([row], lang="en").decode("utf-8-sig"))))
    assert table[1][4] == '\'=HYPERLINK("http://x")' and table[1][6] == "'+cmd"
    sheet = load_workbook(io.BytesIO(to_xlsx([row], lang="en"))).active
    assert sheet is not None and sheet["E2"].value == '\'=HYPERLINK("http://x")' and sheet["E2"].data_type == "s"


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_faq: LiveFaq) -> Engine:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name in ("BOT_TOKEN", "ADMIN_IDS", "TELEGRAM_API_URL", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAQ_DIR", str(FAQ_DIR))
    monkeypatch.setenv("DATABASE_URL", url)
    engine = create_db_engine(url)
    upgrade(engine)
    story(engine, live_faq)
    return engine


def test_cli_scorecard_table_csv_and_export(
    cli_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.cli.report as report_cli

    monkeypatch.setattr(report_cli, "utcnow", lambda: NOW.astimezone(UTC))
    capsys.readouterr()
    assert main(["report", "scorecard", "--queue", "chaling", "--weeks", "3", "--lang", "en"]) == 0
    table = capsys.readouterr().out.splitlines()
    received = next(line for line in table if line.startswith("Received"))
    assert received.split()[1:] == ["2", "0", "1", "3"]  # three weeks, then the total
    backlog = next(line for line in table if line.startswith("Backlog"))
    assert backlog.split()[1:] == ["0", "1", "2", "2"]

    assert (
        main(["report", "scorecard", "--queue", "zhuzhou", "--subtree", "--weeks", "3", "--csv", "--lang", "en"]) == 0
    )
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    total = rows[4]
    assert total[2] == "5" and total[rows[0].index("Average stars")] == "3.67"

    assert main(["report", "scorecard", "--queue", "nowhere"]) == 2
    assert "no queue 'nowhere'" in capsys.readouterr().err

    out = tmp_path / "reports.xlsx"
    code = main(
        [
            "report",
            "export",
            "--from",
            "2026-11-09",
            "--to",
            "2026-11-18",
            "--queue",
            "liling",
            "-o",
            str(out),
            "--format",
            "xlsx",
        ]
    )
    assert code == 0 and "1 reports written" in capsys.readouterr().out
    sheet = load_workbook(out).active
    assert sheet is not None and sheet.max_row == 2 and sheet["C2"].value == "liling"
    out_csv = tmp_path / "reports.csv"
    assert main(["report", "export", "--from", "2026-11-01", "--to", "2026-11-30", "-o", str(out_csv)]) == 0
    assert len(out_csv.read_bytes().decode("utf-8-sig").splitlines()) == 1 + 6
