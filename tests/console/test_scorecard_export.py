"""The console's Scorecard and Export pages over reports built through the real service functions
(the story of tests/reports/test_scorecard.py): each account sees its scope's figures — the same
as ``scorecard()`` / ``export_rows()`` called directly for that scope — and never another's."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date

import pyotp
from openpyxl import load_workbook
from sqlmodel import select
from starlette.testclient import TestClient

from bot.db.models import Ticket
from bot.db.uow import session_scope
from bot.reports.export import export_rows
from bot.reports.scorecard import COLUMNS, Scorecard, cell, scorecard, scorecard_csv, subtree
from tests.console.conftest import World, sign_in
from tests.reports.test_scorecard import CONTACT, NOW, SECRET, story

ADMIN_SECRET = pyotp.random_base32()
PERIOD = {"from": "2026-11-01", "to": "2026-11-25"}


def _signed_in(world: World, email: str, queue: str, role: str = "agent") -> TestClient:
    secret = ADMIN_SECRET if role == "admin" else None
    world.account(email, queue, role, totp=secret)
    client = world.client()
    answer = sign_in(client, email, totp=secret, now=world.clock())
    assert answer.status_code == 303 and answer.headers["location"] == "/queue", answer.text
    return client


def _setup(world: World) -> dict[str, int]:
    ids = story(world.engine, world.live)
    world.clock.now = NOW.astimezone(UTC)
    return ids


def _card(world: World, queues: list[str] | None, weeks: int = 12) -> Scorecard:
    with session_scope(world.engine) as s:
        return scorecard(s, queues=queues, weeks=weeks, now=world.clock(), federation=world.live.current.federation)


def _totals(html: str) -> dict[str, str]:
    return dict(re.findall(r'<dd id="total-([a-z0-9_]+)">([^<]*)</dd>', html))


def _expected(card: Scorecard) -> dict[str, str]:
    out = {c: cell(card.totals, c) or "—" for c in COLUMNS if c != "reopened_share"}
    share = card.totals.reopened_share
    out["reopened_share"] = f"{share * 100:.0f}%" if share is not None else "—"
    return out


def test_an_agents_scorecard_counts_only_its_queue(world: World) -> None:
    _setup(world)
    client = _signed_in(world, "chaling@example.org", "chaling")
    page = client.get("/scorecard")
    assert page.status_code == 200
    mine, zhuzhou = _card(world, ["chaling"]), _card(world, subtree(world.live.current.federation, "zhuzhou"))
    assert mine.totals.received > 0 and mine.totals != zhuzhou.totals  # the scope makes a difference here
    shown = _totals(page.text)
    assert shown == _expected(mine)
    assert shown != _expected(zhuzhou)
    assert "<svg" in page.text and 'class="bar-received"' in page.text  # the chart, inline
    assert 'id="sc-by-queue"' not in page.text and 'id="sc-queue"' not in page.text  # one queue: no selector
    assert "工作统计" in page.text and "导出" in page.text  # nav entries, Chinese by default
    # the CSV is the same scorecard, as an attachment
    download = client.get("/scorecard.csv")
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.text == scorecard_csv(mine, lang="zh-Hans")
    assert SECRET not in download.text and CONTACT not in download.text
    # the weeks selector: 4 weeks, 26 weeks; anything else is the default 12
    for weeks, rows in (("4", 4), ("26", 26), ("999", 12)):
        html = client.get(f"/scorecard?weeks={weeks}").text
        body = html.split('id="sc-weekly"', 1)[1]
        assert body.count('<tr><th scope="row">') == rows, weeks
    four = client.get("/scorecard?weeks=4")
    assert _totals(four.text) == _expected(_card(world, ["chaling"], weeks=4))
    english = client.get("/scorecard?lang=en")
    assert "Download CSV" in english.text and "Scorecard" in english.text and "Received" in english.text


def test_an_agent_cannot_see_another_queue_by_asking(world: World) -> None:
    _setup(world)
    client = _signed_in(world, "chaling@example.org", "chaling")
    for path in ("/scorecard?queue=liling", "/scorecard?queue=zhuzhou", "/scorecard.csv?queue=liling"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "total-received" not in answer.text and "醴陵" not in answer.text
    assert _totals(client.get("/scorecard?queue=chaling").text) == _expected(_card(world, ["chaling"]))


def test_a_lead_sees_its_counties_one_by_one_and_together(world: World) -> None:
    _setup(world)
    client = _signed_in(world, "zhuzhou@example.org", "zhuzhou", "lead")
    scope = subtree(world.live.current.federation, "zhuzhou")
    page = client.get("/scorecard")
    assert _totals(page.text) == _expected(_card(world, scope))
    table = page.text.split('id="sc-by-queue"', 1)[1].split("</table>", 1)[0]
    listed = re.findall(r'<tr id="q-([a-z]+)">', table)
    assert listed == scope and {"chaling", "liling"} <= set(listed)
    assert 'id="sc-queue"' in page.text  # the selector
    for q in ("liling", "chaling"):
        one = client.get(f"/scorecard?queue={q}")
        assert _totals(one.text) == _expected(_card(world, [q])), q
    assert client.get("/scorecard?queue=changsha").status_code == 404  # not below Zhuzhou
    assert client.get("/scorecard?queue=hunan").status_code == 404  # above it


def _csv_numbers(blob: bytes) -> list[int]:
    rows = list(csv.reader(io.StringIO(blob.decode("utf-8-sig"))))
    return [int(r[0]) for r in rows[1:]]


def _xlsx_numbers(blob: bytes) -> list[int]:
    sheet = load_workbook(io.BytesIO(blob)).active
    assert sheet is not None
    return [int(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] is not None]


def test_export_has_only_the_scopes_reports_in_csv_and_xlsx(world: World) -> None:
    ids = _setup(world)
    period = (date.fromisoformat(PERIOD["from"]), date.fromisoformat(PERIOD["to"]))
    for email, queue, role, scope in (
        ("chaling@example.org", "chaling", "agent", ["chaling"]),
        ("zhuzhou@example.org", "zhuzhou", "lead", subtree(world.live.current.federation, "zhuzhou")),
    ):
        client = _signed_in(world, email, queue, role)
        with session_scope(world.engine) as s:
            expected = [r.number for r in export_rows(s, queues=scope, start=period[0], end=period[1])]
            now_in = {t.id: t.queue_id for t in s.exec(select(Ticket)).all()}
        assert expected and all(now_in[n] in scope for n in expected)
        as_csv = client.get("/export/download", params={**PERIOD, "format": "csv"})
        assert as_csv.status_code == 200 and as_csv.headers["content-type"] == "text/csv; charset=utf-8"
        assert as_csv.headers["content-disposition"].startswith("attachment;")
        assert _csv_numbers(as_csv.content) == expected
        assert SECRET.encode() not in as_csv.content and CONTACT.encode() not in as_csv.content
        as_xlsx = client.get("/export/download", params={**PERIOD, "format": "xlsx"})
        assert as_xlsx.status_code == 200 and "spreadsheetml" in as_xlsx.headers["content-type"]
        assert _xlsx_numbers(as_xlsx.content) == expected
    # the agent's export leaves out what is now elsewhere (T2 was moved up to Zhuzhou, T3 is Liling's)
    chaling = _signed_in(world, "chaling2@example.org", "chaling")
    numbers = set(_csv_numbers(chaling.get("/export/download", params={**PERIOD, "format": "csv"}).content))
    assert ids["t1"] in numbers and ids["t2"] not in numbers and ids["t3"] not in numbers


def test_export_form_and_polite_refusals(world: World) -> None:
    world.clock.now = NOW.astimezone(UTC)
    client = _signed_in(world, "chaling@example.org", "chaling")
    form = client.get("/export")
    assert form.status_code == 200
    assert 'value="2026-10-27"' in form.text and 'value="2026-11-25"' in form.text  # the last 30 days
    for params, message in (
        ({"from": "2026-13-01", "to": "2026-11-25", "format": "csv"}, "请按“年-月-日”格式填写起止日期"),
        ({"from": "yesterday", "to": "", "format": "xlsx"}, "请按“年-月-日”格式填写起止日期"),
        ({"from": "2026-11-25", "to": "2026-11-01", "format": "csv"}, "截止日期早于起始日期"),
        ({"from": "2024-01-01", "to": "2026-11-25", "format": "csv"}, "一次最多导出 366 天"),
        ({"from": "2026-11-01", "to": "2026-11-25", "format": "pdf"}, "请选择 CSV 或 XLSX 格式"),
    ):
        answer = client.get("/export/download", params=params)
        assert answer.status_code == 400, params
        assert message in answer.text and "Traceback" not in answer.text
        assert answer.headers["content-type"].startswith("text/html")
    english = client.get(
        "/export/download", params={"from": "2025-01-01", "to": "2026-11-25", "format": "csv", "lang": "en"}
    )
    assert "At most 366 days" in english.text
    assert (
        client.get("/export/download", params={"from": "2025-11-25", "to": "2026-11-25", "format": "csv"}).status_code
        == 200
    )


def test_hostile_queue_names_and_categories_are_inert(world: World) -> None:
    world.clock.now = NOW.astimezone(UTC)
    hostile_queue = '"><script>alert(1)</script>'
    hostile_category = "=1+2<img src=x onerror=y>"  # fits the 32-character column
    ticket_id = world.ticket("chaling", "hello", category=hostile_category)
    with session_scope(world.engine) as s:
        row = s.get(Ticket, ticket_id)
        assert row is not None
        row.queue_id = hostile_queue  # a queue since removed from federations.yaml, under an odd name
        s.add(row)
    world.clock.advance(hours=1)
    admin = _signed_in(world, "admin@example.org", "hunan", "admin")
    page = admin.get("/scorecard")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # listed by queue, as text
    assert _totals(page.text) == _expected(_card(world, None))
    assert _card(world, None).totals.received == 1
    blob = admin.get("/export/download", params={**PERIOD, "format": "csv"}).content
    rows = list(csv.reader(io.StringIO(blob.decode("utf-8-sig"))))
    assert rows[1][0] == str(ticket_id) and rows[1][3].startswith("'=")  # never a formula
    sheet = load_workbook(io.BytesIO(admin.get("/export/download", params={**PERIOD, "format": "xlsx"}).content)).active
    assert sheet is not None and str(sheet["D2"].value).startswith("'=")


def test_one_scope_rule_for_every_account(world: World) -> None:
    """The pages' queues come from the rule that decides who may act (may_act): for every queue of
    the federation, an agent gets it alone, a lead its subtree, an admin everything (None)."""
    from bot.console.service import actor_of
    from bot.db.models import StaffAccount
    from bot.reports.service import scope_queues
    from bot.runtime import Env

    env = Env(world.live.current, world.clock())
    federation = world.live.current.federation
    for queue in federation.queues:
        agent, lead, admin = (
            StaffAccount(email="x@example.org", password_hash="", role=role, queue_id=queue.id)
            for role in ("agent", "lead", "admin")
        )
        assert scope_queues(env, actor_of(agent)) == [queue.id]
        assert scope_queues(env, actor_of(lead)) == subtree(federation, queue.id)
        assert scope_queues(env, actor_of(admin)) is None
