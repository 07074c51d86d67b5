"""China's working days for the SLA: public holidays and adjusted working days (调休).

The calendar comes from the maintained ``chinesecalendar`` package (data from the State
Council's yearly notice). For a year the installed package does not know yet (the notice for
next year is published in the autumn), weekends alone are used and a warning is logged once per
year: upgrade the package when the new notice is out.
"""

from __future__ import annotations

import logging
from datetime import date

import chinese_calendar

from bot.reports.rules import BEIJING, WORK_PERIODS, WorkCalendar, parse_periods, weekdays_only

log = logging.getLogger(__name__)
_warned: set[int] = set()


def is_china_workday(day: date) -> bool:
    """A working day in mainland China: not a weekend or holiday, or an adjusted working day."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned:
            _warned.add(day.year)
            log.warning(
                "chinesecalendar has no holidays for %s: counting weekends only (upgrade chinesecalendar)", day.year
            )
        return weekdays_only(day)


def china(periods: str | None = None, tz: str = BEIJING) -> WorkCalendar:
    """The SLA calendar: Beijing working hours on China's working days."""
    return WorkCalendar(is_china_workday, parse_periods(periods) if periods else WORK_PERIODS, tz)
