"""The SLA job: reports nobody claimed within their queue's SLA move up (county → city → province).

Deadlines live in the database, so a restart loses none; each run looks at what is due now, and
each ticket moves in its own transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.db.uow import session_scope
from bot.groups.access import SYSTEM
from bot.messaging import faults
from bot.reports import service
from bot.runtime import Runtime

log = logging.getLogger(__name__)
INTERVAL = 60.0


def escalate_overdue(runtime: Runtime, now: datetime | None = None) -> list[int]:
    """Move every overdue, unclaimed ticket up to its parent queue; returns the ids moved."""
    env = runtime.env(now)
    with session_scope(runtime.engine) as s:
        due = service.overdue(s, env)
    moved: list[int] = []
    for ticket_id in due:
        with session_scope(runtime.engine) as s:
            if service.escalate(s, env, ticket_id, SYSTEM):
                faults.point("job.before_commit")
                moved.append(ticket_id)
                log.info("ticket %s escalated", ticket_id)
    return moved
