"""Processing stored updates: one unit of work per update.

Every update is claimed from the ``intake`` table and run through python-telegram-bot's handlers
inside a :class:`Turn`: one database Session whose transaction holds the update's whole effect —
the state change, every message it causes (queued in the outbox, never sent directly) and the
update's "done" mark. They commit together or not at all, so a crash at any point replays the
update from scratch and nothing is lost or doubled.

Updates of different chats are processed concurrently (bounded); updates of one chat strictly in
order. Database work runs in worker threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session
from telegram import Update
from telegram.ext import Application

from bot.db import conversations
from bot.db.conversations import State
from bot.db.models import utcnow
from bot.db.uow import new_session, session_scope
from bot.groups.access import Actor
from bot.messaging import faults, intake, outbox
from bot.messaging.intake import Leased
from bot.messaging.outbox import Message, Outgoing
from bot.runtime import Env, Runtime
from bot.text.i18n import t
from bot.text.language import UiLang, resolve
from bot.text.sanitize import clean_tree
from bot.text.script import use_variant
from bot.users import repo as users

if TYPE_CHECKING:
    from telegram import User as TgUser

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
CURRENT: ContextVar[Turn] = ContextVar("qiaobot_turn")
CONCURRENCY = 8


class TransientError(Exception):
    """Something outside the bot (Telegram, the database) is away: try the update again later,
    without counting it against the update."""


class Turn:
    """The unit of work of one update: its Session, its environment, the messages it causes."""

    def __init__(self, runtime: Runtime, session: Session, update_id: int) -> None:
        self.runtime = runtime
        self.session = session
        self.update_id = update_id
        self.env: Env = runtime.env()
        self.outgoing = Outgoing(prefix=f"u{update_id}")
        self.error: BaseException | None = None
        self._user: users.Seen | None = None
        self._conversations: dict[str, State] | None = None
        # In a private chat, the person who wrote (id, Telegram language): their row and their
        # conversations are read together, in one hand-over to a worker thread, when first needed.
        self.person: tuple[int, str | None] | None = None
        self.closed = False

    # -- doing work -----------------------------------------------------------------------

    async def run(self, fn: Callable[Concatenate[Session, Env, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a service function in a worker thread with this update's Session and Env."""
        return await asyncio.to_thread(fn, self.session, self.env, *args, **kwargs)

    async def db(self, fn: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a repository function in a worker thread with this update's Session."""
        return await asyncio.to_thread(fn, self.session, *args, **kwargs)

    def send(self, message: Message) -> None:
        """Queue a message; it is written with the update's effect and delivered after the commit."""
        self.outgoing.add(message)

    def reply(self, chat_id: int, text: str, markup: dict[str, Any] | None = None) -> None:
        self.send(Message.text(chat_id, text, markup))

    # -- the person -----------------------------------------------------------------------

    async def user(self, tg_user: TgUser) -> users.Seen:
        """The person's stored row, created or refreshed once per update."""
        if self._user is None or self._user.id != tg_user.id:
            if self._conversations is None and self.person is not None and self.person[0] == tg_user.id:
                await self.db(self._read_person)
            else:
                self._user = await self.db(users.touch, user_id=tg_user.id, telegram_language=tg_user.language_code)
        assert self._user is not None
        return self._user

    async def lang(self, update: Update, text: str | None = None) -> UiLang:
        """The language to answer this person in (see ``text.language.resolve``)."""
        tg_user = update.effective_user
        if tg_user is None:
            return "en"
        user = await self.user(tg_user)
        use_variant(tg_user.language_code or user.telegram_language)  # 資料 for Taiwan, 數據 for Hong Kong
        return resolve(user.language, user.telegram_language, text)

    async def conversations(self, user_id: int) -> dict[str, State]:
        """The person's conversations in progress, by kind (read once per update)."""
        if self._conversations is None:
            if self._user is None and self.person is not None and self.person[0] == user_id:
                await self.db(self._read_person)
            else:
                self._conversations = await self.db(conversations.load_all, user_id=user_id)
        assert self._conversations is not None
        return self._conversations

    def _read_person(self, s: Session) -> None:
        assert self.person is not None
        user_id, telegram_language = self.person
        self._user = users.touch(s, user_id=user_id, telegram_language=telegram_language)
        self._conversations = conversations.load_all(s, user_id=user_id)

    def actor(self, update: Update) -> Actor:
        """The person acting in this update, as a plain value for services."""
        tg_user, chat = update.effective_user, update.effective_chat
        if tg_user is None:
            return Actor("telegram", None, "?")
        name = tg_user.full_name or (f"@{tg_user.username}" if tg_user.username else str(tg_user.id))
        return Actor(
            "telegram",
            tg_user.id,
            name,
            language=tg_user.language_code,
            chat_id=chat.id if chat else None,
            in_group=chat is not None and chat.type != "private",
            is_admin=self.runtime.is_admin(tg_user.id),
        )

    # -- ending ---------------------------------------------------------------------------

    def commit(self) -> None:
        """Write the queued messages and the "done" mark, commit the whole update at once, and close
        the Session."""
        now = utcnow()
        for key, message in self.outgoing.messages:
            outbox.enqueue(self.session, message, key=key, now=now, priority=outbox.REPLY)
        intake.finish(self.session, update_id=self.update_id, now=now)
        faults.point("update.before_commit")
        self.session.commit()
        self.session.close()  # in the same worker thread: one hand-over less per update
        self.closed = True


def current() -> Turn:
    """The Turn of the update being processed (handlers reach it through their context)."""
    return CURRENT.get()


async def process(app: Application, runtime: Runtime, row: Leased, flooding: bool = False) -> None:  # type: ignore[type-arg]
    """Run one claimed update through the handlers in its own unit of work.

    A chat that floods the bot gets one polite notice (per ten minutes) that its messages will be
    handled in order; they are — after everyone else's.
    """
    if row.attempts > intake.MAX_ATTEMPTS:  # it took the process down each time: set it aside
        log.error(
            "update %s was tried %d times without finishing; set aside (qiaobot intake failed)",
            row.update_id,
            row.attempts - 1,
        )
        apology_to = row.chat_id if row.chat_id > 0 else None
        await asyncio.to_thread(_give_up, runtime, row, "interrupted on every attempt", apology_to, _hints(row.payload))
        runtime.wake_delivery()
        return
    session = new_session(runtime.engine)
    turn = Turn(runtime, session, row.update_id)
    token = CURRENT.set(turn)
    try:
        try:
            update = Update.de_json(clean_tree(json.loads(row.payload)), app.bot)
            message = update.effective_message
            if message is not None and getattr(message, "chat", None) is None:
                raise ValueError("a message without a chat")
        except Exception as exc:  # noqa: BLE001 - an update PTB cannot read: set it aside, carry on
            log.warning(
                "update %s cannot be read (%s); set aside (qiaobot intake failed)", row.update_id, type(exc).__name__
            )
            await asyncio.to_thread(_give_up, runtime, row, f"unreadable update: {type(exc).__name__}", None)
            return
        chat, sender = update.effective_chat, update.effective_user
        if chat is not None and chat.type == "private" and sender is not None:
            turn.person = (sender.id, sender.language_code)
        await app.process_update(update)
        if flooding and row.chat_id > 0 and turn.error is None:
            await _flood_notice(turn, update, row.chat_id)
        if turn.error is None:
            await asyncio.to_thread(turn.commit)
            faults.point("update.after_commit")
            runtime.metrics.updates_processed += 1
            runtime.wake_delivery()
            return
        await asyncio.to_thread(session.rollback)
        await _failed(runtime, row, update, turn.error)
    finally:
        CURRENT.reset(token)
        if not turn.closed:
            await asyncio.to_thread(session.close)


async def _failed(runtime: Runtime, row: Leased, update: Update, error: BaseException) -> None:
    reason = f"{type(error).__name__}: {error}"[:500]
    if _transient(error):
        runtime.metrics.failed("bot_api" if isinstance(error, TransientError) else "database", error)
        await asyncio.to_thread(
            intake.retry_later,
            runtime.engine,
            update_id=row.update_id,
            error=reason,
            delay=timedelta(seconds=5),
            transient=True,
        )
        return
    runtime.metrics.handler_errors += 1
    if row.attempts < intake.MAX_ATTEMPTS:
        delay = timedelta(seconds=2**row.attempts)
        log.warning(
            "update %s failed (attempt %d, %s); trying again in %s",
            row.update_id,
            row.attempts,
            type(error).__name__,
            delay,
        )
        await asyncio.to_thread(intake.retry_later, runtime.engine, update_id=row.update_id, error=reason, delay=delay)
        return
    log.error(
        "update %s failed %d times; set aside (qiaobot intake failed)", row.update_id, row.attempts, exc_info=error
    )
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    apology_to = chat.id if chat is not None and chat.type == "private" else None
    hints = (user.language_code if user else None, message.text if message else None)
    await asyncio.to_thread(_give_up, runtime, row, reason, apology_to, hints)
    runtime.wake_delivery()


async def _flood_notice(turn: Turn, update: Update, chat_id: int) -> None:
    lang = await turn.lang(update)
    window = int(turn.env.now.timestamp() // 600)
    turn.outgoing.add(Message.text(chat_id, t("flood_notice", lang)), key=f"flood:{chat_id}:{window}")


def _hints(payload: str) -> tuple[str | None, str | None]:
    """The person's Telegram language and words, read from a raw update without trusting its shape."""
    try:
        data = json.loads(payload)
        message = data.get("message") or {}
        sender = message.get("from") or {}
        language, text = sender.get("language_code"), message.get("text")
    except (ValueError, AttributeError):
        return None, None
    return (language if isinstance(language, str) else None), (text if isinstance(text, str) else None)


def _transient(error: BaseException) -> bool:
    if isinstance(error, TransientError):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated or _is_disconnect(error))


def _is_disconnect(error: DBAPIError) -> bool:
    name = type(error.orig).__name__ if error.orig is not None else ""
    return name in {"OperationalError", "InterfaceError", "AdminShutdown", "ConnectionFailure"}


def _give_up(
    runtime: Runtime,
    row: Leased,
    reason: str,
    apology_to: int | None,
    hints: tuple[str | None, str | None] = (None, None),
) -> None:
    """Mark the update failed (kept for ``qiaobot intake retry``) and apologise to the person once,
    in their language (their choice, else their Telegram app's and the script they wrote in)."""
    with session_scope(runtime.engine) as s:
        intake.finish(s, update_id=row.update_id, status="failed", error=reason)
        if apology_to is not None:
            user = users.get(s, user_id=apology_to)
            telegram_language, text = hints
            stored_language = user.telegram_language if user else None
            lang = resolve(user.language if user else None, telegram_language or stored_language, text)
            outbox.enqueue(s, Message.text(apology_to, t("error", lang)), key=f"u{row.update_id}:error")


class Processor:
    """Claims stored updates and processes them: concurrently across chats, in order within one."""

    def __init__(self, app: Application, runtime: Runtime, *, concurrency: int = CONCURRENCY) -> None:  # type: ignore[type-arg]
        self.app = app
        self.runtime = runtime
        self.concurrency = max(1, concurrency)
        self.worker = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"
        self.stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._wakes = 0  # wake() calls so far
        # The wake() count when a claim found nothing ready besides what it took: until another
        # wake() (or the next tick), looking again would find nothing.
        self._settled: int | None = None
        self._working: dict[int, int] = {}  # update_id → chat_id
        settings = runtime.settings
        self.flood = intake.Flood(settings.flood_messages, settings.flood_seconds)

    def wake(self) -> None:
        """Something was stored: look for work now rather than at the next tick."""
        self._wakes += 1
        self._wake.set()

    def stop(self) -> None:
        self.stopping.set()
        self._wake.set()

    async def run_forever(self) -> None:
        """Process until :meth:`stop`; updates in hand are finished before returning."""
        await asyncio.to_thread(intake.release_stale, self.runtime.engine, worker=self.worker)
        lease = asyncio.create_task(self._keep_leases())
        try:
            while not self.stopping.is_set():
                try:
                    busy = await self.process_pending()
                except SQLAlchemyError as exc:  # the database is away: wait for it, do not die
                    self.runtime.metrics.failed("database", exc)
                    await self._sleep(2.0)
                    continue
                self.runtime.metrics.ok("database")
                if not busy or self._settled == self._wakes:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=1.0)
        finally:
            lease.cancel()

    async def process_pending(self) -> int:
        """Process stored updates until none is ready; returns how many were processed."""
        done = 0
        tasks: dict[asyncio.Task[None], Leased] = {}
        self._settled = None
        try:
            while True:
                free = self.concurrency - len(tasks)
                if free > 0 and not self.stopping.is_set() and self._settled != self._wakes:
                    busy = set(self._working.values())
                    wakes = self._wakes
                    claimed, more = await asyncio.to_thread(
                        intake.claim_some,
                        self.runtime.engine,
                        worker=self.worker,
                        limit=free,
                        busy=busy,
                        flood=self.flood,
                    )
                    self._settled = wakes if not more and not busy else None
                    if claimed:
                        faults.point("intake.claimed")
                    for item in claimed:
                        row = item.update
                        self._working[row.update_id] = row.chat_id
                        tasks[asyncio.create_task(process(self.app, self.runtime, row, item.flooding))] = row
                if not tasks:
                    return done
                finished, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    row = tasks.pop(task)
                    self._working.pop(row.update_id, None)
                    done += 1
                    task.result()  # an injected crash or a database outage surfaces here
        finally:
            if tasks:  # something went wrong: let the others finish their unit of work
                await asyncio.gather(*tasks, return_exceptions=True)
                for row in tasks.values():
                    self._working.pop(row.update_id, None)

    async def _keep_leases(self) -> None:
        """While handlers run (a slow Bot API can hold one a while), keep their updates leased to us."""
        while True:
            await asyncio.sleep(intake.LEASE.total_seconds() / 3)
            with contextlib.suppress(SQLAlchemyError):
                await asyncio.to_thread(
                    intake.renew, self.runtime.engine, update_ids=list(self._working), worker=self.worker
                )

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
