"""What handlers need at run time, built once by the composition root (``bot.app``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from bot.config import Settings
from bot.content.live import LiveFaq
from bot.messaging.metrics import Metrics


@dataclass
class Services:
    settings: Settings
    engine: Engine
    faq: LiveFaq
    wake_delivery: Callable[[], None] = field(default=lambda: None)
    metrics: Metrics = field(default_factory=Metrics)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids
