"""Named fault points, for crash tests: "crash right here, before (or after) this commit".

Production code calls :func:`point` at each commit boundary of the update pipeline, the outbox
worker and the jobs. Nothing happens unless a test arms a point — in process with :func:`arm`
(raising :class:`Crash`, which no ``except Exception`` swallows), or in a whole ``qiaobot run``
process with ``QIAOBOT_FAULTS=name:k,…`` (the process kills itself with SIGKILL the k-th time it
passes the point), so a crash happens exactly where the test says, on any machine, at any speed.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

POINTS = (
    "intake.claimed",  # an update was claimed (its attempt counted); nothing of its effect yet
    "update.before_commit",  # handlers ran; their changes and messages are not committed
    "update.after_commit",  # the update's effect, messages and "done" mark are committed
    "outbox.after_send",  # Telegram accepted a message; it is not yet marked sent
    "outbox.after_mark",  # … and now it is
    "job.before_commit",  # a job (escalation) changed a ticket; not committed
)


class Crash(BaseException):
    """An injected crash: the process 'dies' here (only tests arm points)."""


_lock = threading.RLock()
_armed: dict[str, int] = {}
_passed: Counter[str] = Counter()
_env_loaded = False


def arm(name: str, after: int = 1) -> None:
    """Crash the ``after``-th time ``name`` is passed from now on (in process)."""
    if name not in POINTS:
        raise ValueError(f"unknown fault point {name!r}; known: {', '.join(POINTS)}")
    with _lock:
        _armed[name] = _passed[name] + after


def disarm() -> None:
    with _lock:
        _armed.clear()


def _load_env() -> None:
    global _env_loaded
    _env_loaded = True
    for item in filter(None, os.environ.get("QIAOBOT_FAULTS", "").split(",")):
        name, _, count = item.partition(":")
        arm(name.strip(), int(count or 1))


def point(name: str) -> None:
    """Pass a fault point: crash if a test armed it for this pass."""
    with _lock:
        if not _env_loaded:
            _load_env()
        if not _armed:
            return
        _passed[name] += 1
        if _armed.get(name) != _passed[name]:
            return
        del _armed[name]
    if os.environ.get("QIAOBOT_FAULTS"):
        os.kill(os.getpid(), signal.SIGKILL)
    raise Crash(name)
