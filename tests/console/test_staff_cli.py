"""``qiaobot staff …`` as an operator types it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from bot.console import service as accounts
from bot.db.engine import open_database
from bot.db.models import AuditEntry, StaffAccount
from bot.db.uow import session_scope


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'staff.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_add_list_disable_reset(db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["staff", "add", "Chen@Example.org", "--queue", "chaling"]) == 0
    out = capsys.readouterr().out
    password = out.split("one-time password: ")[1].split()[0]
    assert "added chen@example.org (agent, queue chaling)" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("a chosen long password\n"))
    assert main(["staff", "add", "li@example.org", "--queue", "zhuzhou", "--role", "lead", "--password-stdin"]) == 0
    assert "one-time password" not in capsys.readouterr().out
    assert main(["staff", "add", "chen@example.org", "--queue", "chaling"]) == 2
    assert "already has an account" in capsys.readouterr().err
    assert main(["staff", "add", "x@example.org", "--queue", "atlantis"]) == 2
    assert "unknown queue 'atlantis'" in capsys.readouterr().err
    assert main(["staff", "list"]) == 0
    listed = capsys.readouterr().out
    assert "chen@example.org" in listed and "li@example.org" in listed and "lead" in listed
    engine = open_database(db)
    with session_scope(engine) as s:
        chen = s.exec(select(StaffAccount).where(StaffAccount.email == "chen@example.org")).one()
        lead = s.exec(select(StaffAccount).where(StaffAccount.email == "li@example.org")).one()
        assert accounts.check_password(chen.password_hash, password) and chen.must_change_password
        assert accounts.check_password(lead.password_hash, "a chosen long password")
        assert password not in chen.password_hash and chen.password_hash.startswith("$argon2id$")
    assert main(["staff", "disable", "chen@example.org"]) == 0
    assert main(["staff", "reset-password", "chen@example.org"]) == 0
    new = capsys.readouterr().out.split("one-time password: ")[1].split()[0]
    assert main(["staff", "disable", "nobody@example.org"]) == 2
    with session_scope(engine) as s:
        chen = s.exec(select(StaffAccount).where(StaffAccount.email == "chen@example.org")).one()
        assert accounts.check_password(chen.password_hash, new) and not chen.disabled
        actions = [(e.channel, e.action) for e in s.exec(select(AuditEntry)).all()]
    assert actions == [
        ("cli", "staff_add"),
        ("cli", "staff_add"),
        ("cli", "staff_disable"),
        ("cli", "staff_reset_password"),
    ]
    engine.dispose()
