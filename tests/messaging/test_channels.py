"""Notices to staff outside Telegram: e-mail through a real SMTP server (aiosmtpd, in-process) and a
WeCom robot (a local HTTP endpoint), through the durable outbox — no personal data, retried while
the servers are down, delivered once they are back, nothing lost or doubled."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.config import ConfigError, load_settings
from bot.content.live import LiveFaq
from bot.db.conversations import State
from bot.db.models import OutboxMessage
from bot.db.uow import session_scope
from bot.groups.access import SYSTEM, Actor
from bot.messaging import outbox
from bot.messaging.channels import ChannelSender, SmtpConfig, sender_for
from bot.reports import service
from bot.reports.conversation import Draft
from bot.reports.loader import check_federation
from bot.reports.rules import Action
from bot.runtime import Env
from tests.conftest import FAQ_DIR

SECRET = "我在吉隆坡的护照丢了 <script>x</script>"
CONTACT = "+60 12 345 6789"
NAME = "Mei Secretname"
T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
CHALING_MAIL = ["chen@chaling.example.org", "wang@chaling.example.org"]
ZHUZHOU_MAIL = "lead@zhuzhou.example.org"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_targets(directory: Path, targets: dict[str, list[str]]) -> None:
    """Add notify: lines to queues of a copy of the shipped federations.yaml."""
    path = directory / "federations.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    current = None
    for line in lines:
        out.append(line)
        if line.startswith("  - id: "):
            current = line.removeprefix("  - id: ").strip()
        if current in targets and line.strip().startswith("sla_hours:"):
            out += ["    notify:", *(f"      {x}" for x in targets[current])]
            current = None
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


class Inbox:
    """An SMTP server's DATA handler: refuses the first ``refuse`` messages with 451, then keeps them."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 please try again later"
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


class Robot:
    """A WeCom group robot stand-in: answers 500 while ``failing``, else errcode 0; records posts."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.failing = True
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if robot.failing:
                    self.send_response(502)
                    self.end_headers()
                    return
                robot.posts.append({"path": self.path, "json": json.loads(body)})
                answer = b'{"errcode":0,"errmsg":"ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send?key=test-key"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot() -> Iterator[Robot]:
    r = Robot()
    yield r
    r.close()


@pytest.fixture
def faq_with_targets(tmp_path: Path, robot: Robot) -> LiveFaq:
    directory = tmp_path / "faq"
    shutil.copytree(FAQ_DIR, directory)
    with_targets(
        directory,
        {
            "chaling": [f"email: [{', '.join(CHALING_MAIL)}]", f"wecom: {robot.url}"],
            "zhuzhou": [f"email: {ZHUZHOU_MAIL}"],
        },
    )
    return LiveFaq(directory)


def env(faq: LiveFaq, when: datetime) -> Env:
    return Env(faq.current, when)


def file_report(engine: Engine, faq: LiveFaq, when: datetime, user: int = 4242, nonce: str = "n1") -> int:
    draft = Draft(
        language="zh-Hans",
        place="茶陵县",
        queue_id="chaling",
        category="documents",
        description=SECRET,
        contact=CONTACT,
        share_identity=True,
    )
    with session_scope(engine) as s:
        ticket = service.file_report(
            s,
            env(faq, when),
            Actor("telegram", user, NAME, chat_id=user),
            State(user, "report", user, "s", nonce=nonce),
            draft,
        )
        assert ticket.id is not None
        return ticket.id


def outside_rows(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.channel != "telegram").order_by(OutboxMessage.id))
        return list(rows.all())


def assert_no_personal_data(text: str) -> None:
    for secret in (SECRET, "吉隆坡", "护照丢了", CONTACT, "345 6789", NAME, "Secretname", "4242"):
        assert secret not in text, secret


def test_the_loader_reads_and_checks_notification_targets(tmp_path: Path) -> None:
    good = tmp_path / "good"
    shutil.copytree(FAQ_DIR, good)
    with_targets(
        good,
        {
            "chaling": [
                "email: [a@chaling.example.org]",
                "wecom: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1",
            ]
        },
    )
    federation, problems = check_federation(good)
    assert federation is not None and not [p for p in problems if p.severity == "error"]
    chaling = federation.by_id["chaling"]
    assert chaling.emails == ("a@chaling.example.org",)
    assert chaling.wecom == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1"
    assert federation.by_id["liling"].emails == () and federation.by_id["liling"].wecom is None

    cases = {
        "email: [not-an-address]": "'not-an-address' is not an e-mail address",
        'email: ["Chen <chen@example.org>"]': "is not an e-mail address",
        "email: {a: b}": "email must be an address or a list of addresses",
        "wecom: http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k": "wecom must be an https:// URL",
        "wecom: https://qyapi.weixin.qq.com/cgi-bin/webhook/send": "has no key=",
        "wecom: 12": "wecom must be the group robot's webhook URL",
        "phone: [123]": "phone",
    }
    for i, (line, message) in enumerate(cases.items()):
        bad = tmp_path / f"bad{i}"
        shutil.copytree(FAQ_DIR, bad)
        with_targets(bad, {"liling": [line]})
        federation, problems = check_federation(bad)
        errors = [p for p in problems if p.severity == "error"]
        assert federation is None and errors, line
        assert any(message in str(p) and "liling" in str(p) for p in errors), (line, [str(p) for p in errors])
        numbered = (bad / "federations.yaml").read_text(encoding="utf-8").splitlines()
        assert any(numbered[p.line - 1].strip().startswith(line.split(":")[0]) for p in errors), line


def test_settings_for_smtp_and_the_console_link(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).parent)  # no .env here
    with pytest.raises(ConfigError, match="CONSOLE_URL"):
        load_settings(console_url="console.example.org")
    settings = load_settings(
        console_url="https://console.example.org/",
        smtp_host="smtp.example.org",
        smtp_port=465,
        smtp_user="bot@example.org",
        smtp_password="pw",
    )
    assert settings.console_url == "https://console.example.org"
    sender = sender_for(settings, engine=None)  # type: ignore[arg-type]
    assert sender.smtp == SmtpConfig("smtp.example.org", 465, "bot@example.org", "pw", "bot@example.org", True)
    assert sender_for(load_settings(), engine=None).smtp is None  # type: ignore[arg-type]


def test_new_escalated_and_reopened_reports_queue_notices_without_personal_data(
    engine: Engine, faq_with_targets: LiveFaq
) -> None:
    faq = faq_with_targets
    ticket = file_report(engine, faq, T0)
    rows = outside_rows(engine)
    assert sorted((r.channel, r.address) for r in rows) == sorted(
        [
            ("email", CHALING_MAIL[0]),
            ("email", CHALING_MAIL[1]),
            ("wecom", faq.current.federation.by_id["chaling"].wecom),
        ]
    )
    assert all(r.chat_id == 0 and r.ticket_id == ticket and r.status == "pending" for r in rows)
    payload = json.loads(rows[0].payload)
    assert payload["subject"] == f"新反映 #{ticket}（茶陵县侨联）：证件与签证"
    assert payload["path"] == f"/reports/{ticket}"
    for row in rows:
        assert_no_personal_data(row.payload)

    # Submitted twice (the same draft): one report, no second notice.
    assert file_report(engine, faq, T0 + timedelta(minutes=1)) == ticket
    assert len(outside_rows(engine)) == 3

    # Nobody claims it: moved up to Zhuzhou, whose lead hears of it by e-mail.
    with session_scope(engine) as s:
        assert service.escalate(s, env(faq, T0 + timedelta(hours=25)), ticket, SYSTEM)
    escalated = [r for r in outside_rows(engine) if r.address == ZHUZHOU_MAIL]
    assert len(escalated) == 1
    assert json.loads(escalated[0].payload)["subject"] == f"反映 #{ticket} 超时未认领，已上报到株洲市侨联：证件与签证"

    # Resolved, rated one star: reopened, Zhuzhou hears again; a good rating elsewhere says nothing.
    lead = Actor("console", 9003, "Zhou", queue="zhuzhou", role="lead")
    with session_scope(engine) as s:
        assert service.act(s, env(faq, T0 + timedelta(hours=26)), lead, Action.RESOLVE, ticket).ok
    with session_scope(engine) as s:
        assert service.rate(s, env(faq, T0 + timedelta(hours=27)), Actor("telegram", 4242, NAME), ticket, 1)
    to_lead = [json.loads(r.payload)["subject"] for r in outside_rows(engine) if r.address == ZHUZHOU_MAIL]
    assert to_lead[1] == f"反映 #{ticket}（株洲市侨联）因评分低已重新打开：证件与签证"
    for row in outside_rows(engine):
        assert_no_personal_data(row.payload)

    # The Telegram worker never takes them.
    with Session(engine) as s:
        assert all(r.channel == "telegram" for r in outbox.due(s, now=T0 + timedelta(days=30)))


async def test_delivered_by_smtp_and_wecom_after_outages_once_each(
    engine: Engine, faq_with_targets: LiveFaq, robot: Robot
) -> None:
    faq = faq_with_targets
    ticket = file_report(engine, faq, T0)
    port = free_port()
    smtp = SmtpConfig("127.0.0.1", port, sender="qiaobot@hunan.example.org", starttls=False, timeout=10)
    sender = ChannelSender(engine, smtp, console_url="https://console.example.org")

    # Both down: the SMTP port refuses connections, the robot answers 502. Nothing is lost.
    assert await sender.deliver_due(T0) == 0
    rows = outside_rows(engine)
    assert [(r.status, r.attempts) for r in rows] == [("pending", 1)] * 3
    assert all(r.last_error for r in rows)
    assert await sender.deliver_due(T0) == 0  # not due again yet: no resend loop
    assert [r.attempts for r in outside_rows(engine)] == [1, 1, 1]

    # Both back, but the mail server asks to try the first message again later (451).
    inbox = Inbox()
    inbox.refuse = 1
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        robot.failing = False
        assert await sender.deliver_due(T0 + timedelta(minutes=10)) == 2
        assert sorted(r.status for r in outside_rows(engine)) == ["pending", "sent", "sent"]
        assert await sender.deliver_due(T0 + timedelta(minutes=20)) == 1
        assert await sender.deliver_due(T0 + timedelta(hours=5)) == 0  # nothing doubled
    finally:
        controller.stop()

    assert [r.status for r in outside_rows(engine)] == ["sent"] * 3
    assert sorted(rcpt[0] for rcpt, _ in inbox.messages) == sorted(CHALING_MAIL)
    for rcpt, raw in inbox.messages:
        message = message_from_bytes(raw, policy=default_policy)
        assert message["Subject"] == f"新反映 #{ticket}（茶陵县侨联）：证件与签证"
        assert message["To"] == rcpt[0] and message["From"] == "qiaobot@hunan.example.org"
        body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert f"https://console.example.org/reports/{ticket}" in body
        assert_no_personal_data(raw.decode("utf-8", "replace") + body)
    [post] = robot.posts
    assert post["json"]["msgtype"] == "text" and post["path"].endswith("key=test-key")
    content = post["json"]["text"]["content"]
    assert content.startswith(f"新反映 #{ticket}（茶陵县侨联）：证件与签证")
    assert f"https://console.example.org/reports/{ticket}" in content
    assert_no_personal_data(content)


async def test_email_waits_for_smtp_settings_and_a_refused_address_is_given_up(
    engine: Engine, faq_with_targets: LiveFaq, robot: Robot
) -> None:
    faq = faq_with_targets
    robot.failing = False
    file_report(engine, faq, T0)
    unconfigured = ChannelSender(engine, None)
    assert await unconfigured.deliver_due(T0) == 1  # WeCom goes; e-mails wait for SMTP_HOST
    waiting = [r for r in outside_rows(engine) if r.channel == "email"]
    assert [(r.status, r.last_error) for r in waiting] == [("pending", "SMTP_HOST is not set")] * 2

    class Picky(Inbox):
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
            if address.startswith("wang@"):
                return "550 5.1.1 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    inbox = Picky()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sender = ChannelSender(engine, SmtpConfig("127.0.0.1", port, starttls=False, timeout=10))
        assert await sender.deliver_due(T0 + timedelta(minutes=10)) == 1
    finally:
        controller.stop()
    by_address = {r.address: r for r in outside_rows(engine) if r.channel == "email"}
    assert by_address[CHALING_MAIL[0]].status == "sent"
    assert by_address[CHALING_MAIL[1]].status == "failed" and "550" in (by_address[CHALING_MAIL[1]].last_error or "")
    assert [rcpt for rcpt, _ in inbox.messages] == [[CHALING_MAIL[0]]]
