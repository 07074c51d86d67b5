"""Forgetting a person removes what the bot stored about them, and only that (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.content.live import LiveFaq
from bot.db import conversations
from bot.db.conversations import State
from bot.db.models import AuditEntry, IntakeUpdate, JoinRequest, OutboxMessage, Question, Ticket, TicketMessage, User
from bot.db.retention import prune
from bot.db.uow import session_scope
from bot.directory import repo as joins
from bot.faq import repo as faq_repo
from bot.faq.matcher import MatchResult
from bot.groups import audit
from bot.groups.access import Actor
from bot.messaging import intake, outbox
from bot.messaging.outbox import Message
from bot.reports import repo as tickets
from bot.runtime import Env
from bot.users import repo as users
from bot.users import service
from tests.conftest import q

MEI, LI = 2**40 + 1, 2**40 + 2
CLI = Actor("cli", None, "cli", is_admin=True)


def arrange(engine: Engine, user_id: int) -> None:
    """Everything a person leaves behind: a question, a report with its thread and history, a join
    request and its card to officers, a draft, a stored update, queued messages."""
    me = Actor("telegram", user_id, f"name {user_id}")
    with session_scope(engine) as s:
        users.touch(s, user_id=user_id, telegram_language="zh-hans")
        faq_repo.log_question(s, result=MatchResult("护照", None), language="zh-Hans", user_id=user_id)
        ticket = tickets.create(
            s,
            Ticket(
                nonce=f"n{user_id}",
                user_id=user_id,
                chat_id=user_id,
                queue_id="chaling",
                place="茶陵县",
                category="other",
                description="老家的房子",
                language="zh-Hans",
            ),
        )
        tickets.add_message(
            s, ticket_id=ticket.id or 0, direction="in", author_id=user_id, author_name=me.name, text="老家的房子"
        )
        audit.record(s, me, "filed", ticket_id=ticket.id)
        outbox.enqueue(s, Message.text(user_id, "#1", ticket_id=ticket.id), key=f"filed:{ticket.id}")
        outbox.enqueue(s, Message.text(-100, "card", ticket_id=ticket.id), key=f"card:{ticket.id}:new")
        request = joins.create(
            s,
            JoinRequest(
                nonce=f"j{user_id}",
                association_id="my-kl-hunan",
                user_id=user_id,
                chat_id=user_id,
                language="zh-Hans",
                name=me.name,
            ),
        )
        outbox.enqueue(s, Message.text(-200, f"J{request.id} {me.name}"), key=f"join:{request.id}:officers")
        conversations.save(s, State(user_id, "report", user_id, "place"))
    payload = {
        "update_id": user_id % 10_000,
        "message": {
            "message_id": 1,
            "from": {"id": user_id, "is_bot": False},
            "chat": {"id": -300, "type": "supergroup"},
            "text": "hello",
        },
    }
    intake.store(engine, update_id=user_id % 10_000, payload=json.dumps(payload))


def test_forget_removes_one_persons_data_and_nothing_else(engine: Engine, live_faq: LiveFaq) -> None:
    for user in (MEI, LI):
        arrange(engine, user)
    env = Env(live_faq.current, datetime.now(UTC))
    done = q(service.forget, engine, env, CLI, MEI)
    assert (done.tickets, done.join_requests, done.questions, done.updates, done.messages) == (1, 1, 1, 1, 3)
    with Session(engine) as s:
        assert s.get(User, MEI) is None and s.get(User, LI) is not None
        assert [t.user_id for t in s.exec(select(Ticket)).all()] == [LI]
        assert {x.user_id for x in s.exec(select(Question)).all()} == {LI}
        assert {m.author_id for m in s.exec(select(TicketMessage)).all()} == {LI}
        assert {r.user_id for r in s.exec(select(JoinRequest)).all()} == {LI}
        # Nothing left anywhere that carries her name or words.
        for row in s.exec(select(OutboxMessage)).all():
            assert f"name {MEI}" not in row.payload
        assert all(str(MEI) not in row.payload for row in s.exec(select(IntakeUpdate)).all())
        assert all(e.actor_name != f"name {MEI}" for e in s.exec(select(AuditEntry)).all())
    assert q(conversations.load_all, engine, user_id=MEI) == {}
    assert q(conversations.load_all, engine, user_id=LI) != {}
    assert q(service.forget, engine, env, CLI, MEI).tickets == 0  # nothing left, no error


def test_prune_deletes_only_old_processed_rows(engine: Engine) -> None:
    old, new = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    intake.store(engine, update_id=1, payload="{}", now=old)
    intake.store(engine, update_id=2, payload="{}", now=old)
    intake.store(engine, update_id=3, payload="{}", now=new)
    q(intake.finish, engine, update_id=1)
    q(intake.finish, engine, update_id=3)
    q(outbox.enqueue, engine, Message.text(MEI, "x"), key="a", now=old)
    assert q(prune, engine, older_than=new - timedelta(days=30)) == (1, 0)  # update 2 is still pending
    assert q(intake.backlog, engine) == 1
