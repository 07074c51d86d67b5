"""Storage on SQLite and PostgreSQL: ids above 2**32, aware timestamps, the question log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, inspect, text

from bot.db.engine import current_revision, downgrade, head_revision, normalize_url, upgrade
from bot.faq import repo as faq_repo
from bot.faq.matcher import MatchResult, Scored
from bot.users import repo as users
from tests.conftest import q

BIG = 2**40 + 7


def test_user_ids_above_32_bits_round_trip(engine: Engine) -> None:
    q(users.touch, engine, user_id=BIG, telegram_language="zh-hant")
    q(users.set_language, engine, user_id=BIG, language="zh-Hant")
    user = q(users.get, engine, user_id=BIG)
    assert user is not None
    assert user.id == BIG
    assert user.language == "zh-Hant"
    assert user.first_seen.tzinfo is not None


def test_touch_user_updates_last_seen_and_unblocks(engine: Engine) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    q(users.touch, engine, user_id=BIG, telegram_language="en", now=t0)
    q(users.mark_blocked, engine, user_id=BIG, now=t0 + timedelta(hours=1))
    blocked = q(users.get, engine, user_id=BIG)
    assert blocked is not None and blocked.blocked_at is not None
    q(users.touch, engine, user_id=BIG, telegram_language=None, now=t0 + timedelta(days=1))
    user = q(users.get, engine, user_id=BIG)
    assert user is not None
    assert user.blocked_at is None
    assert user.telegram_language == "en"
    assert user.last_seen == t0 + timedelta(days=1)
    assert user.first_seen == t0


def test_question_log_keeps_outcome_and_feedback(engine: Engine) -> None:
    q(users.touch, engine, user_id=BIG, telegram_language="zh")
    answered = MatchResult("护照丢了", Scored("lost-passport", 91))
    suggested = MatchResult("护照", None, (Scored("lost-passport", 50), Scored("passport-renewal", 48)))
    unanswered = MatchResult("天气", None)
    q1 = q(faq_repo.log_question, engine, result=answered, language="zh-Hans", user_id=BIG, chat_id=BIG)
    q(faq_repo.log_question, engine, result=suggested, language="zh-Hans", user_id=BIG, chat_id=BIG)
    q(faq_repo.log_question, engine, result=unanswered, language="zh-Hans", user_id=BIG, chat_id=BIG)
    rows = q(faq_repo.questions, engine)
    assert [r.outcome for r in rows] == ["unanswered", "suggested", "answered"]
    assert rows[1].suggestions == "lost-passport:50,passport-renewal:48"
    assert rows[2].entry_id == "lost-passport" and rows[2].score == 91
    assert rows[2].chat_id == BIG
    assert q(faq_repo.record_feedback, engine, question_id=q1, user_id=BIG, helpful=False) == "zh-Hans"
    assert q(faq_repo.record_feedback, engine, question_id=q1, user_id=BIG + 1, helpful=True) is None
    assert [r.helpful for r in q(faq_repo.questions, engine, outcome="answered")] == [False]


def test_long_question_text_is_truncated_not_rejected(engine: Engine) -> None:
    qid = q(faq_repo.log_question, engine, result=MatchResult("长" * 5000, None), language="zh-Hans")
    assert qid > 0
    assert len(q(faq_repo.questions, engine)[0].text) == 1000


def test_migrations_are_at_head_and_reversible(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert {"users", "questions"} <= set(inspect(engine).get_table_names())
    downgrade(engine, "base")
    assert "users" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_sqlite_runs_with_wal_and_foreign_keys(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000


def test_database_urls_are_normalised() -> None:
    assert normalize_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("postgresql://h/db") == "postgresql+psycopg://h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
