"""What the bot needs at run time, built once by the composition root (``bot.app``), and the
per-action environment services receive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from bot.config import Settings
from bot.content.live import LiveFaq, Snapshot
from bot.db.models import utcnow
from bot.groups.access import Membership, NoMembership
from bot.messaging.metrics import Metrics
from bot.reports.rules import WorkCalendar
from bot.reports.workdays import china


@dataclass(frozen=True)
class Env:
    """What a service may consult besides its Session: the content now, the time, who is admin,
    and (for Telegram actors) group membership."""

    content: Snapshot
    now: datetime
    admin_ids: frozenset[int] = frozenset()
    membership: Membership = field(default_factory=NoMembership)
    calendar: WorkCalendar = field(default_factory=china)  # SLA deadlines count its working hours

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    faq: LiveFaq
    metrics: Metrics = field(default_factory=Metrics)
    membership: Membership = field(default_factory=NoMembership)
    wake_delivery: Callable[[], None] = field(default=lambda: None)
    calendar: WorkCalendar | None = None

    def work_calendar(self) -> WorkCalendar:
        if self.calendar is None:
            self.calendar = china(self.settings.sla_work_hours)
        return self.calendar

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids

    def env(self, now: datetime | None = None) -> Env:
        return Env(self.faq.current, now or utcnow(), self.settings.admin_ids, self.membership, self.work_calendar())
