"""The FAQ currently serving, and reloading it without ever serving a broken edit."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.content.problems import ContentError, Problem
from bot.content.yamlsrc import paused_gc
from bot.directory.loader import check_directory
from bot.directory.model import Directory
from bot.faq.entries import Faq
from bot.faq.loader import load_faq
from bot.faq.matcher import FaqIndex
from bot.reports.canned import CannedReply, check_canned
from bot.reports.federation import Federation
from bot.reports.gazetteer import Gazetteer
from bot.reports.loader import check_federation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    faq: Faq
    index: FaqIndex
    federation: Federation
    gazetteer: Gazetteer
    directory: Directory
    loaded_at: datetime
    warnings: tuple[Problem, ...]
    canned: tuple[CannedReply, ...] = ()  # the console's canned replies (faq/canned_replies.yaml)


class LiveFaq:
    """Holds the last good content of ``faq/`` (FAQ with its index, federation tree, gazetteer).

    ``reload`` swaps everything at once, and only when every file is valid.
    """

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
        with paused_gc():  # see paused_gc: the collector would traverse the whole content again and again
            return self._build_now()

    def _build_now(self) -> Snapshot:
        problems: list[Problem] = []
        try:
            loaded = load_faq(self.directory)
        except ContentError as exc:
            problems.extend(exc.problems)
            loaded = None
        federation, fed_problems = check_federation(self.directory)
        directory, dir_problems = check_directory(self.directory)
        canned, canned_problems = check_canned(self.directory)
        problems.extend([*fed_problems, *dir_problems, *canned_problems])
        if loaded is None or federation is None or directory is None or any(p.severity == "error" for p in problems):
            raise ContentError(problems)
        warnings = [*loaded.warnings, *fed_problems, *dir_problems, *canned_problems]
        for problem in warnings:
            log.info("content: %s", problem)
        index = FaqIndex.build(loaded.faq.entries)
        return Snapshot(
            loaded.faq,
            index,
            federation,
            Gazetteer(federation),
            directory,
            datetime.now(UTC),
            tuple(warnings),
            canned,
        )


__all__ = ["ContentError", "LiveFaq", "Snapshot"]
