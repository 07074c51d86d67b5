"""The FAQ currently serving, and reloading it without ever serving a broken edit."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.content.faq_loader import load_faq
from bot.content.problems import ContentError, Problem
from bot.core.faq import Faq
from bot.core.matcher import FaqIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    faq: Faq
    index: FaqIndex
    loaded_at: datetime
    warnings: tuple[Problem, ...]


class LiveFaq:
    """Holds the last good FAQ and its index; ``reload`` swaps only when the new files are valid."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._current = self._build()

    @property
    def current(self) -> Snapshot:
        return self._current

    def reload(self) -> Snapshot:
        """Load the files again; on errors raise :class:`ContentError` and keep serving the old FAQ."""
        with self._lock:
            snapshot = self._build()
            self._current = snapshot
            return snapshot

    def _build(self) -> Snapshot:
        loaded = load_faq(self.directory)
        index = FaqIndex.build(loaded.faq.entries)
        for problem in loaded.warnings:
            log.warning("FAQ: %s", problem)
        return Snapshot(loaded.faq, index, datetime.now(UTC), tuple(loaded.warnings))


__all__ = ["ContentError", "LiveFaq", "Snapshot"]
