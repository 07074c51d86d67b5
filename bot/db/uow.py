"""Units of work: one Session, one transaction, for one update, one job run, one CLI command or
one console request. Repositories take that Session; nothing below commits on its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, update
from sqlmodel import Session, SQLModel, select


def new_session(engine: Engine) -> Session:
    """A session whose objects stay readable after commit (results are rendered afterwards)."""
    return Session(engine, expire_on_commit=False)


def connection_of(s: Session | Connection) -> Connection:
    """The connection to run Core statements on: a Session's (in its transaction), or the one given
    (hot paths that need no ORM skip the Session's own bookkeeping)."""
    return s if isinstance(s, Connection) else s.connection()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A transaction that commits on success and rolls back on any error (or crash)."""
    with new_session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


M = TypeVar("M", bound=SQLModel)


def locked(s: Session, model: type[M], key: Any) -> M | None:
    """Load a row to change it, locked until the transaction ends: a concurrent action on the same
    row waits for this one and then sees its result (claim twice → once).

    PostgreSQL locks the row (``SELECT … FOR UPDATE``); SQLite has only a database-wide write lock,
    taken here by a no-op write before the row is read.
    """
    (pk,) = model.__table__.primary_key.columns  # type: ignore[attr-defined]
    if s.get_bind().dialect.name == "sqlite":
        s.execute(update(model).where(pk == key).values({pk.name: pk}))
        row = s.get(model, key)
        if row is not None:
            s.refresh(row)
        return row
    return s.exec(select(model).where(pk == key).with_for_update()).first()
