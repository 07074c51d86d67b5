"""The shipped answers say what the bot does: the first-reply times match the queues' SLA."""

from __future__ import annotations

import re

import pytest

from bot.faq.loader import load_faq
from bot.reports.loader import check_federation
from bot.reports.rules import WorkCalendar
from tests.conftest import FAQ_DIR

# The answers that promise a first-reply time, and the levels (0 province, 1 city, 2 county) they name.
PROMISES = {
    "report-difficulty": (0, 1, 2),
    "contact-federation": (0, 1, 2),
    "home-for-overseas-chinese": (1, 2),
}


def sla_days_by_level() -> dict[int, int]:
    """Working days each level of queues that people are routed to has before a report moves up."""
    federation, problems = check_federation(FAQ_DIR)
    assert federation is not None, problems
    per_day = WorkCalendar().hours_per_day  # the default working day (SLA_WORK_HOURS unset)
    routed = {place.queue for place in federation.places}
    days: dict[int, set[float]] = {}
    for queue in federation.queues:
        if queue.id in routed:
            days.setdefault(len(federation.ancestry(queue.id)) - 1, set()).add(queue.sla_hours / per_day)
    out: dict[int, int] = {}
    for level, values in days.items():
        assert len(values) == 1, f"level {level} queues differ in SLA ({sorted(values)} days): the FAQ says one"
        (value,) = values
        assert value == int(value), f"level {level}: SLA of {value} working days is not whole days"
        out[level] = int(value)
    return out


@pytest.mark.parametrize("entry_id", sorted(PROMISES))
def test_first_reply_times_in_answers_match_the_sla(entry_id: str) -> None:
    levels = sla_days_by_level()
    expected = {levels[level] for level in PROMISES[entry_id]}
    answer = load_faq(FAQ_DIR).faq.by_id[entry_id].answer
    assert {int(n) for n in re.findall(r"(\d+)个工作日", answer.zh)} == expected
    assert {int(n) for n in re.findall(r"(\d+) working days?", answer.en)} == expected
