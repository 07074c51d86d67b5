"""Engine creation and schema migrations. Nothing here runs at import time."""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, NoSuchModuleError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


def normalize_url(url: str) -> str:
    """Accept the URL forms operators paste (postgres://, postgresql://) and pick psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


class DatabaseUnavailable(Exception):
    """DATABASE_URL cannot be used; the message says why, without a traceback."""


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with SQLite set up for a bot: WAL, foreign keys, a busy timeout."""
    url = normalize_url(url)
    try:
        return _create(url, **kwargs)
    except (ArgumentError, NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseUnavailable(
            f"DATABASE_URL {_safe(url)!r} is not a usable database URL ({exc}); "
            "use e.g. sqlite:///qiaobot.db or postgresql://user:password@host/dbname"
        ) from None


def _create(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("hide_parameters", True)  # SQL errors in logs must not carry users' words
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 5)
    engine = create_engine(url, **kwargs)
    event.listen(engine.pool, "checkout", partial(_ping_if_idle, engine.dialect))
    event.listen(engine.pool, "checkin", _note_checkin)
    return engine


PING_IDLE = 2.0  # seconds a pooled connection may rest before it is checked at its next checkout


def _note_checkin(_dbapi_conn: Any, record: Any) -> None:
    record.info["qiaobot_rested_from"] = time.monotonic()


def _ping_if_idle(dialect: Dialect, dbapi_conn: Any, record: Any, _proxy: Any) -> None:
    """A connection that rested a while is pinged before use (the database may have restarted or
    dropped it meanwhile); a replacement is opened if it is dead. SQLAlchemy's ``pool_pre_ping``
    pings at every checkout — a round trip more on each of the several transactions of every
    update; one used a moment ago needs none (should it have died since, the failure counts as
    transient and the work is retried)."""
    rested_from = record.info.get("qiaobot_rested_from")
    if rested_from is None or time.monotonic() - rested_from < PING_IDLE:
        return
    try:
        dialect.do_ping(dbapi_conn)
    except Exception as exc:  # any failure: the pool opens a new connection instead
        raise DisconnectionError(f"a pooled connection is dead ({type(exc).__name__})") from exc


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_bare_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


MIGRATION_LOCK = 7_406_172_394  # any constant: one pg_advisory_lock key for "migrating"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (the only way the schema changes).

    On PostgreSQL several processes may start at once (systemd instances, compose --scale): they
    take turns through an advisory lock, and all but the first find nothing left to do.
    """
    if is_sqlite(str(engine.url)):
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def _bare_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


class DatabaseNotReady(Exception):
    """The database schema is behind the code; the message says what to run."""


def open_database(url: str, *, pool_size: int = 5, max_overflow: int = 5) -> Engine:
    """Create the engine and make sure the schema is current.

    SQLite (the try-it default) is upgraded in place. Other databases are only checked: their
    schema changes through ``qiaobot db upgrade``, run deliberately by the operator.
    """
    engine = (
        create_db_engine(url)
        if is_sqlite(normalize_url(url))
        else create_db_engine(url, pool_size=pool_size, max_overflow=max_overflow)
    )
    try:
        if is_sqlite(str(engine.url)):
            upgrade(engine)
            return engine
        up_to_date = is_up_to_date(engine)
    except DBAPIError as exc:  # cannot connect, or the file is not a database
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise DatabaseUnavailable(f"cannot open the database {_safe(url)} (DATABASE_URL): {reason}") from None
    if not up_to_date:
        raise DatabaseNotReady(
            f"the database schema is at {current_revision(engine) or 'no revision (an empty database)'}, "
            f"the code needs {head_revision()}: run `qiaobot db upgrade` first"
        )
    return engine
