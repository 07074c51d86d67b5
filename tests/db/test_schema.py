"""The migrations create exactly the schema the models describe (no drift)."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from bot.db import engine as engine_module
from bot.db import models  # noqa: F401  (registers every table on SQLModel.metadata)
from bot.db.engine import create_db_engine


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_a_pooled_postgresql_connection_that_died_while_resting_is_replaced(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connections are pinged after a rest, not at every checkout (issue 12): a dead one is replaced."""
    pg_engine.dispose()  # one connection in the pool from here
    with pg_engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with pg_engine.connect() as conn:  # used a moment ago: the same connection, no ping
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid
    admin = create_db_engine(os.environ["TEST_DATABASE_URL"])
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    admin.dispose()
    monkeypatch.setattr(engine_module, "PING_IDLE", 0.0)  # as if it had rested long
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
