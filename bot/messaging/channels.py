"""Notices to staff who are not on Telegram: e-mail (SMTP) and WeCom (企业微信) group robots.

They go through the same durable outbox as Telegram messages (``outbox.channel`` is ``email`` or
``wecom``, ``outbox.address`` the e-mail address or the webhook URL), queued in the transaction of
the action that causes them, and are sent here — never by the Telegram worker:

- one notice per address at a time, oldest first (a later one never overtakes one waiting for its
  retry), at most ``per_minute`` a minute per address (WeCom robots take 20);
- marked sent only once the SMTP server or WeCom accepted it; a crash in between sends it again
  at worst, never loses it;
- network errors, 4xx SMTP answers, HTTP 5xx/429, WeCom's "too frequent": retried with exponential
  backoff (up to an hour apart), for as long as it takes — and so is an SMTP server that is not
  configured yet (SMTP_HOST), so setting it later delivers what waited;
- refused for good (recorded, not retried): a 5xx SMTP refusal of the address, an HTTP 4xx, or a
  WeCom error that repeats ``MAX_REFUSALS`` times.

The content is the report's number, queue and category and a link to the console — never the
user's text, contact or name (``bot/reports/notify.py`` builds it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import smtplib
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Literal

import httpx
from sqlalchemy import Engine, func, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.db.models import OutboxMessage, utcnow
from bot.db.uow import new_session, session_scope

log = logging.getLogger(__name__)
Channel = Literal["email", "wecom"]
CHANNELS: tuple[Channel, ...] = ("email", "wecom")
LEASE = timedelta(seconds=120)
MAX_BACKOFF = timedelta(hours=1)
UNCONFIGURED_DELAY = timedelta(minutes=5)
MAX_REFUSALS = 5
_sent = OutboxMessage.__table__.alias("sent_ext")  # type: ignore[attr-defined]


# -- queueing (in the caller's transaction) ---------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """What a staff notice says: a subject line (e-mail), the text (its first line is the subject
    again, for WeCom), and the console path it links to."""

    subject: str
    body: str
    path: str  # e.g. /reports/12, appended to CONSOLE_URL when sent
    link_line: str  # e.g. "Open it in the console: {link}"
    footer: str = ""


def enqueue(
    s: Session,
    channel: Channel,
    address: str,
    notice: Notice,
    *,
    key: str,
    ticket_id: int | None,
    now: datetime | None = None,
) -> bool:
    """Queue one notice for one address, once per ``key`` (INSERT … ON CONFLICT DO NOTHING)."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    payload = {
        "subject": notice.subject,
        "body": notice.body,
        "path": notice.path,
        "link_line": notice.link_line,
        "footer": notice.footer,
    }
    values = {
        "dedupe_key": key[:128],
        "chat_id": 0,
        "method": channel,
        "payload": json.dumps(payload, ensure_ascii=False),
        "ticket_id": ticket_id,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now or utcnow(),
        "created_at": now or utcnow(),
        "channel": channel,
        "address": address,
    }
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
    return s.execute(stmt).first() is not None


# -- the outbox rows of these channels ------------------------------------------------------


def due(s: Session, *, now: datetime, worker: str, per_minute: int, limit: int = 50) -> Sequence[OutboxMessage]:
    """The oldest pending notice of each address, if it is due and the address is under its
    per-minute budget; leased to ``worker`` (claimed with SKIP LOCKED on PostgreSQL)."""
    heads = (
        select(func.min(OutboxMessage.id))
        .where(OutboxMessage.status == "pending", col(OutboxMessage.channel).in_(CHANNELS))
        .group_by(col(OutboxMessage.channel), col(OutboxMessage.address))
    )
    recent = (
        select(func.count())
        .where(
            _sent.c.channel == OutboxMessage.channel,
            _sent.c.address == OutboxMessage.address,
            _sent.c.sent_at > now - timedelta(seconds=60),
        )
        .scalar_subquery()
    )
    stmt = select(OutboxMessage).where(
        col(OutboxMessage.id).in_(heads),
        col(OutboxMessage.next_attempt_at) <= now,
        or_(col(OutboxMessage.locked_until).is_(None), col(OutboxMessage.locked_until) < now),
        recent < per_minute,
    )
    if s.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = s.exec(stmt.order_by(col(OutboxMessage.id)).limit(limit)).all()
    for row in rows:
        row.locked_by, row.locked_until = worker, now + LEASE
        s.add(row)
    return rows


def mark_sent(s: Session, *, row_id: int, now: datetime) -> None:
    row = s.get(OutboxMessage, row_id)
    if row is not None and row.status != "sent":
        row.status, row.sent_at, row.attempts = "sent", now, row.attempts + 1
        row.locked_by = row.locked_until = None
        s.add(row)


def retry_later(s: Session, *, row_id: int, delay: timedelta, error: str, now: datetime) -> None:
    row = s.get(OutboxMessage, row_id)
    if row is not None and row.status == "pending":
        row.attempts += 1
        row.next_attempt_at, row.last_error = now + delay, error[:500]
        row.locked_by = row.locked_until = None
        s.add(row)


def fail(s: Session, *, row_id: int, error: str) -> None:
    row = s.get(OutboxMessage, row_id)
    if row is not None and row.status == "pending":
        row.status, row.last_error, row.attempts = "failed", error[:500], row.attempts + 1
        row.locked_by = row.locked_until = None
        s.add(row)


# -- sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    sender: str = "qiaobot@localhost"
    starttls: bool = True
    timeout: float = 30.0


@dataclass(frozen=True)
class Outcome:
    kind: Literal["sent", "retry", "refused"]
    error: str = ""
    delay: timedelta | None = None  # retry: a delay of its own (else the backoff)


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts + 1, 12)))


def render(payload: dict[str, Any], console_url: str | None) -> tuple[str, str]:
    """(subject, text) of a notice: its body, the link to the report when CONSOLE_URL is set, the footer."""
    subject, body = str(payload.get("subject", "")), str(payload.get("body", ""))
    path, line = str(payload.get("path", "")), str(payload.get("link_line", "{link}"))
    if console_url and path:
        body = f"{body}\n{line.replace('{link}', console_url.rstrip('/') + path)}"
    footer = str(payload.get("footer", ""))
    return subject, f"{body}\n\n{footer}" if footer else body


def send_mail(config: SmtpConfig, address: str, subject: str, text: str, message_id: str) -> Outcome:
    """One e-mail through the SMTP server (blocking: run it in a thread)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config.sender, address, subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id  # the same on a resend: mail clients show it once
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    try:
        smtp_class = smtplib.SMTP_SSL if config.port == 465 else smtplib.SMTP
        with smtp_class(config.host, config.port, timeout=config.timeout) as smtp:
            if config.starttls and config.port != 465:
                smtp.starttls()
            if config.user:
                smtp.login(config.user, config.password or "")
            smtp.send_message(message, to_addrs=[address])
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = next(iter(exc.recipients.values()), (0, b""))
        error = f"{code} {reason.decode('utf-8', 'replace') if isinstance(reason, bytes) else reason}"
        return Outcome("refused", error) if 500 <= code < 600 else Outcome("retry", error)
    except smtplib.SMTPResponseException as exc:  # 4xx: try again; 5xx here is the sender's setup: also later
        raw: object = exc.smtp_error
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        return Outcome("retry", f"{exc.smtp_code} {text}")
    except (smtplib.SMTPException, OSError) as exc:  # refused, timeout, disconnected, no STARTTLS
        return Outcome("retry", f"{type(exc).__name__}: {exc}")
    return Outcome("sent")


async def send_wecom(client: httpx.AsyncClient, url: str, text: str) -> Outcome:
    """One text message to a WeCom group robot."""
    try:
        response = await client.post(url, json={"msgtype": "text", "text": {"content": text}})
    except httpx.HTTPError as exc:
        return Outcome("retry", f"{type(exc).__name__}: {exc}")
    if response.status_code >= 500 or response.status_code in (408, 429):
        return Outcome("retry", f"HTTP {response.status_code}")
    if response.status_code >= 400:
        return Outcome("refused", f"HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        return Outcome("retry", "an answer that is not JSON")
    code = body.get("errcode") if isinstance(body, dict) else None
    if code == 0:
        return Outcome("sent")
    error = f"errcode {code}: {body.get('errmsg') if isinstance(body, dict) else body}"
    return Outcome("retry", error, timedelta(seconds=60) if code == 45009 else None)  # 45009: too frequent


@dataclass
class ChannelSender:
    """Sends what is due in the e-mail and WeCom channels of the outbox (a job runs it every few seconds)."""

    engine: Engine
    smtp: SmtpConfig | None = None
    console_url: str | None = None
    per_minute: int = 20
    http_timeout: float = 15.0
    worker: str = field(default_factory=lambda: f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}")
    _running: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def deliver_due(self, now: datetime | None = None, *, max_rounds: int = 20) -> int:
        """Send what is due; returns how many were accepted."""
        async with self._running, httpx.AsyncClient(timeout=self.http_timeout) as client:
            sent = 0
            resting: set[tuple[str, str | None]] = set()
            for _ in range(max_rounds):
                moment = now or utcnow()
                rows = await asyncio.to_thread(self._claim, moment)
                rows = [r for r in rows if (r.channel, r.address) not in resting]
                if not rows:
                    break
                for row in rows:
                    if await self._send(client, row, now or utcnow()):
                        sent += 1
                    else:
                        resting.add((row.channel, row.address))
            return sent

    def _claim(self, now: datetime) -> list[OutboxMessage]:
        with new_session(self.engine) as s:
            rows = list(due(s, now=now, worker=self.worker, per_minute=self.per_minute))
            s.commit()
            return rows

    def _write(self, fn: Any, /, **kwargs: Any) -> None:
        with session_scope(self.engine) as s:
            fn(s, **kwargs)

    async def _send(self, client: httpx.AsyncClient, row: OutboxMessage, now: datetime) -> bool:
        assert row.id is not None
        try:
            payload = json.loads(row.payload)
            assert isinstance(payload, dict)
        except (ValueError, AssertionError):
            await asyncio.to_thread(self._write, fail, row_id=row.id, error="unreadable payload")
            return False
        subject, text = render(payload, self.console_url)
        address = row.address or ""
        if row.channel == "email":
            if self.smtp is None:
                outcome = Outcome("retry", "SMTP_HOST is not set", UNCONFIGURED_DELAY)
            else:
                domain = self.smtp.sender.rpartition("@")[2] or "qiaobot"
                message_id = f"<qiaobot.outbox.{row.id}@{domain}>"
                outcome = await asyncio.to_thread(send_mail, self.smtp, address, subject, text, message_id)
        else:
            outcome = await send_wecom(client, address, text)
        if outcome.kind == "sent":
            await asyncio.to_thread(self._write, mark_sent, row_id=row.id, now=now)
            return True
        if outcome.kind == "refused" or (outcome.delay is None and _refusals(outcome) and row.attempts >= MAX_REFUSALS):
            log.warning("%s notice %s refused for good: %s", row.channel, row.id, outcome.error)
            await asyncio.to_thread(self._write, fail, row_id=row.id, error=outcome.error)
            return False
        delay = outcome.delay or backoff(row.attempts)
        log.info("%s notice %s not sent (%s); retry in %s", row.channel, row.id, outcome.error, delay)
        await asyncio.to_thread(self._write, retry_later, row_id=row.id, delay=delay, error=outcome.error, now=now)
        return False


def sender_for(settings: Settings, engine: Engine) -> ChannelSender:
    """The sender as the settings describe it (no SMTP_HOST: e-mails wait, WeCom still goes)."""
    smtp = None
    if settings.smtp_host:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        smtp = SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            user=settings.smtp_user,
            password=password,
            sender=settings.smtp_sender(),
            starttls=settings.smtp_starttls,
        )
    return ChannelSender(engine, smtp, settings.console_url)


def _refusals(outcome: Outcome) -> bool:
    """A WeCom error answer (not the network, not a busy server): given up after MAX_REFUSALS."""
    return outcome.error.startswith("errcode")
