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
from functools import cache
from typing import Any

from sqlalchemy import Connection, Delete, Double, Insert, Select, Update, and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.db.models import SendBudget, SendSlot
from bot.db.uow import connection_of

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


def lock(s: Session | Connection) -> None:
    """Take the bot's budget row for the rest of the transaction (creating it on first use)."""
    statements = _statements(connection_of(s).dialect.name)
    conn = connection_of(s)
    if conn.execute(statements.bump, {"budget": BUDGET}).rowcount:
        return
    conn.execute(statements.create, {"budget": BUDGET})
    conn.execute(statements.bump, {"budget": BUDGET})


SLOTS = SendSlot.__table__  # type: ignore[attr-defined]


def _held_since(since: Any) -> Any:
    """Slots that still count at or after ``since``."""
    return or_(SLOTS.c.done_at > since, and_(SLOTS.c.done_at.is_(None), SLOTS.c.taken_at > since - LEASE))


def _held(done_at: float | None, taken_at: float, since: float) -> bool:
    """``_held_since`` on a row already read."""
    return done_at > since if done_at is not None else taken_at > since - LEASE


_expired_at = float("-inf")  # when this process last deleted the slots that no longer count


@dataclass(frozen=True)
class _Statements:
    """Built once per dialect (taking slots is on every delivery's path)."""

    bump: Update
    create: Insert
    expire: Delete
    held: Select[Any]  # slots of the candidates' chats in the last minute, and everyone's in the last second
    take: Insert
    finish: Update


@cache
def _statements(dialect: str) -> _Statements:
    budgets = SendBudget.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    horizon = bindparam("horizon", type_=Double)
    return _Statements(
        bump=update(budgets).where(budgets.c.name == bindparam("budget")).values(version=budgets.c.version + 1),
        create=insert(budgets)
        .values(name=bindparam("budget"), version=0)
        .on_conflict_do_nothing(index_elements=["name"]),
        expire=delete(SLOTS).where(
            or_(
                SLOTS.c.done_at <= horizon,
                and_(SLOTS.c.done_at.is_(None), SLOTS.c.taken_at <= horizon - LEASE),
            )
        ),
        held=select(SLOTS.c.chat_id, SLOTS.c.done_at, SLOTS.c.taken_at).where(
            _held_since(bindparam("minute", type_=Double)),
            or_(
                SLOTS.c.chat_id.in_(bindparam("chats", expanding=True)),
                _held_since(bindparam("second", type_=Double)),
            ),
        ),
        take=SLOTS.insert(),
        finish=update(SLOTS)
        .where(SLOTS.c.outbox_id == bindparam("slot_of"), SLOTS.c.done_at.is_(None))
        .values(done_at=bindparam("at")),
    )


def reserve(
    s: Session | Connection,
    *,
    candidates: Iterable[tuple[int, int]],
    now: float,
    limits: Limits,
    most: int,
    locked: bool = False,
) -> Grant:
    """Take slots for as many of ``candidates`` — (outbox id, chat id), best first — as the limits
    allow now, at most ``most``; in the caller's transaction (commit it to hold them). ``locked``:
    the caller holds the budget row already (``lock``)."""
    wanted = list(candidates)
    if not wanted:
        return Grant([])
    if not limits.paced:
        ids = [row_id for row_id, _ in wanted[:most]]
        return Grant(ids)
    if not locked:
        lock(s)
    statements = _statements(connection_of(s).dialect.name)
    conn = connection_of(s)
    global _expired_at
    if not _expired_at <= now < _expired_at + 1.0:  # housekeeping, once a second at most: the reads
        conn.execute(statements.expire, {"horizon": now - MINUTE})  # below skip what it would delete
        _expired_at = now
    chats = {chat for _, chat in wanted}
    second, minute = now - 1.0, now - MINUTE
    rows = conn.execute(statements.held, {"chats": list(chats), "minute": minute, "second": second}).all()
    recent = [(done_at, taken_at) for _, done_at, taken_at in rows if _held(done_at, taken_at, second)]
    free = limits.per_second - len(recent)
    per_chat: defaultdict[int, list[float]] = defaultdict(list)
    for chat, done_at, taken_at in rows:
        if chat in chats:
            per_chat[chat].append(done_at if done_at is not None else taken_at + LEASE)
    granted: list[int] = []
    taken: list[dict[str, Any]] = []
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
        taken.append({"outbox_id": row_id, "chat_id": chat, "taken_at": now, "done_at": None})
    if taken:
        conn.execute(statements.take, taken)
    wait = None
    if held_back:
        ends = sorted(done_at if done_at is not None else taken_at + LEASE for done_at, taken_at in recent)
        # Ask again when a few slots are free, not each one: a round per message would cost a
        # transaction each, and the rate over any second is the same.
        batch = min(len(ends), BATCH)
        wait = max(0.01, ends[batch - 1] + 1.0 - now) if ends else 0.05
    return Grant(granted, wait)


def finish(s: Session | Connection, *, outbox_id: int, at: float) -> None:
    """The call for this message returned (sent, refused or failed) at ``at``: its slot now counts
    for a window after that, then frees itself."""
    connection_of(s).execute(_statements(connection_of(s).dialect.name).finish, {"slot_of": outbox_id, "at": at})
