"""/reload: admins only, reports what it loaded, never serves a broken edit of faq/."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.content.live import LiveFaq
from bot.faq import repo as faq_repo
from bot.faq.loader import OTHER_FILES
from bot.text.i18n import t
from tests.conftest import FAQ_DIR, BotHarness, build_harness, make_user, q

ADMIN = make_user(777, first_name="Admin", language_code="en")
ENTRIES_FILE = "documents.yaml"

NEW_ENTRY = """\
- id: mid-autumn-gala
  category: documents
  questions:
    zh:
      - 中秋月饼联欢晚会在哪里举办
    en:
      - Where is the Mid-Autumn mooncake gala held
  answer:
    zh: 中秋联欢晚会在县侨联礼堂举办。
    en: The Mid-Autumn gala is held in the county federation's hall.
"""

DUPLICATE_ENTRY = """\
- id: lost-passport
  category: documents
  questions:
    zh:
      - 这是一个重复编号的条目吗
    en:
      - Is this an entry with a repeated id
  answer:
    zh: 重复。
    en: Repeated.
"""


# -- helpers -----------------------------------------------------------------------------------


def entry_count(directory: Path) -> int:
    """Entries counted straight from the files (top-level ``- id:`` in every entries file)."""
    files = [p for p in directory.glob("*.yaml") if p.name not in OTHER_FILES]
    return sum(len(re.findall(r"^- id: ", p.read_text(encoding="utf-8"), re.M)) for p in files)


def append(path: Path, text: str) -> int:
    """Append ``text`` to a YAML file; returns the line number of its first line."""
    original = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    path.write_text(original + text, encoding="utf-8")
    return original.count("\n") + 1


async def reload(bot: BotHarness, user: dict[str, object] = ADMIN) -> str:
    sent = await bot.send(user, "/reload")
    assert sent
    return "\n".join(str(p["text"]) for p in sent)


async def answered_id(bot: BotHarness, text: str) -> str | None:
    """Ask as a user; the entry the bot answered with (None without a confident answer)."""
    sent = await bot.send(make_user(4242, language_code="en"), text)
    [logged] = q(faq_repo.questions, bot.engine, limit=1)
    if logged.outcome != "answered":
        return None
    assert sent[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == f"fb:{logged.id}:y"
    return logged.entry_id


@pytest.fixture
def faq_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FAQ_DIR, tmp_path / "faq"))


@pytest.fixture
async def admin_bot(sqlite_engine: Engine, faq_copy: Path) -> AsyncIterator[BotHarness]:
    app, api = build_harness(sqlite_engine, LiveFaq(faq_copy), admin_ids="777")
    await app.initialize()
    yield BotHarness(app, api, sqlite_engine)
    await app.shutdown()


def serving(bot: BotHarness) -> object:
    return bot.runtime.faq.current


# -- tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("language_code", ["zh-hans", "en"])
async def test_reload_by_a_non_admin_is_refused(bot: BotHarness, language_code: str) -> None:
    before = serving(bot)
    text = await reload(bot, make_user(778, language_code=language_code))
    lang = "en" if language_code == "en" else "zh-Hans"
    assert text == t("admins_only", lang)
    assert serving(bot) is before


async def test_reload_by_the_admin_reports_the_entry_count(admin_bot: BotHarness, faq_copy: Path) -> None:
    before = serving(admin_bot)
    text = await reload(admin_bot)
    count = entry_count(faq_copy)
    assert count >= 26
    assert text.startswith(f"FAQ reloaded: {count} entries in ")
    assert serving(admin_bot) is not before
    assert len(admin_bot.runtime.faq.current.faq.entries) == count


async def test_a_syntax_error_is_reported_with_file_and_line_and_the_old_faq_keeps_serving(
    admin_bot: BotHarness, faq_copy: Path
) -> None:
    assert await answered_id(admin_bot, "I lost my passport, what should I do?") == "lost-passport"
    before = serving(admin_bot)
    line = append(faq_copy / ENTRIES_FILE, "- id: broken-entry\n  category: [documents")  # unclosed bracket
    text = await reload(admin_bot)
    assert text.startswith(t("reload_failed", "en"))
    assert f"<code>{ENTRIES_FILE}:{line + 1}</code>" in text
    assert "YAML syntax error" in text
    assert serving(admin_bot) is before
    assert await answered_id(admin_bot, "I lost my passport, what should I do?") == "lost-passport"


async def test_a_duplicate_id_is_reported_with_file_and_line(admin_bot: BotHarness, faq_copy: Path) -> None:
    before = serving(admin_bot)
    line = append(faq_copy / ENTRIES_FILE, DUPLICATE_ENTRY)
    text = await reload(admin_bot)
    assert text.startswith(t("reload_failed", "en"))
    assert f"<code>{ENTRIES_FILE}:{line}</code>" in text
    assert "duplicate id &#x27;lost-passport&#x27;" in text
    assert serving(admin_bot) is before
    assert await answered_id(admin_bot, "Is this an entry with a repeated id") != "lost-passport"


async def test_after_fixing_the_file_reload_succeeds_and_a_new_entry_is_answered(
    admin_bot: BotHarness, faq_copy: Path
) -> None:
    path = faq_copy / ENTRIES_FILE
    good = path.read_text(encoding="utf-8")
    count = entry_count(faq_copy)
    question = "Where is the Mid-Autumn mooncake gala held"
    assert await answered_id(admin_bot, question) != "mid-autumn-gala"

    append(path, "- id: broken-entry\n  category: [documents")
    assert (await reload(admin_bot)).startswith(t("reload_failed", "en"))

    path.write_text(good, encoding="utf-8")
    append(path, NEW_ENTRY)
    text = await reload(admin_bot)
    assert text.startswith(f"FAQ reloaded: {count + 1} entries in ")
    assert await answered_id(admin_bot, question) == "mid-autumn-gala"
    assert "held in the county federation" in admin_bot.api.texts(4242)[-1]
    assert await answered_id(admin_bot, "中秋月饼联欢晚会在哪里举办") == "mid-autumn-gala"
    assert "县侨联礼堂" in admin_bot.api.texts(4242)[-1]
