"""One budget of Telegram's flood limits, shared by every process of a bot through the database.

Telegram's limits belong to the bot, not to a process: about 30 messages a second overall, about
one a second in a chat, 20 a minute in a group. Each delivering process takes *send slots* here
before it calls the Bot API, in one short transaction that first locks the bot's ``send_budget``
row (a row lock on PostgreSQL, the write lock on SQLite), so two processes never count the same
free capacity twice.

A slot is held from the moment it is taken until a window after the call *returned*
(``done_at``, written in the transaction that records the outcome). The Bot API receives a call
between those two instants, so if at most N slots are held at any instant, at most N calls reach
Telegram in any window: whatever the delays between processes, the database and the Bot API, the
limits hold in every window, not only on average. A slot whose process died before finishing it
counts until its lease runs out.

The limits (``Limits``):

- ``per_second``: all chats together, in any second (30).
- ``chat_burst``: one chat, at most this many in any ``chat_burst`` seconds — one a second on
  average, with room for an answer in a few parts (3: what Telegram tolerates in practice and
  what the stand-in in ``localapi.py`` models).
- groups: at most one a second and ``group_per_minute`` (20) in any minute.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.db.models import SendBudget, SendSlot

BUDGET = "telegram"
LEASE = 60.0  # seconds a slot counts when its process never says how the call ended
MINUTE = 60.0
BATCH = 5  # slots to wait for when the bot-wide budget is spent


@dataclass(frozen=True)
class Limits:
    per_second: int = 30
    chat_burst: int = 3
    group_per_minute: int = 20
    paced: bool = True  # False: no limits at all (the terminal chat, tests of other things)

    @classmethod
    def unpaced(cls) -> Limits:
        return cls(paced=False)


@dataclass(frozen=True)
class Grant:
    """What a process may send now: outbox ids, in the order asked; and when to ask again if the
    global budget (not a chat's) held anything back."""

    ids: list[int]
    wait: float | None = None


def lock(s: Session) -> None:
    """Take the bot's budget row for the rest of the transaction (creating it on first use)."""
    bump = update(SendBudget).where(col(SendBudget.name) == BUDGET).values(version=SendBudget.version + 1)
    if s.execute(bump).rowcount:  # type: ignore[attr-defined]
        return
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = SendBudget.__table__  # type: ignore[attr-defined]
    s.execute(insert(table).values(name=BUDGET, version=0).on_conflict_do_nothing(index_elements=["name"]))
    s.execute(bump)


def _held_since(since: float) -> object:
    """Slots that still count at or after ``since``."""
    return or_(
        col(SendSlot.done_at) > since,
        and_(col(SendSlot.done_at).is_(None), col(SendSlot.taken_at) > since - LEASE),
    )


def reserve(s: Session, *, candidates: Iterable[tuple[int, int]], now: float, limits: Limits, most: int) -> Grant:
    """Take slots for as many of ``candidates`` — (outbox id, chat id), best first — as the limits
    allow now, at most ``most``; in the caller's transaction (commit it to hold them)."""
    wanted = list(candidates)
    if not wanted:
        return Grant([])
    if not limits.paced:
        ids = [row_id for row_id, _ in wanted[:most]]
        return Grant(ids)
    lock(s)  # (again, if the caller took it already: harmless)
    horizon = now - MINUTE
    s.execute(
        delete(SendSlot).where(
            or_(
                col(SendSlot.done_at) <= horizon,
                and_(col(SendSlot.done_at).is_(None), col(SendSlot.taken_at) <= horizon - LEASE),
            )
        )
    )
    recent = s.exec(
        select(SendSlot.done_at, SendSlot.taken_at).where(_held_since(now - 1.0))  # type: ignore[arg-type]
    ).all()
    free = limits.per_second - len(recent)
    chats = {chat for _, chat in wanted}
    per_chat: defaultdict[int, list[float]] = defaultdict(list)
    rows = s.exec(
        select(SendSlot.chat_id, SendSlot.done_at, SendSlot.taken_at).where(
            col(SendSlot.chat_id).in_(chats),
            _held_since(now - MINUTE),  # type: ignore[arg-type]
        )
    ).all()
    for chat, done_at, taken_at in rows:
        per_chat[chat].append(done_at if done_at is not None else taken_at + LEASE)
    granted: list[int] = []
    held_back = False
    for row_id, chat in wanted:
        if len(granted) >= most:
            break
        ends = per_chat[chat]
        if chat > 0:
            window, allowed = float(limits.chat_burst), limits.chat_burst
            ok = sum(end > now - window for end in ends) < allowed
        else:
            ok = sum(end > now - 1.0 for end in ends) < 1 and len(ends) < limits.group_per_minute
        if not ok:
            continue
        if free <= 0:
            held_back = True
            break
        free -= 1
        granted.append(row_id)
        s.add(SendSlot(outbox_id=row_id, chat_id=chat, taken_at=now))
    wait = None
    if held_back:
        ends = sorted(done_at if done_at is not None else taken_at + LEASE for done_at, taken_at in recent)
        # Ask again when a few slots are free, not each one: a round per message would cost a
        # transaction each, and the rate over any second is the same.
        batch = min(len(ends), BATCH)
        wait = max(0.01, ends[batch - 1] + 1.0 - now) if ends else 0.05
    return Grant(granted, wait)


def finish(s: Session, *, outbox_id: int, at: float) -> None:
    """The call for this message returned (sent, refused or failed) at ``at``: its slot now counts
    for a window after that, then frees itself."""
    s.execute(
        update(SendSlot).where(col(SendSlot.outbox_id) == outbox_id, col(SendSlot.done_at).is_(None)).values(done_at=at)
    )
