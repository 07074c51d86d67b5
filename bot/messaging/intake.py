"""Durable intake: raw updates are stored (unique ``update_id``) before Telegram is told we have them,
then claimed, processed and marked done from here."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Engine, Insert, Integer, Select, Update, and_, bindparam, case, exists, func, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db.models import IntakeUpdate, OutboxMessage, utcnow
from bot.db.uow import session_scope

MAX_ATTEMPTS = 3
LEASE = timedelta(seconds=10)  # renewed every few seconds while the update is worked
_older = IntakeUpdate.__table__.alias("older")  # type: ignore[attr-defined]
_later = IntakeUpdate.__table__.alias("later")  # type: ignore[attr-defined]
_recent = IntakeUpdate.__table__.alias("recent")  # type: ignore[attr-defined]


def chat_of(payload: str) -> int:
    """The chat an update belongs to (0 when it has none): updates of one chat are worked in order."""
    try:
        data = json.loads(payload)
    except ValueError:
        return 0
    if not isinstance(data, dict):
        return 0
    for key in ("message", "edited_message", "channel_post", "my_chat_member", "chat_member"):
        section = data.get(key)
        chat = section.get("chat") if isinstance(section, dict) else None
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
    query = data.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        message = message if isinstance(message, dict) else {}
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else query.get("from")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
    return 0


def store(engine: Engine, *, update_id: int, payload: str, now: datetime | None = None) -> bool:
    """Store one raw update; False if it was already stored (Telegram delivered it twice)."""
    values = {"update_id": update_id, "chat_id": chat_of(payload), "payload": payload, "received_at": now or utcnow()}
    try:
        with engine.begin() as conn:
            return conn.execute(_statements(engine.dialect.name).store, values).first() is not None
    except IntegrityError:
        return False


TABLE = IntakeUpdate.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Statements:
    """Built once per dialect: every update passes through these (no expression building, no ORM
    unit of work; the compiled form is found by a memoized key)."""

    store: Insert
    claim: Select[Any]
    claim_not_busy: Select[Any]
    lease: Update
    finish: Update


@cache
def _statements(dialect: str) -> _Statements:
    t = TABLE
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = bindparam("now", type_=t.c.received_at.type)
    head = ~exists().where(
        t.c.chat_id == _older.c.chat_id, _older.c.status == "pending", _older.c.update_id < t.c.update_id
    )
    free = or_(t.c.locked_until.is_(None), t.c.locked_until < now)
    ready = or_(t.c.not_before.is_(None), t.c.not_before <= now)
    recent = (
        core_select(func.count())
        .where(_recent.c.chat_id == t.c.chat_id, _recent.c.received_at > bindparam("since", type_=t.c.received_at.type))
        .scalar_subquery()
    )
    flooding = case((and_(t.c.chat_id != 0, recent > bindparam("flood_messages", type_=Integer)), 1), else_=0)
    has_next = exists().where(
        _later.c.chat_id == t.c.chat_id, _later.c.status == "pending", _later.c.update_id > t.c.update_id
    )
    columns = (t.c.update_id, t.c.chat_id, t.c.payload, t.c.attempts, flooding.label("flooding"))
    claim = core_select(*columns, has_next.label("has_next")).where(t.c.status == "pending", free, ready, head)
    claim_not_busy = claim.where(t.c.chat_id.not_in(bindparam("busy", expanding=True)))  # an IN list costs
    claim, claim_not_busy = (
        stmt.order_by(flooding, t.c.update_id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
        for stmt in (claim, claim_not_busy)
    )
    return _Statements(
        store=insert(t)
        .values(status="pending", attempts=0)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(t.c.update_id),
        claim=claim,
        claim_not_busy=claim_not_busy,
        lease=update(t)
        .where(t.c.update_id == bindparam("leased"))
        .values(locked_by=bindparam("worker"), locked_until=bindparam("until"), attempts=t.c.attempts + 1),
        finish=update(t)
        .where(t.c.update_id == bindparam("id"))
        .values(
            status=bindparam("new_status"),
            error=bindparam("reason"),
            processed_at=bindparam("at"),
            locked_until=None,  # locked_by stays: which process handled it
        ),
    )


@dataclass(frozen=True)
class Flood:
    """A chat sending more than ``messages`` updates in ``seconds`` is flooding (a person cannot)."""

    messages: int = 20
    seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class Leased:
    """A claimed update as it stands once claimed (its attempt counted, leased to ``locked_by``)."""

    update_id: int
    chat_id: int
    payload: str
    attempts: int
    locked_by: str


@dataclass(frozen=True)
class Claimed:
    update: Leased
    flooding: bool = False


def claim(
    engine: Engine,
    *,
    worker: str,
    limit: int = 1,
    busy: Collection[int] = (),
    now: datetime | None = None,
    flood: Flood | None = None,
) -> list[Claimed]:
    """Take up to ``limit`` updates to process, each the oldest pending update of its chat.

    Only a chat's oldest pending update can be claimed, so each chat is worked by one worker at a
    time, in order; ``busy`` chats (being worked in this process) are skipped. The rows are leased
    to ``worker`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, where several processes share the
    table) and their attempt is counted — in one commit. A crashed process's lease runs out and
    another process takes the update over.

    Fair: among the chats waiting, the oldest update goes first — except that a chat sending far
    more than a person can (``flood``) waits until the others are served; its updates stay in order
    and are never dropped. Rows taken from such a chat are marked ``flooding``.
    """
    return claim_some(engine, worker=worker, limit=limit, busy=busy, now=now, flood=flood)[0]


def claim_some(
    engine: Engine,
    *,
    worker: str,
    limit: int = 1,
    busy: Collection[int] = (),
    now: datetime | None = None,
    flood: Flood | None = None,
) -> tuple[list[Claimed], bool]:
    """``claim``, and whether anything else was ready besides (another chat's head, or the next
    update of a chat claimed): when not, the claimer need not look again until something is stored."""
    now = now or utcnow()
    flood = flood or Flood()
    statements = _statements(engine.dialect.name)
    params: dict[str, Any] = {
        "now": now,
        "since": now - timedelta(seconds=flood.seconds),
        "flood_messages": flood.messages,
        "limit": limit + 1,  # one more than taken: whether others are waiting
    }
    if busy:
        params["busy"] = list(busy)
    with engine.connect() as conn:
        found = conn.execute(statements.claim_not_busy if busy else statements.claim, params).all()
        if not found:
            conn.rollback()  # nothing to take: no commit (ends the read)
            return [], False
        more = len(found) > limit or any(row.has_next for row in found)
        found = found[:limit]
        until = now + LEASE
        conn.execute(statements.lease, [{"leased": row.update_id, "worker": worker, "until": until} for row in found])
        conn.commit()
    claimed = [
        Claimed(Leased(row.update_id, row.chat_id, row.payload, row.attempts + 1, worker), bool(row.flooding))
        for row in found
    ]
    return claimed, more


def release_stale(engine: Engine, *, worker: str = "") -> int:
    """At start: give back the leases a dead process of this machine left (its chats go on at once,
    not when the leases run out). On SQLite — one process by design — every lease is stale.

    Workers are named ``host:pid:random``; a lease is stale when its process is gone, or when it is
    this very pid under another name (a container restarted as pid 1 again).
    """
    host, pid = socket.gethostname()[:40], os.getpid()
    sqlite = engine.dialect.name == "sqlite"
    released = 0
    with session_scope(engine) as s:
        leased: list[IntakeUpdate | OutboxMessage] = [
            *s.exec(select(IntakeUpdate).where(col(IntakeUpdate.locked_until).is_not(None))).all(),
            *s.exec(select(OutboxMessage).where(col(OutboxMessage.locked_until).is_not(None))).all(),
        ]
        for row in leased:
            if row.locked_by == worker:
                continue
            # Outbox leases hold on SQLite too (several processes may deliver from one file).
            if (sqlite and isinstance(row, IntakeUpdate)) or _dead(row.locked_by or "", host, pid):
                row.locked_until = None
                s.add(row)
                released += 1
    return released


def _dead(owner: str, host: str, pid: int) -> bool:
    owner_host, _, rest = owner.partition(":")
    owner_pid = rest.partition(":")[0]
    if owner_host != host or not owner_pid.isdigit():
        return False  # another machine's process: its lease runs out if it is gone
    return int(owner_pid) == pid or not _alive(int(owner_pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def renew(engine: Engine, *, update_ids: Collection[int], worker: str, now: datetime | None = None) -> None:
    """Extend this worker's leases on updates it is still working on."""
    if not update_ids:
        return
    with session_scope(engine) as s:
        for row in s.exec(select(IntakeUpdate).where(col(IntakeUpdate.update_id).in_(list(update_ids)))):
            if row.locked_by == worker and row.status == "pending":
                row.locked_until = (now or utcnow()) + LEASE
                s.add(row)


def finish(
    s: Session, *, update_id: int, status: str = "done", error: str | None = None, now: datetime | None = None
) -> None:
    """Mark an update processed — in the caller's transaction, together with its effect."""
    params = {"id": update_id, "new_status": status, "reason": (error or None) and error[:500], "at": now or utcnow()}
    s.connection().execute(_statements(s.get_bind().dialect.name).finish, params)


def retry_later(
    engine: Engine,
    *,
    update_id: int,
    error: str,
    delay: timedelta,
    transient: bool = False,
    now: datetime | None = None,
) -> None:
    """A failed attempt: keep the update pending, to be tried again after ``delay``.

    A ``transient`` failure (the database or Telegram was away) does not count as an attempt.
    """
    with session_scope(engine) as s:
        row = s.get(IntakeUpdate, update_id)
        if row is not None and row.status == "pending":
            row.error = error[:500]
            if transient:
                row.attempts = max(0, row.attempts - 1)
            row.not_before = (now or utcnow()) + delay
            row.locked_until = None
            s.add(row)


def last_update_id(s: Session) -> int:
    """The highest update id stored (0 if none): where a local chat's own numbering goes on from."""
    return int(s.exec(select(func.coalesce(func.max(IntakeUpdate.update_id), 0))).one())


def backlog(s: Session) -> int:
    return int(s.exec(select(func.count()).select_from(IntakeUpdate).where(IntakeUpdate.status == "pending")).one())


def failed(s: Session, *, limit: int = 100) -> Sequence[IntakeUpdate]:
    """Updates given up on (stored aside with their error), newest first."""
    stmt = select(IntakeUpdate).where(IntakeUpdate.status == "failed").order_by(col(IntakeUpdate.update_id).desc())
    return s.exec(stmt.limit(limit)).all()


def requeue(s: Session, *, update_id: int) -> bool:
    """Put a failed update back in line (``qiaobot intake retry N``)."""
    row = s.get(IntakeUpdate, update_id)
    if row is None or row.status != "failed":
        return False
    row.status, row.attempts, row.not_before, row.locked_until = "pending", 0, None, None
    s.add(row)
    return True


MAX_DEPTH = 64  # Telegram's updates nest a dozen levels; anything far deeper is not an update


def parse_update(raw: bytes | str) -> dict[str, Any] | None:
    """A raw update from Telegram (webhook body, getUpdates item) if it looks like one: a JSON object,
    not absurdly nested, with ``update_id`` a positive 64-bit integer. None otherwise."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if _too_deep(text):
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return data if valid_update(data) else None


def valid_update(data: Any) -> bool:
    update_id = data.get("update_id") if isinstance(data, dict) else None
    return type(update_id) is int and 0 < update_id < 2**63  # a bool is an int in Python: not here


def _too_deep(text: str) -> bool:
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif ch in "]}":
            depth -= 1
    return False
