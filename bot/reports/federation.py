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


@dataclass(frozen=True, slots=True)
class Elsewhere:
    """A place outside Hunan that people may mean by a name also used in Hunan (永定 in Fujian),
    or that a lookalike would wrongly route inside it (Taishan, Fuzhou). Never routed silently."""

    name: str  # full Chinese path, e.g. 福建省龙岩市永定区
    en: str
    keys: tuple[str, ...]
    province: bool = False  # a province or region: named in a sentence, it places the hometown outside Hunan


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """A name that means several places inside Hunan (株洲: the city or the former county)."""

    keys: tuple[str, ...]
    places: tuple[str, ...]  # official names, most likely first


@dataclass(frozen=True)
class Federation:
    queues: tuple[Queue, ...]
    places: tuple[Place, ...]
    elsewhere: tuple[Elsewhere, ...] = ()
    ambiguous: tuple[Ambiguity, ...] = ()
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

    def prefecture_of(self, place: Place) -> Place | None:
        """The prefecture-level place a place belongs to (itself for a prefecture; None for the province)."""
        chain = self.ancestry(place.queue)
        names = {q.name.zh.removesuffix("侨联") for q in (self.by_id[c] for c in chain) if q.parent is not None}
        prefectures = [p for p in self.places if p.name in names and self.level(p) == 1]
        return prefectures[0] if prefectures else None

    def level(self, place: Place) -> int:
        """0 for the province, 1 for a prefecture-level division, 2 for a county-level one."""
        queue = self.by_id.get(place.queue)
        if queue is None or place.name != queue.name.zh.removesuffix("侨联"):
            return 2
        if queue.parent is None:
            return 0
        parent = self.by_id.get(queue.parent)
        return 1 if parent is not None and parent.parent is None else 2

    def path(self, place: Place, *, en: bool = False) -> str:
        """湖南省张家界市永定区 / Yongding District, Zhangjiajie, Hunan: the full path of a place."""
        root = self.root().name.zh.removesuffix("侨联")
        prefecture = self.prefecture_of(place)
        chain = [p for p in (prefecture, place) if p is not None]
        names: list[str] = []
        for p in chain:
            name = (p.en or p.pinyin or p.name) if en else p.name
            if name not in names and p.name != root:
                names.append(name)
        if en:
            return ", ".join([*reversed(names), "Hunan"])
        return root + "".join(names)

    def root(self) -> Queue:
        return self.by_id.get(ROOT_QUEUE) or next(q for q in self.queues if q.parent is None)
