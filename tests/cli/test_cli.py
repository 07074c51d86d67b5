"""``qiaobot``: the CLI in-process (``bot.cli.main``) and ``qiaobot chat`` as a real subprocess."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.content.live import LiveFaq
from bot.db.engine import head_revision
from bot.faq.render import answer as render_answer
from bot.messaging.render import html_to_text
from bot.text.i18n import localize, t
from bot.text.language import UiLang
from tests.conftest import FAQ_DIR

ENV_VARS = ("BOT_TOKEN", "ADMIN_IDS", "TELEGRAM_API_URL", "LOG_LEVEL", "DATABASE_URL", "FAQ_DIR")

# -- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'x.db'}"


@pytest.fixture(autouse=True)
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    """A clean working directory (no .env) and only the settings each test sets."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAQ_DIR", str(FAQ_DIR))
    monkeypatch.setenv("DATABASE_URL", db_url)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def broken_copy(tmp_path: Path) -> tuple[Path, str]:
    """A copy of faq/ with an unclosed bracket at the end of one entries file; (dir, 'file:line')."""
    directory = Path(shutil.copytree(FAQ_DIR, tmp_path / "broken-faq"))
    path = directory / "documents.yaml"
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    path.write_text(text + "- id: broken-entry\n  category: [documents", encoding="utf-8")
    return directory, f"{path}:{text.count(chr(10)) + 2}"


def chat(tmp_path: Path, db_url: str, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env.update(FAQ_DIR=str(FAQ_DIR), DATABASE_URL=db_url, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )


def shown(entry_id: str, lang: UiLang) -> str:
    """The first part of an answer as the terminal prints it."""
    entry = LiveFaq(FAQ_DIR).current.faq.by_id[entry_id]
    return html_to_text(render_answer(entry, lang)[0])


# -- faq check ---------------------------------------------------------------------------------


def test_faq_check_passes_on_the_shipped_faq(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "faq", "check")
    assert code == 0
    assert "OK" in out
    assert ": error:" not in out


def test_faq_check_reports_file_and_line_of_a_broken_copy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    directory, where = broken_copy(tmp_path)
    code, out, _ = run(capsys, "faq", "check", "--faq-dir", str(directory))
    assert code == 1
    assert f"{where}: error: YAML syntax error" in out
    assert "not valid" in out and "OK" not in out


# -- faq ask -----------------------------------------------------------------------------------


def test_faq_ask_json_prints_one_object_per_query(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "faq", "ask", "--json", "护照丢了怎么办", "what is the weather")
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    for obj in (first, second):
        assert set(obj) == {"query", "match", "suggestions"}
    assert first["query"] == "护照丢了怎么办"
    assert first["match"]["id"] == "lost-passport"
    assert 0 <= first["match"]["score"] <= 100
    assert second["query"] == "what is the weather"
    assert second["match"] is None


def test_faq_ask_reads_questions_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("护照丢了怎么办\n\n   \nasdfgh\n"))
    code, out, _ = run(capsys, "faq", "ask")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "护照丢了怎么办"
    assert lines[1].startswith("  → lost-passport (")
    assert lines[2:] == ["asdfgh", "  ✗ no answer"]  # blank lines are skipped


def test_faq_ask_json_from_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("I lost my passport\n護照過期了怎麼換\n"))
    code, out, _ = run(capsys, "faq", "ask", "--json")
    assert code == 0
    assert [json.loads(line)["match"]["id"] for line in out.splitlines()] == [
        "lost-passport",
        "passport-renewal",
    ]


def test_faq_ask_on_a_broken_faq_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    directory, where = broken_copy(tmp_path)
    code, out, err = run(capsys, "faq", "ask", "--faq-dir", str(directory), "护照")
    assert code == 1
    assert out == ""
    assert where in err and "qiaobot faq check" in err


# -- configuration -----------------------------------------------------------------------------


def test_run_without_a_token_explains_how_to_get_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "run")
    assert code == 2
    assert "BOT_TOKEN" in err
    assert "@BotFather" in err
    assert "qiaobot chat" in err


def test_run_with_a_malformed_token_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "not-a-token")
    code, _, err = run(capsys, "run")
    assert code == 2
    assert "@BotFather" in err


def test_bad_admin_ids_exit_2_naming_the_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_IDS", "abc")
    code, out, err = run(capsys, "faq", "check")
    assert code == 2
    assert "ADMIN_IDS" in err
    assert "abc" in err
    assert out == ""


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 2
    assert "qiaobot" in out and "chat" in out


# -- database ----------------------------------------------------------------------------------


def test_db_upgrade_then_current(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "db", "current")
    assert code == 1
    assert "(empty database)" in out

    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0
    assert f"is at revision {head_revision()}" in out
    assert (tmp_path / "x.db").exists()

    code, out, _ = run(capsys, "db", "current")
    assert code == 0
    assert out.strip() == f"current: {head_revision()}; latest: {head_revision()}"

    assert run(capsys, "db", "upgrade")[0] == 0  # idempotent


# -- chat (a real subprocess) --------------------------------------------------------------------


def test_chat_in_english_start_buttons_question_and_menu(tmp_path: Path, db_url: str) -> None:
    result = chat(tmp_path, db_url, "/start\n1\nmy passport is lost what do i do\n/faq\n1\n", "--lang", "en")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Local chat:")
    assert html_to_text(t("start", "en", name="friend")) in out
    assert "  [1] 简体中文\n  [2] 繁體中文\n  [3] English" in out
    # "1" pressed 简体中文, so from then on the bot answers in Simplified Chinese.
    assert t("language_set", "zh-Hans") in out
    assert shown("lost-passport", "zh-Hans") in out
    assert "  [1] 👍 有帮助\n  [2] 👎 没有帮助" in out
    faq = LiveFaq(FAQ_DIR).current.faq
    first_category = next(c for c in faq.categories if faq.in_category(c.id))
    assert f"  [1] {first_category.name.zh}" in out
    assert html_to_text(t("faq_category", "zh-Hans", category=first_category.name.zh)) in out
    assert "Traceback" not in result.stderr


def test_chat_answers_traditional_in_traditional(tmp_path: Path, db_url: str) -> None:
    result = chat(tmp_path, db_url, "護照過期了怎麼換\n")
    assert result.returncode == 0, result.stderr
    entry = LiveFaq(FAQ_DIR).current.faq.by_id["passport-renewal"]
    assert localize(entry.title("zh"), "zh-Hant") in result.stdout
    assert entry.title("zh") not in result.stdout
    assert "護照" in result.stdout
    assert shown("passport-renewal", "zh-Hant") in result.stdout
    assert "Traceback" not in result.stderr


# -- the small things a newcomer trips over ---------------------------------------------------------


def test_a_group_without_its_subcommand_prints_that_groups_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "faq")
    assert code == 2 and "check" in out and "ask" in out and "usage: qiaobot faq" in out
    code, out, _ = run(capsys, "tickets")
    assert code == 2 and "usage: qiaobot tickets" in out


def test_an_unknown_queue_is_named_not_reported_as_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0
    code, out, err = run(capsys, "tickets", "list", "--queue", "nowhere")
    assert code == 2 and "nowhere" in err and "chaling" in err and "no tickets" not in out


def test_forget_with_no_answer_on_standard_input_deletes_nothing_without_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # closed: EOF at the prompt
    code, _, err = run(capsys, "users", "forget", "42")
    assert code == 1 and "nothing deleted" in err and "Traceback" not in err


def test_output_piped_into_a_reader_that_stops_early_ends_quietly(tmp_path: Path, db_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env.update(FAQ_DIR=str(FAQ_DIR), DATABASE_URL=db_url)
    script = f"{sys.executable} -m bot faq ask --json $(seq 1 3000) | head -n 1"
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300, check=False
    )
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_chat_runs_from_any_directory_on_the_shipped_faq(tmp_path: Path) -> None:
    """No FAQ_DIR, run far from the repository: the FAQ packaged with the bot is used."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--lang", "en"],
        input="passport lost\n",
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert shown("lost-passport", "en") in result.stdout
    assert (elsewhere / "qiaobot.db").exists()


def test_forget_also_deletes_the_consoles_cached_copies_of_their_attachments(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str
) -> None:
    """A passport photo a staff member opened in the console is cached on disk: forgetting the person
    deletes that copy too, and only theirs."""
    from sqlmodel import Session

    from bot.console.files import _cached
    from bot.db.engine import create_db_engine
    from bot.db.models import Ticket, TicketMessage

    cache = tmp_path / "console-files"
    cache.mkdir()
    monkeypatch.setenv("WEB_FILES_DIR", str(cache))
    assert run(capsys, "db", "upgrade")[0] == 0
    engine = create_db_engine(db_url)
    photo = json.dumps([{"type": "photo", "file_id": "PHOTO-77"}])
    with Session(engine) as s:
        for user, files in ((77, photo), (88, json.dumps([{"type": "document", "file_id": "DOC-88"}]))):
            ticket = Ticket(
                nonce=f"n{user}",
                user_id=user,
                chat_id=user,
                queue_id="chaling",
                place="chaling",
                category="documents",
                description="…",
                language="zh-Hans",
                attachments=files,
            )
            s.add(ticket)
            s.flush()
            assert ticket.id is not None
            s.add(TicketMessage(ticket_id=ticket.id, direction="in", text="…", attachments=files))
        s.commit()
    engine.dispose()
    for file_id in ("PHOTO-77", "DOC-88"):
        for path in _cached(cache, file_id):
            path.write_bytes(b"x")
    code, out, _ = run(capsys, "users", "forget", "77", "--yes")
    assert code == 0 and "1 report(s)" in out and "1 cached attachment(s)" in out
    assert not any(p.exists() for p in _cached(cache, "PHOTO-77"))
    assert all(p.exists() for p in _cached(cache, "DOC-88"))
