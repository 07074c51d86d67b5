"""The console through HTTP, as a browser uses it: scopes, actions, sign-in, CSRF, hostile text."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlencode

import pyotp
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from bot.db.models import AuditEntry, OutboxMessage, StaffSession, Ticket
from bot.db.uow import session_scope
from bot.reports.rules import Status
from tests.console.conftest import PASSWORD, World, csrf_of, sign_in, token

QUEUES = ("chaling", "liling", "yanling", "changsha", "hunan")
ACCOUNTS = {  # email → (queue, role, the queues of QUEUES it may see)
    "chaling@example.org": ("chaling", "agent", {"chaling"}),
    "liling@example.org": ("liling", "agent", {"liling"}),
    "zhuzhou@example.org": ("zhuzhou", "lead", {"chaling", "liling", "yanling"}),
    "changsha@example.org": ("changsha", "lead", {"changsha"}),
    "admin@example.org": ("hunan", "admin", set(QUEUES)),
}
ZHUZHOU = {"zhuzhou", "chaling", "liling", "yanling", "youxian", "lukou", "hetang", "lusong", "shifeng", "tianyuan"}
LISTED = {  # every queue whose open reports each account's queue page lists (reports move on escalation)
    "chaling@example.org": {"chaling"},
    "liling@example.org": {"liling"},
    "zhuzhou@example.org": ZHUZHOU,
    "changsha@example.org": {"changsha"},
    "admin@example.org": None,  # all
}
POSTS = ("claim", "reply", "note", "transfer", "resolve", "escalate")
ADMIN_SECRET = pyotp.random_base32()


def _client(world: World, email: str):  # type: ignore[no-untyped-def]
    client = world.client()
    secret = ADMIN_SECRET if email in ACCOUNTS and ACCOUNTS[email][1] == "admin" else None
    answer = sign_in(client, email, totp=secret, now=world.clock())
    assert answer.status_code == 303 and answer.headers["location"] == "/queue", answer.text
    return client


def _ids(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'id="ticket-(\d+)"', html)}


def test_permission_matrix_roles_by_actions_by_queues_has_no_leak(world: World) -> None:
    for email, (queue, role, _) in ACCOUNTS.items():
        world.account(email, queue, role, totp=ADMIN_SECRET if role == "admin" else None)
    clients = {email: _client(world, email) for email in ACCOUNTS}
    missing = {email: client.get("/reports/999999") for email, client in clients.items()}
    assert {answer.status_code for answer in missing.values()} == {404}

    allowed: set[tuple[str, str, str]] = set()
    seen: set[tuple[str, str, str]] = set()
    for email, (_, _, visible) in ACCOUNTS.items():
        client = clients[email]
        for action in ("view", "file", *POSTS):
            # fresh reports for every account and action, so one action never changes another's case
            ids = {q: world.ticket(q, files=[{"type": "photo", "file_id": f"ph-{q}"}]) for q in QUEUES}
            for q, ticket_id in ids.items():
                world.api.files[f"ph-{q}"] = (f"photos/{q}.jpg", b"\xff\xd8\xff jpeg " + q.encode())
                if action == "view":
                    answer = client.get(f"/reports/{ticket_id}")
                elif action == "file":
                    answer = client.get(f"/reports/{ticket_id}/files/{_first_message(world, ticket_id)}/0")
                else:
                    data = {"csrf": token(client), "text": "我们在处理", "target": "youxian"}
                    answer = client.post(f"/reports/{ticket_id}/act/{action}", data=data)
                if q in visible:
                    allowed.add((email, action, q))
                assert answer.status_code in (200, 303, 404), (email, action, q, answer.status_code)
                if answer.status_code != 404:
                    seen.add((email, action, q))
                else:  # the refusal says nothing: the same page as for a number that does not exist
                    assert _unlinked(answer.text) == _unlinked(missing[email].text)
    assert seen == allowed
    # what the queue page lists is exactly the scope, too
    for email, listed in LISTED.items():
        page = clients[email].get("/queue")
        with session_scope(world.engine) as s:
            expected = {
                t.id
                for t in s.exec(select(Ticket)).all()
                if (listed is None or t.queue_id in listed) and Status(t.status) in _open()
            }
        assert expected, email
        assert _ids(page.text) == expected, email


def _unlinked(html: str) -> str:
    """A page without its language-switch link (which names the page's own address)."""
    return re.sub(r'href="[^"]*\?lang=[^"]*"', "", html)


def _open() -> set[Status]:
    return {Status.NEW, Status.CLAIMED, Status.WAITING, Status.REOPENED}


def _first_message(world: World, ticket_id: int) -> int:
    from bot.reports import repo

    with session_scope(world.engine) as s:
        first = repo.thread(s, ticket_id=ticket_id)[0].id
        assert first is not None
        return first


def test_claim_reply_transfer_resolve_use_the_services_and_reach_the_user(world: World) -> None:
    world.account("chaling@example.org", "chaling")
    client = _client(world, "chaling@example.org")
    ticket_id = world.ticket("chaling", "我的护照丢了")
    page = client.get("/queue")
    assert all(label in page.text for label in ("认领", "回复", "转交", "办结", "备注"))
    english = client.get("/queue?lang=en")
    assert all(label in english.text for label in ("Claim", "Reply", "Transfer", "Resolve", "Add note"))
    assert client.cookies.get("qb_lang") == "en"  # the choice is remembered
    assert "Claim" in client.get("/queue").text

    assert client.post(f"/reports/{ticket_id}/act/claim", data={"csrf": token(client)}).status_code == 303
    client.post(f"/reports/{ticket_id}/act/reply", data={"csrf": token(client), "text": "请带上旧护照来办理。"})
    client.post(f"/reports/{ticket_id}/act/note", data={"csrf": token(client), "text": "内部：已电话联系"})
    with session_scope(world.engine) as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and ticket.status == Status.WAITING
        to_user = [json.loads(m.payload)["text"] for m in s.exec(select(OutboxMessage)).all() if m.chat_id == 4242]
        actions = [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.ticket_id == ticket_id)).all()]
        channels = {e.channel for e in s.exec(select(AuditEntry).where(AuditEntry.ticket_id == ticket_id)).all()}
    assert any("请带上旧护照来办理。" in text for text in to_user)
    assert not any("内部：已电话联系" in text for text in to_user)  # notes never reach the user
    assert actions == ["claim", "reply", "note"] and channels == {"console"}
    report = client.get(f"/reports/{ticket_id}")
    assert "内部：已电话联系" in report.text and "请带上旧护照来办理。" in report.text
    assert re.search(
        r'class="act-claim">claimed</strong> · chaling@example.org', report.text
    )  # who did what (in English now)

    moved = client.post(f"/reports/{ticket_id}/act/transfer", data={"csrf": token(client), "target": "liling"})
    assert moved.headers["location"] == "/queue"  # no longer ours
    assert client.get(f"/reports/{ticket_id}").status_code == 404
    world.account("liling@example.org", "liling")
    liling = _client(world, "liling@example.org")
    assert ticket_id in _ids(liling.get("/queue").text)
    liling.post(f"/reports/{ticket_id}/act/resolve", data={"csrf": token(liling), "text": "已办结"})
    with session_scope(world.engine) as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and ticket.status == Status.RESOLVED
    assert ticket_id not in _ids(liling.get("/queue").text)


def test_escalate_moves_the_report_to_the_parent_queue(world: World) -> None:
    world.account("zhuzhou@example.org", "zhuzhou", "lead")
    client = _client(world, "zhuzhou@example.org")
    ticket_id = world.ticket("chaling")
    client.post(f"/reports/{ticket_id}/act/escalate", data={"csrf": token(client)})
    with session_scope(world.engine) as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and ticket.queue_id == "zhuzhou"


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_politely(world: World) -> None:
    world.account("chaling@example.org", "chaling")
    client = _client(world, "chaling@example.org")
    ticket_id = world.ticket("chaling")
    for data in ({}, {"csrf": "forged"}):
        answer = client.post(f"/reports/{ticket_id}/act/claim", data=data)
        assert answer.status_code == 403
        assert "请返回、刷新页面后再试" in answer.text
    fresh = world.client()  # signing in needs the token too (no login CSRF)
    assert fresh.post("/login", data={"email": "chaling@example.org", "password": PASSWORD}).status_code == 403
    with session_scope(world.engine) as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and ticket.status == Status.NEW and ticket.claimed_by is None


def test_hostile_text_is_shown_inert(world: World) -> None:
    world.account("chaling@example.org", "chaling")
    client = _client(world, "chaling@example.org")
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    ticket_id = world.ticket("chaling", hostile, place='"><img src=x onerror=alert(3)>', contact="<b>x</b>")
    client.post(f"/reports/{ticket_id}/act/note", data={"csrf": token(client), "text": hostile})
    for page in (client.get("/queue"), client.get(f"/reports/{ticket_id}"), client.get("/queue?q=%3Cscript%3E")):
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "script-src 'none'" in page.headers["content-security-policy"]


def test_sign_in_is_rate_limited_per_email_and_per_address(world: World) -> None:
    world.account("chaling@example.org", "chaling")
    client = world.client()
    for _ in range(5):
        bad = sign_in(client, "chaling@example.org", "wrong password")
        assert bad.status_code == 200 and "邮箱或密码不正确" in bad.text
    limited = sign_in(client, "chaling@example.org")  # even the right password waits now
    assert limited.status_code == 429 and "登录失败次数过多" in limited.text
    world.clock.advance(minutes=16)
    assert sign_in(client, "chaling@example.org").status_code == 303
    other = world.client()  # one address trying many accounts
    for n in range(20):
        sign_in(other, f"nobody{n}@example.org", "guess")
    world.account("liling@example.org", "liling")
    assert sign_in(other, "liling@example.org").status_code == 429


def test_sessions_expire_and_sign_out_ends_them(world: World) -> None:
    world.account("chaling@example.org", "chaling")
    client = _client(world, "chaling@example.org")
    cookie = client.cookies.get("qb_session")
    assert cookie and "qb_session=" in client.get("/queue").request.headers["cookie"]
    world.clock.advance(minutes=world.settings.web_session_minutes - 1)
    assert client.get("/queue").status_code == 200
    world.clock.advance(minutes=2)
    expired = client.get("/queue")
    assert expired.status_code == 303 and expired.headers["location"].startswith("/login")
    assert "登录已过期" in client.get(expired.headers["location"]).text
    client = _client(world, "chaling@example.org")
    client.post("/logout", data={"csrf": token(client)})
    assert client.get("/queue").status_code == 303
    with session_scope(world.engine) as s:
        assert s.exec(select(StaffSession)).all() == []


def test_session_cookie_flags(world: World) -> None:
    world.account("chaling@example.org", "chaling")
    client = world.client()
    answer = sign_in(client, "chaling@example.org")
    header = next(h for h in answer.headers.get_list("set-cookie") if h.startswith("qb_session="))
    assert "HttpOnly" in header and "SameSite=lax" in header and "Secure" not in header
    world.settings.web_secure_cookies = True
    over_https = TestClient(world.app(), base_url="https://testserver", follow_redirects=False)
    secure = sign_in(over_https, "chaling@example.org")
    header = next(h for h in secure.headers.get_list("set-cookie") if h.startswith("qb_session="))
    assert "Secure" in header


def test_admins_must_enrol_totp_and_then_give_a_code(world: World) -> None:
    world.account("admin@example.org", "hunan", "admin")
    client = world.client()
    answer = sign_in(client, "admin@example.org")
    assert answer.headers["location"] == "/account/2fa"
    assert client.get("/queue").headers["location"] == "/account/2fa"  # nothing else until enrolled
    assert client.get("/audit").status_code == 303
    enrol = client.get("/account/2fa")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', enrol.text)
    assert secret and "otpauth://totp/" in enrol.text and "data:image/svg+xml" in enrol.text
    wrong = client.post("/account/2fa", data={"csrf": csrf_of(enrol.text), "code": "000000"})
    assert "验证码不正确" in wrong.text
    code = pyotp.TOTP(secret.group(1)).at(world.clock())
    done = client.post("/account/2fa", data={"csrf": csrf_of(enrol.text), "code": code})
    assert done.headers["location"] == "/queue"
    assert client.get("/audit").status_code == 200
    # next time the code is asked after the password
    again = world.client()
    first = sign_in(again, "admin@example.org")
    assert first.headers["location"] == "/login/totp"
    assert again.get("/queue").headers["location"] == "/login/totp"
    form = again.get("/login/totp")
    assert again.post("/login/totp", data={"csrf": csrf_of(form.text), "code": "123456"}).status_code == 200
    world.clock.advance(seconds=30)
    ok = again.post(
        "/login/totp", data={"csrf": csrf_of(form.text), "code": pyotp.TOTP(secret.group(1)).at(world.clock())}
    )
    assert ok.headers["location"] == "/queue"


def test_an_agent_may_enrol_totp_too(world: World) -> None:
    world.account("chaling@example.org", "chaling")
    client = _client(world, "chaling@example.org")
    assert "两步验证：未开启" in client.get("/account").text
    enrol = client.get("/account/2fa")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', enrol.text)
    assert secret
    client.post(
        "/account/2fa", data={"csrf": csrf_of(enrol.text), "code": pyotp.TOTP(secret.group(1)).at(world.clock())}
    )
    assert "两步验证：已开启" in client.get("/account").text


def _must_change_password(world: World, email: str, queue: str) -> None:
    """An account whose one-time password must be changed at the next sign-in."""
    world.account(email, queue)
    with session_scope(world.engine) as s:
        from bot.console import repo

        row = repo.account_by_email(s, email=email)
        assert row is not None
        row.must_change_password = True
        s.add(row)


def test_a_one_time_password_must_be_changed_first(world: World) -> None:
    _must_change_password(world, "chaling@example.org", "chaling")
    client = world.client()
    assert sign_in(client, "chaling@example.org").status_code == 303
    assert client.get("/queue").headers["location"] == "/account/password"
    form = client.get("/account/password")
    short = client.post("/account/password", data={"csrf": csrf_of(form.text), "old": PASSWORD, "new": "short"})
    assert "至少需要 10 个字符" in short.text
    client.post("/account/password", data={"csrf": csrf_of(form.text), "old": PASSWORD, "new": "a new long password"})
    assert client.get("/queue").status_code == 200
    assert sign_in(world.client(), "chaling@example.org", "a new long password").status_code == 303


def test_queue_filters_counts_and_due_order(world: World) -> None:
    world.account("zhuzhou@example.org", "zhuzhou", "lead")
    client = _client(world, "zhuzhou@example.org")
    late = world.ticket("chaling", "房产纠纷", category="property")  # chaling: 24 h
    world.clock.advance(hours=1)
    soon = world.ticket("liling", "孩子上学", category="education")
    page = client.get("/queue").text
    assert page.index(f'id="ticket-{late}"') < page.index(f'id="ticket-{soon}"')  # due first
    assert _ids(client.get("/queue?category=education").text) == {soon}
    assert _ids(client.get("/queue?q=房产").text) == {late}
    assert _ids(client.get(f"/queue?q=%23{soon}").text) == {soon}
    assert _ids(client.get("/queue?status=claimed").text) == set()
    assert _ids(client.get("/queue?since=2030-01-01").text) == set()
    assert "共 2 件" in page


def test_attachments_are_fetched_once_and_served_with_their_type(world: World) -> None:
    world.account("chaling@example.org", "chaling")
    client = _client(world, "chaling@example.org")
    world.api.files["doc-1"] = ("documents/证明.pdf", b"%PDF-1.4 fake")
    world.api.files["ph-1"] = ("photos/file_1.jpg", b"\xff\xd8\xff photo")
    ticket_id = world.ticket(
        "chaling", files=[{"type": "photo", "file_id": "ph-1"}, {"type": "document", "file_id": "doc-1"}]
    )
    msg = _first_message(world, ticket_id)
    page = client.get(f"/reports/{ticket_id}").text
    assert f'<img class="photo" src="/reports/{ticket_id}/files/{msg}/0"' in page
    photo = client.get(f"/reports/{ticket_id}/files/{msg}/0")
    assert photo.headers["content-type"] == "image/jpeg" and photo.headers["content-disposition"].startswith("inline")
    document = client.get(f"/reports/{ticket_id}/files/{msg}/1")
    assert document.content == b"%PDF-1.4 fake"
    assert document.headers["content-type"] == "application/pdf"
    assert document.headers["content-disposition"].startswith("attachment")
    calls = len([c for c in world.api.calls if c.method == "getFile"])
    client.get(f"/reports/{ticket_id}/files/{msg}/1")
    assert len([c for c in world.api.calls if c.method == "getFile"]) == calls  # cached
    assert client.get(f"/reports/{ticket_id}/files/{msg}/2").status_code == 404


def test_canned_replies_prefill_the_reply_in_the_users_language(world: World) -> None:
    world.account("chaling@example.org", "chaling")
    client = _client(world, "chaling@example.org")
    ticket_id = world.ticket("chaling", language="en")
    page = client.get(f"/reports/{ticket_id}?canned=received").text
    assert "we have received your report" in page
    assert "已收到，正在核实" in page  # the list, in the console's language


def test_join_requests_in_scope_only(world: World) -> None:
    world.account("liaison@example.org", "liaison")
    world.account("chaling@example.org", "chaling")
    request_id = world.join_request()
    chaling = _client(world, "chaling@example.org")
    assert f'id="join-{request_id}"' not in chaling.get("/joins").text
    assert chaling.post(f"/joins/{request_id}/approve", data={"csrf": token(chaling)}).status_code == 404
    liaison = _client(world, "liaison@example.org")
    assert f'id="join-{request_id}"' in liaison.get("/joins").text
    done = liaison.post(f"/joins/{request_id}/approve", data={"csrf": token(liaison)})
    assert done.status_code == 303
    with session_scope(world.engine) as s:
        told = [m for m in s.exec(select(OutboxMessage)).all() if m.chat_id == 5151]
    assert told, "the applicant is told through the outbox"
    assert f'id="join-{request_id}"' not in liaison.get("/joins").text


def test_audit_log_is_for_admins_and_filters(world: World) -> None:
    world.account("chaling@example.org", "chaling")
    secret = pyotp.random_base32()
    world.account("admin@example.org", "hunan", "admin", totp=secret)
    agent = _client(world, "chaling@example.org")
    ticket_id = world.ticket("chaling")
    agent.post(f"/reports/{ticket_id}/act/claim", data={"csrf": token(agent)})
    assert agent.get("/audit").status_code == 404
    admin = world.client()
    assert sign_in(admin, "admin@example.org", totp=secret, now=world.clock()).status_code == 303
    page = admin.get("/audit?person=chaling&channel=console&action=claim").text
    assert f"#{ticket_id}" in page
    assert "sign_in" not in admin.get("/audit?action=claim").text
    assert f"#{ticket_id}" not in admin.get("/audit?channel=telegram").text


def test_an_account_disabled_from_the_cli_loses_its_session(world: World) -> None:
    from bot.console import service as accounts
    from tests.console.conftest import CLI

    world.account("chaling@example.org", "chaling")
    client = _client(world, "chaling@example.org")
    with session_scope(world.engine) as s:
        accounts.disable_account(s, CLI, email="chaling@example.org", now=world.clock())
        entries = [e.action for e in s.exec(select(AuditEntry)).all()]
    assert "staff_disable" in entries and "staff_add" in entries
    assert client.get("/queue").status_code == 303
    assert sign_in(world.client(), "chaling@example.org").status_code == 200  # refused


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_every_catalogue_key_has_both_languages(lang: str) -> None:
    from bot.console.text import Catalog

    catalog = Catalog.load()
    assert all(texts[lang].strip() for texts in catalog.texts.values())
    assert timedelta  # (imported for the clock helpers above)


def test_changing_the_password_ends_the_accounts_other_sessions(world: World) -> None:
    """A session someone else holds (a stolen cookie, a shared computer) ends with the password
    change; the session that changed it goes on."""
    world.account("chaling@example.org", "chaling")
    elsewhere, here = world.client(), world.client()
    assert sign_in(elsewhere, "chaling@example.org").status_code == 303
    assert sign_in(here, "chaling@example.org").status_code == 303
    assert elsewhere.get("/queue").status_code == 200
    form = here.get("/account/password")
    here.post("/account/password", data={"csrf": csrf_of(form.text), "old": PASSWORD, "new": "a new long password"})
    assert here.get("/queue").status_code == 200
    assert elsewhere.get("/queue").headers["location"].startswith("/login")


def test_parallel_guesses_cannot_outrun_the_sign_in_limit(world: World) -> None:
    """Twelve wrong passwords sent at once: each attempt sees the failures before it, so exactly
    five are checked and the rest are refused as too many — not twelve guesses in the window."""
    import threading

    world.account("chaling@example.org", "chaling")
    app = world.app()
    clients = [TestClient(app, base_url="http://testserver", follow_redirects=False) for _ in range(12)]
    forms = [csrf_of(c.get("/login").text) for c in clients]
    start, statuses = threading.Barrier(len(clients)), []

    def guess(client: TestClient, csrf: str) -> None:
        start.wait(timeout=120)
        data = {"email": "chaling@example.org", "password": "wrong password", "csrf": csrf}
        statuses.append(client.post("/login", data=data).status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert sorted(statuses) == [200] * 5 + [429] * 7


def test_a_totp_code_is_accepted_once(world: World) -> None:
    """A code seen over a shoulder (or sent twice) opens one session, not two; the next step's code works."""
    secret = pyotp.random_base32()
    world.account("admin@example.org", "hunan", "admin", totp=secret)
    code = pyotp.TOTP(secret).at(world.clock())
    first, second = world.client(), world.client()
    for client in (first, second):
        assert sign_in(client, "admin@example.org").headers["location"] == "/login/totp"
    form = first.get("/login/totp")
    assert first.post("/login/totp", data={"csrf": csrf_of(form.text), "code": code}).headers["location"] == "/queue"
    form = second.get("/login/totp")
    replay = second.post("/login/totp", data={"csrf": csrf_of(form.text), "code": code})
    assert replay.status_code == 200 and "验证码不正确" in replay.text
    assert second.get("/queue").headers["location"] == "/login/totp"
    world.clock.advance(seconds=30)
    fresh = pyotp.TOTP(secret).at(world.clock())
    assert second.post("/login/totp", data={"csrf": csrf_of(form.text), "code": fresh}).headers["location"] == "/queue"


def test_the_second_factor_gives_a_new_session_and_keeps_where_the_person_was_going(world: World) -> None:
    """A token seen before the TOTP step is worth nothing after it; a link followed while signed out
    (a notice e-mail's /reports/N) still lands there after the password and the code."""
    secret = pyotp.random_base32()
    world.account("admin@example.org", "hunan", "admin", totp=secret)
    client = world.client()
    assert client.get("/reports/1").headers["location"] == "/login?next=%2Freports%2F1"
    page = client.get("/login?next=%2Freports%2F1")
    answer = client.post(
        "/login?next=%2Freports%2F1",
        data={"email": "admin@example.org", "password": PASSWORD, "csrf": csrf_of(page.text)},
    )
    assert answer.headers["location"] == "/login/totp?next=%2Freports%2F1"
    half = client.cookies.get("qb_session")
    form = client.get(answer.headers["location"])
    assert 'action="/login/totp?next=/reports/1"' in form.text
    code = pyotp.TOTP(secret).at(world.clock())
    done = client.post("/login/totp?next=%2Freports%2F1", data={"csrf": csrf_of(form.text), "code": code})
    assert done.headers["location"] == "/reports/1"
    full = client.cookies.get("qb_session")
    assert half and full and half != full
    stale = world.client()
    stale.cookies.set("qb_session", half)
    assert stale.get("/queue").headers["location"].startswith("/login")
    assert client.get("/queue").status_code == 200


def test_next_survives_a_forced_password_change_and_never_leaves_the_site(world: World) -> None:
    _must_change_password(world, "chaling@example.org", "chaling")
    client = world.client()
    sign_in(client, "chaling@example.org")
    moved = client.get("/joins")
    assert moved.headers["location"] == "/account/password?next=%2Fjoins"
    form = client.get(moved.headers["location"])
    changed = client.post(
        moved.headers["location"],
        data={"csrf": csrf_of(form.text), "old": PASSWORD, "new": "a much longer passphrase 2026"},
    )
    assert changed.headers["location"] == "/joins"
    for hostile in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "/a\r\nSet-Cookie: x=1"):
        other = world.client()
        page = other.get("/login")
        answer = other.post(
            "/login?" + urlencode({"next": hostile}),
            data={
                "email": "chaling@example.org",
                "password": "a much longer passphrase 2026",
                "csrf": csrf_of(page.text),
            },
        )
        assert answer.headers["location"] == "/queue", hostile


def test_due_times_count_the_configured_working_hours(world: World) -> None:
    """SLA_WORK_HOURS is the console's calendar too, as it is escalation's: a Chaling report (7 working
    hours) filed on Thursday 10:00 Beijing time is due 17:00 the same day with 08:00–20:00 working hours;
    with the default hours (9–12, 13:30–17:30) on Friday at 10:00."""
    world.account("chaling@example.org", "chaling")
    ticket = world.ticket("chaling", "护照问题", escalate_at=None)  # no stored deadline: computed on the page
    default = _client(world, "chaling@example.org").get("/queue").text
    world.settings = world.settings.model_copy(update={"sla_work_hours": "08:00-20:00"})
    custom = _client(world, "chaling@example.org").get("/queue").text

    def due_cell(page: str) -> str:
        row = page[page.index(f'id="ticket-{ticket}"') :]
        return row[: row.index("</tr>")]

    assert "2026-12-04 10:00" in due_cell(default)
    assert "2026-12-03 17:00" in due_cell(custom)


def test_a_code_typed_in_full_width_digits_is_understood(world: World) -> None:
    """A Chinese input method in full-width mode types ４０９６２１: the same code, not a server error."""
    world.account("admin@example.org", "hunan", "admin")
    client = world.client()
    sign_in(client, "admin@example.org")
    enrol = client.get("/account/2fa")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', enrol.text)
    assert secret
    code = pyotp.TOTP(secret.group(1)).at(world.clock())
    wide = "".join(chr(ord(d) - ord("0") + ord("０")) for d in code)
    done = client.post("/account/2fa", data={"csrf": csrf_of(enrol.text), "code": wide})
    assert done.status_code == 303 and done.headers["location"] == "/queue"
