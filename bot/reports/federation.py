"""The federation tree: queues (province → cities → counties, plus departments) and places.

A *queue* is where a federation's staff handle tickets. A *place* is a name people give their
hometown; each routes to one queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from bot.text.localized import Localized

ROOT_QUEUE = "hunan"


@dataclass(frozen=True, slots=True)
class Queue:
    id: str
    name: Localized
    sla_hours: float
    parent: str | None = None
    emails: tuple[str, ...] = ()  # notified of new, escalated and reopened reports (staff not on Telegram)
    wecom: str | None = None  # a WeCom (企业微信) group robot's webhook URL, notified alike


@dataclass(frozen=True, slots=True)
class Place:
    name: str  # official Simplified name, e.g. 茶陵县
    queue: str
    pinyin: str = ""
    en: str = ""
    aliases: tuple[str, ...] = ()
    former: tuple[str, ...] = ()
    short: bool = True  # whether the name without 县/市/区 also refers to this place


@dataclass(frozen=True)
class Federation:
    queues: tuple[Queue, ...]
    places: tuple[Place, ...]
    by_id: MappingProxyType[str, Queue] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", MappingProxyType({q.id: q for q in self.queues}))

    def parent(self, queue_id: str) -> Queue | None:
        queue = self.by_id.get(queue_id)
        return self.by_id.get(queue.parent) if queue and queue.parent else None

    def ancestry(self, queue_id: str) -> list[str]:
        """The queue and every queue above it, nearest first (county, city, province)."""
        chain: list[str] = []
        current: str | None = queue_id
        while current is not None and current not in chain:
            chain.append(current)
            queue = self.by_id.get(current)
            current = queue.parent if queue else None
        return chain

    def root(self) -> Queue:
        return self.by_id.get(ROOT_QUEUE) or next(q for q in self.queues if q.parent is None)
