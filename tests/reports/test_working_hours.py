"""SLA deadlines in working hours: Beijing time, China's holidays and adjusted working days."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.reports import workdays
from bot.reports.rules import WorkCalendar, due_at, parse_periods

BEIJING = ZoneInfo("Asia/Shanghai")
CHINA = workdays.china()


def beijing(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BEIJING)


def test_a_report_filed_on_friday_evening_is_due_on_the_next_working_day() -> None:
    friday_evening = beijing(2026, 11, 27, 19, 0)  # a Friday
    due = due_at(friday_evening.astimezone(UTC), 7, calendar=CHINA)
    assert due.astimezone(BEIJING) == beijing(2026, 11, 30, 17, 30)  # Monday, one working day later
    short = due_at(friday_evening, 2, calendar=CHINA)
    assert short.astimezone(BEIJING) == beijing(2026, 11, 30, 11, 0)
    assert due.tzinfo is not None  # aware in, aware out (UTC)


def test_a_report_before_the_national_day_holiday_is_due_after_it() -> None:
    eve = beijing(2026, 9, 30, 16, 0)  # Wednesday; 1–7 October 2026 are public holidays
    due = due_at(eve, 7, calendar=CHINA).astimezone(BEIJING)
    # 1.5 h on the 30th, then nothing until Thursday 8 October: 3 h in the morning, 2.5 h after lunch.
    assert due == beijing(2026, 10, 8, 16, 0)
    assert all(not CHINA.is_workday(date(2026, 10, d)) for d in range(1, 8))


def test_an_adjusted_saturday_working_day_counts() -> None:
    assert date(2026, 10, 10).weekday() == 5 and CHINA.is_workday(date(2026, 10, 10))  # 调休
    friday = beijing(2026, 10, 9, 17, 0)
    assert due_at(friday, 2, calendar=CHINA).astimezone(BEIJING) == beijing(2026, 10, 10, 10, 30)
    # A weekends-only calendar would have waited for Monday.
    assert due_at(friday, 2, calendar=WorkCalendar()).astimezone(BEIJING) == beijing(2026, 10, 12, 10, 30)


def test_lunch_and_nights_do_not_count_and_a_naive_time_is_utc() -> None:
    before_lunch = beijing(2026, 12, 2, 11, 30)  # Wednesday
    assert due_at(before_lunch, 1, calendar=CHINA).astimezone(BEIJING) == beijing(2026, 12, 2, 14, 0)
    naive = before_lunch.astimezone(UTC).replace(tzinfo=None)
    due = due_at(naive, 1, calendar=CHINA)
    assert due.tzinfo is None and due.replace(tzinfo=UTC).astimezone(BEIJING) == beijing(2026, 12, 2, 14, 0)
    early = beijing(2026, 12, 2, 6, 0)
    assert due_at(early, 0.5, calendar=CHINA).astimezone(BEIJING) == beijing(2026, 12, 2, 9, 30)


def test_a_year_the_package_does_not_know_counts_weekends_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unknown = date(2099, 10, 1)  # beyond any published State Council notice
    workdays._warned.discard(2099)
    with caplog.at_level(logging.WARNING, logger="bot.reports.workdays"):
        assert workdays.is_china_workday(unknown) == (unknown.weekday() < 5)
        assert workdays.is_china_workday(unknown + timedelta(days=1)) == ((unknown + timedelta(days=1)).weekday() < 5)
    warnings = [r for r in caplog.records if "2099" in r.getMessage()]
    assert len(warnings) == 1 and "weekends only" in warnings[0].getMessage()
    due = due_at(datetime(2099, 10, 2, 1, 0, tzinfo=UTC), 7, calendar=CHINA)  # a Friday, 9:00 in Beijing
    assert due.astimezone(BEIJING) == datetime(2099, 10, 2, 17, 30, tzinfo=BEIJING)


def test_2026_is_covered_by_the_installed_calendar() -> None:
    import chinese_calendar

    assert chinese_calendar.is_holiday(date(2026, 10, 1)) and chinese_calendar.is_workday(date(2026, 10, 10))


def test_working_periods_are_configurable_and_checked() -> None:
    assert parse_periods("08:30-12:00, 14:00-18:00") == ((time(8, 30), time(12)), (time(14), time(18)))
    for bad in ("9-12", "12:00-09:00", "09:00-12:00,11:00-13:00", ""):
        with pytest.raises(ValueError):
            parse_periods(bad)
    custom = workdays.china("08:00-16:00")
    assert custom.hours_per_day == 8 and CHINA.hours_per_day == 7
    assert due_at(beijing(2026, 12, 2, 8), 8, calendar=custom).astimezone(BEIJING) == beijing(2026, 12, 2, 16)
    with pytest.raises(ValidationError):
        Settings(sla_work_hours="nine to five")
