"""Forgetting a user removes what the bot stored about them, and only that (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.db import repo
from bot.db.models import Question, User
from bot.db.ticket_tables import ReportDraft, Ticket, TicketMessage
from bot.directory import joins
from bot.faq.matcher import MatchResult
from bot.messaging import outbox
from bot.reports import tickets
from bot.users.forget import forget_user

MEI, LI = 2**40 + 1, 2**40 + 2


def file(engine: Engine, user_id: int) -> Ticket:
    draft = ReportDraft(user_id=user_id, chat_id=user_id, nonce=f"n{user_id}", step="confirm", language="zh-Hans",
                        place="茶陵县", queue_id="chaling", category="other", description="老家的房子")  # fmt: skip
    ticket, _ = tickets.file_ticket(engine, draft=draft, user_name="x", escalate_at=datetime(2030, 1, 1, tzinfo=UTC))
    return ticket


def test_forget_removes_one_users_data_and_nothing_else(engine: Engine) -> None:
    for user in (MEI, LI):
        repo.touch_user(engine, user_id=user, telegram_language="zh-hans")
        repo.log_question(engine, result=MatchResult("护照", None), language="zh-Hans", user_id=user)
        ticket = file(engine, user)
        outbox.enqueue(engine, dedupe_key=f"filed:{ticket.id}", chat_id=user, text="#1", ticket_id=ticket.id)
        joins.start(engine, user_id=user, chat_id=user, association_id="my-kl-hunan", language="zh-Hans")
    done = forget_user(engine, user_id=MEI)
    assert (done.tickets, done.join_requests, done.questions, done.messages) == (1, 1, 1, 1)
    with Session(engine) as s:
        assert s.get(User, MEI) is None and s.get(User, LI) is not None
        assert [t.user_id for t in s.exec(select(Ticket)).all()] == [LI]
        assert {q.user_id for q in s.exec(select(Question)).all()} == {LI}
        assert {m.author_id for m in s.exec(select(TicketMessage)).all()} == {LI}
    assert forget_user(engine, user_id=MEI).tickets == 0  # nothing left, no error


def test_prune_deletes_only_old_processed_rows(engine: Engine) -> None:
    from datetime import timedelta

    from bot.messaging import intake
    from bot.users.forget import prune

    old, new = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    intake.store(engine, update_id=1, payload="{}", now=old)
    intake.store(engine, update_id=2, payload="{}", now=old)
    intake.store(engine, update_id=3, payload="{}", now=new)
    intake.finish(engine, update_id=1)
    intake.finish(engine, update_id=3)
    outbox.enqueue(engine, dedupe_key="a", chat_id=MEI, text="x", now=old)
    assert prune(engine, older_than=new - timedelta(days=30)) == (1, 0)  # update 2 is still pending
    assert intake.backlog(engine) == 1
