"""Scorecards over reports built through the real service functions, with a controlled clock.

Every expected figure below is worked out by hand from the story in ``story()`` (times in Beijing
time), not read back from the code under test. SQLite and PostgreSQL.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from bot.content.live import LiveFaq
from bot.db.conversations import State
from bot.db.uow import session_scope
from bot.groups.access import SYSTEM, Actor
from bot.reports import service
from bot.reports.conversation import Draft
from bot.reports.rules import Action
from bot.reports.scorecard import (
    BEIJING,
    Figures,
    Scorecard,
    p90,
    scorecard,
    scorecard_csv,
    subtree,
    weekly_chart_svg,
)
from bot.runtime import Env

CHEN = Actor("console", 9001, "Chen", queue="chaling", role="agent")
LI = Actor("console", 9002, "Li", queue="liling", role="agent")
ZHOU = Actor("console", 9003, "Zhou", queue="zhuzhou", role="lead")
H = 3600.0
SECRET = "我的秘密描述 <b>"
CONTACT = "+60 12 345 6789"


def bj(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BEIJING)


NOW = bj(11, 25, 12)  # a Wednesday; the current week began Monday 23 November


class Story:
    def __init__(self, engine: Engine, faq: LiveFaq) -> None:
        self.engine, self.faq = engine, faq

    def env(self, when: datetime) -> Env:
        return Env(self.faq.current, when.astimezone(UTC))

    def file(self, user: int, queue: str, when: datetime) -> int:
        reporter = Actor("telegram", user, f"user {user}", chat_id=user)
        draft = Draft(
            language="zh-Hans",
            place="某县",
            queue_id=queue,
            category="documents",
            description=SECRET,
            contact=CONTACT,
        )
        with session_scope(self.engine) as s:
            ticket = service.file_report(s, self.env(when), reporter, State(user, "report", user, "summary"), draft)
            assert ticket.id is not None
            return ticket.id

    def act(self, actor: Actor, action: Action, ticket_id: int, when: datetime, **kw: str) -> None:
        with session_scope(self.engine) as s:
            outcome = service.act(s, self.env(when), actor, action, ticket_id, **kw)
        assert outcome.ok, outcome.key

    def rate(self, user: int, ticket_id: int, stars: int, when: datetime) -> None:
        with session_scope(self.engine) as s:
            assert service.rate(s, self.env(when), Actor("telegram", user, "", chat_id=user), ticket_id, stars)

    def escalate(self, ticket_id: int, when: datetime) -> None:
        with session_scope(self.engine) as s:
            assert service.escalate(s, self.env(when), ticket_id, SYSTEM)


def story(engine: Engine, faq: LiveFaq) -> dict[str, int]:
    st = Story(engine, faq)
    # T5 (chaling): filed before the three weeks, resolved without a reply on Monday 9 Nov.
    t5 = st.file(105, "chaling", bj(11, 5, 10))
    st.act(CHEN, Action.RESOLVE, t5, bj(11, 9, 15))
    # T1 (chaling): answered in 2 h, resolved in 24 h, rated 5.
    t1 = st.file(101, "chaling", bj(11, 9, 10))
    st.act(CHEN, Action.CLAIM, t1, bj(11, 9, 11))
    st.act(CHEN, Action.REPLY, t1, bj(11, 9, 12), text="收到")
    st.act(CHEN, Action.RESOLVE, t1, bj(11, 10, 10))
    st.rate(101, t1, 5, bj(11, 10, 11))
    # T2 (chaling): nobody claims it; moved up to Zhuzhou, answered there after 49 h, resolved after
    # 145 h, rated 2 stars (reopened: open ever since, in Zhuzhou).
    t2 = st.file(102, "chaling", bj(11, 10, 9))
    st.escalate(t2, bj(11, 11, 10))
    st.act(ZHOU, Action.REPLY, t2, bj(11, 12, 10), text="我们来处理")
    st.act(ZHOU, Action.RESOLVE, t2, bj(11, 16, 10))
    st.rate(102, t2, 2, bj(11, 16, 12))
    # T3 (liling): answered in 1.5 h, resolved in 24 h, rated 4.
    t3 = st.file(103, "liling", bj(11, 17, 8))
    st.act(LI, Action.REPLY, t3, bj(11, 17, 9, 30), text="好的")
    st.act(LI, Action.RESOLVE, t3, bj(11, 18, 8))
    st.rate(103, t3, 4, bj(11, 18, 9))
    # T6 (liling → chaling): transferred after an hour, answered by Chaling 3 h after filing; open.
    t6 = st.file(106, "liling", bj(11, 18, 10))
    st.act(LI, Action.TRANSFER, t6, bj(11, 18, 11), target="chaling")
    st.act(CHEN, Action.REPLY, t6, bj(11, 18, 13), text="请补充材料")
    # T4 (chaling): claimed, never answered; its 24 h passed at 10:00 today.
    t4 = st.file(104, "chaling", bj(11, 24, 10))
    st.act(CHEN, Action.CLAIM, t4, bj(11, 24, 11))
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6}


def card_for(engine: Engine, faq: LiveFaq, queues: list[str] | None, weeks: int = 3) -> Scorecard:
    with session_scope(engine) as s:
        return scorecard(s, queues=queues, weeks=weeks, now=NOW.astimezone(UTC), federation=faq.current.federation)


def test_percentile_by_nearest_rank() -> None:
    assert p90([]) is None
    assert p90([5.0]) == 5.0
    assert p90([float(x) for x in range(1, 11)]) == 9.0  # ceil(0.9 × 10) = 9th
    assert p90([1.0, 2.0, 3.0]) == 3.0  # ceil(2.7) = 3rd


def test_scorecard_of_one_queue_per_week_and_in_total(engine: Engine, live_faq: LiveFaq) -> None:
    story(engine, live_faq)
    card = card_for(engine, live_faq, ["chaling"])
    assert [w.start for w in card.weeks] == [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    assert [w.partial for w in card.weeks] == [False, False, True]
    assert card.start == bj(11, 9, 0)

    w1, w2, w3 = (w.figures for w in card.weeks)
    # Week of 9 Nov: T1 and T2 filed; responses T1 2 h and T5 101 h (its resolution, no reply);
    # resolutions T1 24 h and T5 101 h; T2 missed its 24 h at 09:00 on the 11th and was moved up.
    assert w1 == Figures(
        received=2,
        responded=2,
        first_response_median=(2 + 101) / 2 * H,
        first_response_p90=101 * H,
        resolved=2,
        resolution_median=(24 + 101) / 2 * H,
        resolution_p90=101 * H,
        breaches=1,
        escalations=1,
        ratings=1,
        stars_average=5.0,
        reopened=0,
        backlog=0,
    )
    # Week of 16 Nov: nothing filed to Chaling (T3 and T6 went to Liling); Chaling answered T6 3 h
    # after it was filed; T6 is open at the week's end.
    assert w2 == Figures(responded=1, first_response_median=3 * H, first_response_p90=3 * H, backlog=1)
    # This week: T4 filed, its deadline passed unanswered; T4 and T6 open now.
    assert w3 == Figures(received=1, breaches=1, backlog=2)
    # The three weeks together: responses 2, 101, 3 h → median 3, p90 101.
    assert card.totals == Figures(
        received=3,
        responded=3,
        first_response_median=3 * H,
        first_response_p90=101 * H,
        resolved=2,
        resolution_median=62.5 * H,
        resolution_p90=101 * H,
        breaches=2,
        escalations=1,
        ratings=1,
        stars_average=5.0,
        reopened=0,
        backlog=2,
    )


def test_scorecard_of_a_leads_subtree(engine: Engine, live_faq: LiveFaq) -> None:
    story(engine, live_faq)
    scope = subtree(live_faq.current.federation, "zhuzhou")
    assert {"zhuzhou", "chaling", "liling"} <= set(scope) and "hunan" not in scope and "changsha" not in scope
    card = card_for(engine, live_faq, scope)
    # Responses 1.5, 2, 3, 49, 101 h; resolutions 24, 24, 101, 145 h; ratings 5, 2, 4.
    assert card.totals == Figures(
        received=5,
        responded=5,
        first_response_median=3 * H,
        first_response_p90=101 * H,
        resolved=4,
        resolution_median=62.5 * H,
        resolution_p90=145 * H,
        breaches=2,
        escalations=1,
        ratings=3,
        stars_average=11 / 3,
        reopened=1,
        backlog=3,
    )
    assert card.totals.reopened_share == pytest.approx(1 / 3)
    by_queue = dict(card.by_queue)
    assert by_queue["liling"].received == 2 and by_queue["liling"].backlog == 0
    assert by_queue["zhuzhou"].responded == 1 and by_queue["zhuzhou"].first_response_median == 49 * H
    assert by_queue["zhuzhou"].resolution_median == 145 * H and by_queue["zhuzhou"].backlog == 1
    assert by_queue["chaling"] == card_for(engine, live_faq, ["chaling"]).totals
    # Every queue (None) sees the same as the subtree here: nothing was filed elsewhere.
    assert card_for(engine, live_faq, None).totals == card.totals


def test_csv_has_a_row_per_week_the_totals_and_each_queue(engine: Engine, live_faq: LiveFaq) -> None:
    story(engine, live_faq)
    card = card_for(engine, live_faq, ["chaling", "liling"])
    lines = scorecard_csv(card, lang="en").splitlines()
    assert lines[0].startswith("Period,Queue,Received,Responded,First response")
    assert lines[1].startswith("2026-11-09,") and lines[3].startswith("2026-11-23*,")
    assert lines[4].startswith("2026-11-09…2026-11-25,")
    assert [line.split(",")[1] for line in lines[5:]] == ["chaling", "liling"]
    chinese = scorecard_csv(card, lang="zh-Hans")
    assert chinese.startswith("时段,队列,受理")
    assert SECRET not in chinese and CONTACT not in chinese


def test_svg_chart_has_twelve_weeks_of_bars_and_is_inert(engine: Engine, live_faq: LiveFaq) -> None:
    story(engine, live_faq)
    hostile = ['"><script>alert(1)</script>', "<img src=x onerror=alert(2)>"]
    with session_scope(engine) as s:
        card = scorecard(s, queues=["chaling", *hostile], now=NOW.astimezone(UTC))
    assert len(card.weeks) == 12
    svg = weekly_chart_svg(card, lang="en")
    root = ET.fromstring(svg)  # well-formed XML
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.get("viewBox") == "0 0 480 300" and root.get("width") == "100%"
    received = root.findall(".//svg:rect[@class='bar-received']", ns)
    resolved = root.findall(".//svg:rect[@class='bar-resolved']", ns)
    assert len(received) == len(resolved) == 12
    title = root.find("svg:title", ns)
    assert title is not None and hostile[0] in (title.text or "")  # shown as text, never as markup
    assert "<script" not in svg and "<img" not in svg
    assert root.find(".//svg:polyline[@class='line-backlog']", ns) is not None
    texts = {el.text for el in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"Received", "Resolved", "Backlog"} <= texts
    # The bars' heights follow the weeks: the week of 2 Nov (index 8 of 12) received T5, that of
    # 9 Nov two, this week one.
    heights = [float(r.get("height") or 0) for r in received]
    assert heights[:8] == [0.0] * 8 and heights[10] == 0.0
    assert heights[9] == pytest.approx(2 * heights[11]) and heights[8] == pytest.approx(heights[11])
    assert heights[11] > 0
    assert "每周反映" in weekly_chart_svg(card, lang="zh-Hans")


def test_sla_counts_working_hours_as_escalation_does() -> None:
    """A county report filed on Friday at 17:00 (7 working hours: 1 working day) is not late over the
    weekend; with no reply it is late from Monday 17:00 — when escalation moves it up too."""
    from bot.reports.repo import TicketFacts
    from bot.reports.rules import WorkCalendar
    from bot.reports.scorecard import compute

    filed = bj(11, 20, 17)  # a Friday
    facts = TicketFacts(
        id=1,
        queue_id="chaling",
        category="documents",
        place="茶陵县",
        status="new",
        claimed_by_name=None,
        rating=None,
        created_at=filed.astimezone(UTC),
        updated_at=filed.astimezone(UTC),
        first_reply=None,
        events=((filed.astimezone(UTC), "filed", "queue=chaling category=documents"),),
    )

    def breaches(now: datetime) -> int:
        card = compute([facts], queues=None, weeks=1, now=now, sla_hours={"chaling": 7}, calendar=WorkCalendar())
        return card.totals.breaches

    assert breaches(bj(11, 22, 12)) == 0  # Sunday
    assert breaches(bj(11, 23, 16, 59)) == 0  # Monday, a minute before the 7th working hour ends
    assert breaches(bj(11, 24, 9)) == 1  # Tuesday
