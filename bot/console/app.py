"""The console's Starlette application: server-rendered pages, one unit of work per request.

Every page goes through :meth:`Console.page`, which opens the request's transaction, finds the
signed-in account, checks the CSRF token of every POST, enforces sign-in stages (a TOTP code
due, an admin who must enrol one, a password to change) and turns :class:`NotFound` into 404.
Routes call the same service functions as the Telegram staff commands, with the account as a
console :class:`~bot.groups.access.Actor`.

Adding a page: write ``def my_page(self, rq: Rq) -> Response``, add ``self.page("/path",
self.my_page)`` in :meth:`Console.routes` and a :class:`NavItem` in :data:`NAV`.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote, urlencode

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.config import Settings
from bot.console import service as accounts
from bot.console.files import FileUnavailable, TelegramFiles
from bot.console.text import Catalog, Lang, as_lang
from bot.content.live import LiveFaq
from bot.db.models import Ticket, utcnow
from bot.db.uow import session_scope
from bot.directory import render as directory_render
from bot.directory import service as directory
from bot.groups import audit
from bot.messaging.render import html_to_text
from bot.reports import export, notify
from bot.reports import scorecard as sc
from bot.reports import service as reports
from bot.reports.rules import (
    CATEGORIES,
    CATEGORY_BY_ID,
    STAFF_STATUS_LABELS,
    UNCLAIMED,
    Action,
    Status,
    WorkCalendar,
    escalation_deadline,
)
from bot.reports.scorecard import Figures, Scorecard, scorecard
from bot.reports.workdays import china
from bot.runtime import Env
from bot.text.language import UiLang

HERE = Path(__file__).parent
BEIJING = timezone(timedelta(hours=8), "CST")
SESSION_COOKIE = "qb_session"
PRE_COOKIE = "qb_pre"  # CSRF token for forms shown before signing in (double-submit)
LANG_COOKIE = "qb_lang"
FLASH_COOKIE = "qb_flash"
Auth = Literal["none", "partial", "full", "admin"]
AUDIT_LIMIT = 300
ACTIONS = {
    "claim": Action.CLAIM,
    "reply": Action.REPLY,
    "note": Action.NOTE,
    "transfer": Action.TRANSFER,
    "resolve": Action.RESOLVE,
}
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


@dataclass(frozen=True)
class NavItem:
    key: str  # catalogue key of the label
    path: str
    admin_only: bool = False
    roles: tuple[str, ...] = ("agent", "lead", "admin")


# The navigation bar, in order.
NAV: list[NavItem] = [
    NavItem("nav_queue", "/queue"),
    NavItem("nav_joins", "/joins"),
    NavItem("nav_scorecard", "/scorecard"),
    NavItem("nav_export", "/export"),
    NavItem("nav_audit", "/audit", admin_only=True),
]


class NotFound(Exception):
    """Nothing here for this person (whether it exists or not is not said)."""


class Redirect(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@dataclass
class Rq:
    """One request as a page sees it: the transaction, the time, the person, the form, the language."""

    request: Request
    s: Session
    now: datetime
    lang: Lang
    form: Mapping[str, str]
    current: accounts.Current | None
    env: Env
    cookies: dict[str, str | None] = field(default_factory=dict)  # to set (None: delete)
    flash: str | None = None

    @property
    def me(self) -> accounts.Current:
        assert self.current is not None
        return self.current

    def query(self, name: str) -> str:
        return str(self.request.query_params.get(name, "")).strip()

    @property
    def next(self) -> str:
        """Where to go once signed in (a page of this console, or nothing)."""
        target = self.query("next")[:512]
        return target if safe_next(target) else ""

    @property
    def next_query(self) -> str:
        return f"?{urlencode({'next': self.next})}" if self.next else ""

    def path_int(self, name: str) -> int:
        raw = str(self.request.path_params.get(name, ""))
        if not raw.isdigit() or len(raw) > 12:
            raise NotFound
        return int(raw)


class Console:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        live: LiveFaq,
        *,
        clock: Callable[[], datetime] = utcnow,
        files: TelegramFiles | None = None,
    ) -> None:
        self.settings, self.engine, self.live, self.clock = settings, engine, live, clock
        self.calendar = china(settings.sla_work_hours)  # due times on the working hours escalation uses
        self.files = files or TelegramFiles(settings)
        self.catalog = Catalog.load()
        self.jinja = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.lifetime = timedelta(minutes=settings.web_session_minutes)
        self._sign_ins = threading.Lock()

    # -- the application ------------------------------------------------------------------

    def routes(self) -> list[Route | Mount]:
        return [
            self.page("/", self.home),
            self.page("/login", self.login, auth="none", methods=["GET", "POST"], serial=True),
            self.page("/login/totp", self.login_totp, auth="partial", methods=["GET", "POST"], serial=True),
            self.page("/logout", self.logout, auth="none", methods=["POST"]),
            self.page("/account", self.account),
            self.page("/account/2fa", self.enrol, auth="partial", methods=["GET", "POST"]),
            self.page("/account/password", self.password, methods=["GET", "POST"]),
            self.page("/queue", self.queue),
            self.page("/reports/{id}", self.report),
            self.page("/reports/{id}/act/{action}", self.report_action, methods=["POST"]),
            self.page("/reports/{id}/files/{msg}/{n}", self.attachment),
            self.page("/joins", self.joins),
            self.page("/joins/{id}/{verdict}", self.join_decide, methods=["POST"]),
            self.page("/audit", self.audit_log, auth="admin"),
            self.page("/scorecard", self.scorecard_page),
            self.page("/scorecard.csv", self.scorecard_download),
            self.page("/export", self.export_page),
            self.page("/export/download", self.export_download),
            Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        ]

    def app(self) -> Starlette:
        return Starlette(routes=self.routes())

    def page(
        self,
        path: str,
        fn: Callable[[Rq], Response],
        *,
        auth: Auth = "full",
        methods: list[str] | None = None,
        serial: bool = False,
    ) -> Route:
        """``serial``: one request at a time, up to its commit — sign-in attempts, so that parallel
        guesses each see the failures before them and the limit holds."""

        async def endpoint(request: Request) -> Response:
            form: dict[str, str] = {}
            if request.method == "POST":
                async with request.form(max_files=0, max_fields=64, max_part_size=64 * 1024) as data:
                    form = {k: v for k, v in data.items() if isinstance(v, str)}
            if serial and request.method == "POST":
                return await run_in_threadpool(self._one_at_a_time, request, form, fn, auth)
            return await run_in_threadpool(self._handle, request, form, fn, auth)

        return Route(path, endpoint, methods=methods or ["GET"])

    def _one_at_a_time(
        self, request: Request, form: dict[str, str], fn: Callable[[Rq], Response], auth: Auth
    ) -> Response:
        with self._sign_ins:
            return self._handle(request, form, fn, auth)

    def _handle(self, request: Request, form: dict[str, str], fn: Callable[[Rq], Response], auth: Auth) -> Response:
        chosen = as_lang(request.query_params.get("lang"))
        lang: Lang = chosen or as_lang(request.cookies.get(LANG_COOKIE)) or "zh-Hans"
        with session_scope(self.engine) as s:
            now = self.clock()
            current = accounts.current(s, token=request.cookies.get(SESSION_COOKIE), now=now)
            env = Env(self.live.current, now, self.settings.admin_ids, calendar=self.calendar)
            rq = Rq(request, s, now, lang, form, current, env)
            flash = request.cookies.get(FLASH_COOKIE)
            if flash:
                rq.flash, rq.cookies[FLASH_COOKIE] = unquote(flash)[:500], None
            try:
                if request.method == "POST" and not self._csrf_ok(rq):
                    response: Response = self.render(
                        rq, "message.html", {"title": "forbidden_title", "body": "forbidden"}, 403
                    )
                else:
                    self._gate(rq, auth)
                    response = fn(rq)
            except NotFound:
                s.rollback()  # whatever was begun is undone; the page says nothing more
                response = self.render(rq, "message.html", {"title": "not_found_title", "body": "not_found"}, 404)
            except Redirect as r:
                response = RedirectResponse(r.url, status_code=303)
                if rq.flash:
                    rq.cookies[FLASH_COOKIE] = rq.flash  # not shown yet: keep it for the page redirected to
        if chosen:
            response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, httponly=True, samesite="lax")
        for name, value in rq.cookies.items():
            if value is None:
                response.delete_cookie(name)
            elif name == SESSION_COOKIE:
                self._session_cookie(response, value)
            else:
                value = quote(value) if name == FLASH_COOKIE else value
                secure = self.settings.web_secure_cookies
                response.set_cookie(name, value, httponly=True, samesite="lax", secure=secure)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def _session_cookie(self, response: Response, token: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(self.lifetime.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=self.settings.web_secure_cookies,
        )

    def _csrf_ok(self, rq: Rq) -> bool:
        given = rq.form.get("csrf", "")
        if rq.current is not None:
            return accounts.csrf_ok(rq.current.session, given)
        expected = rq.request.cookies.get(PRE_COOKIE, "")
        return bool(expected) and bool(given) and hmac.compare_digest(expected.encode(), given.encode())

    def _gate(self, rq: Rq, auth: Auth) -> None:
        if auth == "none":
            return
        current = rq.current
        if current is None:
            if rq.request.cookies.get(SESSION_COOKIE):
                rq.flash, rq.cookies[SESSION_COOKIE] = self.catalog("expired", rq.lang), None
            target = rq.request.url.path
            raise Redirect("/login" + (f"?{urlencode({'next': target})}" if target not in ("/", "/login") else ""))
        stage = current.session.stage
        if auth == "partial":
            return
        here = rq.request.url.path
        back = f"?{urlencode({'next': here})}" if safe_next(here) and here not in _SIGN_IN_PAGES else ""
        if stage == "totp":
            raise Redirect("/login/totp" + back)
        if stage == "enrol":
            raise Redirect("/account/2fa" + back)
        if current.account.must_change_password and here != "/account/password":
            raise Redirect("/account/password" + back)
        if auth == "admin" and current.account.role != "admin":
            raise NotFound

    # -- rendering ---------------------------------------------------------------------------

    def render(self, rq: Rq, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
        tr = self.catalog
        lang = rq.lang
        current = rq.current
        csrf = current.session.csrf if current else self._pre_token(rq)
        full = current is not None and current.session.stage == "full"
        nav = [
            n
            for n in NAV
            if full
            and current
            and current.account.role in n.roles
            and (not n.admin_only or current.account.role == "admin")
        ]
        other = "en" if lang == "zh-Hans" else "zh"
        query = dict(rq.request.query_params)
        query["lang"] = other
        values = {
            "_": lambda key, **kw: tr(key, lang, **kw),
            "act": lambda action: tr(f"act_{action}", lang) if f"act_{action}" in tr.texts else action,
            "lang": lang,
            "html_lang": "zh-CN" if lang == "zh-Hans" else "en",
            "switch_url": f"{rq.request.url.path if rq.request.method == 'GET' else '/queue'}?{urlencode(query)}",
            "csrf": csrf,
            "me": current.account if full and current else None,
            "nav": nav,
            "path": rq.request.url.path,
            "flash": rq.flash,
            "bj": self.beijing,
            **context,
        }
        body = self.jinja.get_template(template).render(values)
        return HTMLResponse(body, status_code=status)

    def _pre_token(self, rq: Rq) -> str:
        token = rq.request.cookies.get(PRE_COOKIE) or rq.cookies.get(PRE_COOKIE)
        if not token:
            token = secrets.token_urlsafe(24)
            rq.cookies[PRE_COOKIE] = token
        return token

    @staticmethod
    def beijing(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return moment.astimezone(BEIJING).strftime(fmt) if moment else ""

    def back(self, rq: Rq, url: str, flash: str | None = None) -> Response:
        if flash:
            rq.cookies[FLASH_COOKIE] = flash
        return RedirectResponse(url, status_code=303)

    def client_ip(self, rq: Rq) -> str:
        if self.settings.web_trusted_proxy:
            real = rq.request.headers.get("x-real-ip") or rq.request.headers.get("x-forwarded-for", "").split(",")[-1]
            if real.strip():
                return real.strip()[:64]
        return rq.request.client.host if rq.request.client else "?"

    # -- signing in ------------------------------------------------------------------------

    def home(self, rq: Rq) -> Response:
        return self.back(rq, "/queue")

    def login(self, rq: Rq) -> Response:
        if rq.request.method == "GET":
            if rq.current is not None and rq.current.session.stage == "full":
                return self.back(rq, "/queue")
            return self.render(rq, "login.html", {"error": None, "email": "", "next": rq.next})
        email = rq.form.get("email", "").strip()[:254]
        result = accounts.sign_in(
            rq.s,
            email=email,
            password=rq.form.get("password", "")[:1024],
            ip=self.client_ip(rq),
            now=rq.now,
            lifetime=self.lifetime,
        )
        if result.outcome != "ok" or result.token is None:
            error = "login_limited" if result.outcome == "limited" else "login_bad"
            status = 429 if error == "login_limited" else 200
            return self.render(rq, "login.html", {"error": error, "email": email, "next": rq.next}, status)
        if rq.current is not None:
            accounts.sign_out(rq.s, token=rq.request.cookies.get(SESSION_COOKIE), now=rq.now)
        rq.cookies[SESSION_COOKIE] = result.token
        rq.cookies[PRE_COOKIE] = None
        if result.stage == "totp":
            return self.back(rq, "/login/totp" + rq.next_query)
        if result.stage == "enrol":
            return self.back(rq, "/account/2fa" + rq.next_query)
        return self.back(rq, rq.next or "/queue")

    def login_totp(self, rq: Rq) -> Response:
        me = rq.me
        if me.session.stage != "totp":
            return self.back(rq, "/queue")
        if rq.request.method == "GET":
            return self.render(rq, "totp.html", {"error": None, "next": rq.next})
        result = accounts.second_factor(
            rq.s, me, code=rq.form.get("code", "")[:16], ip=self.client_ip(rq), now=rq.now, lifetime=self.lifetime
        )
        if result.outcome != "ok" or result.token is None:
            error = "login_limited" if result.outcome == "limited" else "totp_bad"
            status = 429 if error == "login_limited" else 200
            return self.render(rq, "totp.html", {"error": error, "next": rq.next}, status)
        rq.cookies[SESSION_COOKIE] = result.token
        return self.back(rq, rq.next or "/queue")

    def logout(self, rq: Rq) -> Response:
        accounts.sign_out(rq.s, token=rq.request.cookies.get(SESSION_COOKIE), now=rq.now)
        rq.cookies[SESSION_COOKIE] = None
        return self.back(rq, "/login", self.catalog("signed_out", rq.lang))

    def account(self, rq: Rq) -> Response:
        account = rq.me.account
        queue = notify.queue_name(rq.env.content.federation, account.queue_id, rq.lang)
        return self.render(rq, "account.html", {"account": account, "queue_name": queue})

    def enrol(self, rq: Rq) -> Response:
        me = rq.me
        if me.session.stage == "totp":
            return self.back(rq, "/login/totp")
        if me.account.totp_secret and me.session.stage == "full":
            return self.back(rq, "/account")
        secret = accounts.enrolment_secret(rq.s, me)
        error = None
        if rq.request.method == "POST":
            done = accounts.confirm_enrolment(
                rq.s, me, code=rq.form.get("code", "")[:16], now=rq.now, lifetime=self.lifetime
            )
            if done.outcome == "ok":
                if done.token is not None:
                    rq.cookies[SESSION_COOKIE] = done.token
                return self.back(rq, rq.next or "/queue", self.catalog("enrol_done", rq.lang))
            error = "totp_bad"
        uri = accounts.otpauth_uri(secret, me.account.email)
        qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
        return self.render(
            rq,
            "enrol.html",
            {
                "secret": secret,
                "uri": uri,
                "qr": qr,
                "error": error,
                "required": me.session.stage == "enrol",
                "next": rq.next,
            },
        )

    def password(self, rq: Rq) -> Response:
        me = rq.me
        error = None
        if rq.request.method == "POST":
            error = accounts.change_password(
                rq.s, me, old=rq.form.get("old", "")[:1024], new=rq.form.get("new", "")[:1024], now=rq.now
            )
            if error is None:
                return self.back(rq, rq.next or "/queue", self.catalog("pw_done", rq.lang))
        context = {"error": error, "must": me.account.must_change_password, "next": rq.next}
        return self.render(rq, "password.html", context)

    # -- reports -----------------------------------------------------------------------------

    def queue(self, rq: Rq) -> Response:
        actor = rq.me.actor
        tickets = reports.in_scope(rq.s, rq.env, actor)
        filters = {k: rq.query(k)[:100] for k in ("status", "category", "since", "until", "q")}
        counts = {status: sum(t.status == status for t in tickets) for status in (str(s) for s in Status)}
        shown = [t for t in tickets if matches(t, filters)]
        rows = [self._row(rq, t) for t in shown]
        rows.sort(key=lambda r: (r["due"] is None, r["due"] or rq.now, r["id"]))
        return self.render(
            rq,
            "queue.html",
            {
                "rows": rows,
                "filters": filters,
                "counts": counts,
                "total": len(tickets),
                "statuses": [
                    (str(s), STAFF_STATUS_LABELS[s].get(_content(rq.lang))) for s in Status if s in _OPEN_ORDER
                ],
                "categories": [(c.id, c.label.get(_content(rq.lang))) for c in CATEGORIES],
                "scope": self._scope_text(rq),
            },
        )

    def _scope_text(self, rq: Rq) -> str:
        """What the signed-in account sees, in words: its queue, its queue and those below, or all."""
        account = rq.me.account
        home = notify.queue_name(rq.env.content.federation, account.queue_id, rq.lang)
        if account.role == "admin":
            return self.catalog("scope_all", rq.lang)
        if account.role == "lead":
            return self.catalog("scope_subtree", rq.lang, queue=home)
        return home

    def _row(self, rq: Rq, ticket: Ticket) -> dict[str, Any]:
        federation = rq.env.content.federation
        due = due_time(ticket, federation, rq.env.calendar)
        category = CATEGORY_BY_ID.get(ticket.category)
        return {
            "id": ticket.id,
            "ticket": ticket,
            "status": STAFF_STATUS_LABELS[Status(ticket.status)].get(_content(rq.lang)),
            "status_id": ticket.status,
            "category": category.label.get(_content(rq.lang)) if category else ticket.category,
            "emergency": bool(category and category.emergency),
            "queue": notify.queue_name(federation, ticket.queue_id, rq.lang),
            "age": self._age(rq, rq.now - ticket.created_at),
            "due": due,
            "overdue": due is not None and due <= rq.now,
            "unclaimed": Status(ticket.status) in UNCLAIMED,
        }

    def _age(self, rq: Rq, delta: timedelta) -> str:
        minutes = max(0, int(delta.total_seconds() // 60))
        if minutes < 60:
            return self.catalog("age_minutes", rq.lang, n=minutes)
        if minutes < 48 * 60:
            return self.catalog("age_hours", rq.lang, n=minutes // 60)
        return self.catalog("age_days", rq.lang, n=minutes // 1440)

    def report(self, rq: Rq) -> Response:
        ticket_id = rq.path_int("id")
        actor = rq.me.actor
        view = reports.view(rq.s, rq.env, actor, ticket_id)
        if view is None:
            raise NotFound
        choices = reports.transfer_choices(rq.s, rq.env, actor, ticket_id) or []
        federation = rq.env.content.federation
        lang = _content(rq.lang)
        canned = rq.env.content.canned
        picked = next((c for c in canned if c.id == rq.query("canned")), None)
        user_lang = notify.user_lang(view.ticket)
        messages = []
        for m in view.thread:
            try:
                items = json.loads(m.attachments or "[]")
            except ValueError:
                items = []
            files = [
                {"kind": a.get("type"), "url": f"/reports/{ticket_id}/files/{m.id}/{n}"}
                for n, a in enumerate(items)
                if isinstance(a, dict) and a.get("file_id")
            ]
            messages.append({"m": m, "files": files})
        history = [
            {"e": e, "action": e.action, "who": e.actor_name or e.channel, "channel": e.channel} for e in view.history
        ]
        row = self._row(rq, view.ticket)
        return self.render(
            rq,
            "report.html",
            {
                "t": view.ticket,
                "row": row,
                "messages": messages,
                "history": history,
                "choices": [(q.id, notify.queue_name(federation, q.id, rq.lang)) for q in choices],
                "parent": federation.parent(view.ticket.queue_id),
                "parent_name": (
                    notify.queue_name(federation, p.id, rq.lang)
                    if (p := federation.parent(view.ticket.queue_id))
                    else ""
                ),
                "open": Status(view.ticket.status) not in (Status.RESOLVED, Status.CLOSED),
                "canned": [(c.id, c.title.get(lang)) for c in canned],
                "prefill": picked.text.get("en" if user_lang == "en" else "zh") if picked else "",
                "user_lang": f"lang_{user_lang}",
            },
        )

    def report_action(self, rq: Rq) -> Response:
        ticket_id = rq.path_int("id")
        name = str(rq.request.path_params.get("action", ""))
        actor = rq.me.actor
        text = rq.form.get("text", "")[:4000]
        if name == "escalate":
            outcome = reports.escalate_now(rq.s, rq.env, actor, ticket_id)
        elif name in ACTIONS:
            outcome = reports.act(
                rq.s, rq.env, actor, ACTIONS[name], ticket_id, text=text, target=rq.form.get("target", "")
            )
        else:
            raise NotFound
        if outcome.key == "not_available":
            raise NotFound
        message = html_to_text(outcome.text("en" if rq.lang == "en" else "zh-Hans"))
        still_mine = reports.authorize(rq.s, rq.env, actor, ticket_id) is not None
        return self.back(rq, f"/reports/{ticket_id}" if still_mine else "/queue", message)

    def attachment(self, rq: Rq) -> Response:
        ticket_id, msg_id, n = rq.path_int("id"), rq.path_int("msg"), rq.path_int("n")
        view = reports.view(rq.s, rq.env, rq.me.actor, ticket_id)
        message = next((m for m in view.thread if m.id == msg_id), None) if view else None
        if message is None:
            raise NotFound
        try:
            items = json.loads(message.attachments or "[]")
        except ValueError:
            raise NotFound from None
        if not isinstance(items, list) or n >= len(items) or not isinstance(items[n], dict):
            raise NotFound
        item = items[n]
        try:
            fetched = self.files.get(str(item.get("file_id", "")), str(item.get("type", "document")))
        except FileUnavailable:
            return self.render(rq, "message.html", {"title": "not_found_title", "body": "file_unavailable"}, 503)
        disposition = "inline" if fetched.inline else "attachment"
        filename = quote(fetched.filename)
        headers = {
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{filename}",
            "Cache-Control": "private, no-store",  # no copy left in a shared computer's cache
        }
        return Response(fetched.content, media_type=fetched.content_type, headers=headers)

    # -- join requests -----------------------------------------------------------------------

    def joins(self, rq: Rq) -> Response:
        pending = directory.pending_in_scope(rq.s, rq.env, rq.me.actor)
        assoc = rq.env.content.directory.by_id
        ui: UiLang = "en" if rq.lang == "en" else "zh-Hans"
        rows = [
            {
                "r": r,
                "association": directory_render.name(a, ui) if (a := assoc.get(r.association_id)) else r.association_id,
            }
            for r in pending
        ]
        return self.render(rq, "joins.html", {"rows": rows})

    def join_decide(self, rq: Rq) -> Response:
        request_id = rq.path_int("id")
        verdict = str(rq.request.path_params.get("verdict", ""))
        if verdict not in ("approve", "decline"):
            raise NotFound
        decision = directory.decide(rq.s, rq.env, rq.me.actor, request_id, verdict == "approve")
        if not decision.ok and decision.key == "officer_only":
            raise NotFound
        key = "join_already" if not decision.ok else "join_approved" if verdict == "approve" else "join_declined"
        return self.back(rq, "/joins", self.catalog(key, rq.lang, id=request_id))

    # -- the audit log -----------------------------------------------------------------------

    def audit_log(self, rq: Rq) -> Response:
        filters = {k: rq.query(k)[:100] for k in ("person", "channel", "action", "since", "until")}
        since, until = parse_day(filters["since"]), parse_day(filters["until"])
        rows = audit.entries(
            rq.s,
            channel=filters["channel"] or None,
            action=filters["action"] or None,
            actor_name=filters["person"] or None,
            since=since,
            until=until + timedelta(days=1) if until else None,
            limit=AUDIT_LIMIT,
        )
        return self.render(
            rq,
            "audit.html",
            {
                "rows": rows,
                "filters": filters,
                "channels": ("telegram", "console", "cli", "system"),
                "limit": AUDIT_LIMIT,
            },
        )

    # -- scorecard and export ---------------------------------------------------------------

    def _card(self, rq: Rq) -> tuple[Scorecard, str, int, list[str] | None]:
        """The scorecard the query asks for, within the account's scope (another queue: 404)."""
        federation = rq.env.content.federation
        scope = reports.scope_queues(rq.env, rq.me.actor)
        picked = rq.query("queue")[:64]
        if picked and picked not in (scope if scope is not None else federation.by_id):
            raise NotFound
        raw = rq.query("weeks")
        weeks = int(raw) if raw in {str(n) for n in WEEKS} else 12
        queues = [picked] if picked else scope
        card = scorecard(rq.s, queues=queues, weeks=weeks, now=rq.now, federation=federation, calendar=rq.env.calendar)
        return card, picked, weeks, scope

    def scorecard_page(self, rq: Rq) -> Response:
        federation = rq.env.content.federation
        card, picked, weeks, scope = self._card(rq)
        names = sc.labels(rq.lang)
        choices = scope if scope is not None else [q.id for q in federation.queues]

        def name(queue_id: str) -> str:
            return notify.queue_name(federation, queue_id, rq.lang)

        totals = [(c, names[c], show_cell(card.totals, c)) for c in sc.COLUMNS]
        weekly = [
            {"start": w.start.isoformat(), "partial": w.partial, "cells": [show_cell(w.figures, c) for c in sc.COLUMNS]}
            for w in card.weeks
        ]
        by_queue = [
            {"id": q, "name": name(q), "cells": [show_cell(f, c) for c in sc.COLUMNS]}
            for q, f in card.by_queue
            if not picked
        ]
        # weekly_chart_svg escapes every text it writes (html.escape) and the rest are numbers and
        # fixed attributes: it is safe to include as markup.
        chart = Markup(sc.weekly_chart_svg(card, lang=rq.lang))  # noqa: S704 (escaped there; tested)
        query = urlencode({k: v for k, v in (("queue", picked), ("weeks", str(weeks))) if v})
        return self.render(
            rq,
            "scorecard.html",
            {
                "scope": name(picked) if picked else self._scope_text(rq),
                "totals": totals,
                "headers": [names[c] for c in sc.COLUMNS],
                "weekly": weekly,
                "by_queue": by_queue if scope is None or len(scope) > 1 else [],
                "chart": chart,
                "choices": [(q, name(q)) for q in choices] if len(choices) > 1 or scope is None else [],
                "picked": picked,
                "weeks": weeks,
                "weeks_choices": WEEKS,
                "csv_url": f"/scorecard.csv?{query}",
                "start": card.start.astimezone(BEIJING).date().isoformat(),
                "end": card.end.astimezone(BEIJING).date().isoformat(),
            },
        )

    def scorecard_download(self, rq: Rq) -> Response:
        card, picked, weeks, _ = self._card(rq)
        day = rq.now.astimezone(BEIJING).date().isoformat()
        filename = f"scorecard-{picked or rq.me.account.queue_id}-{weeks}w-{day}.csv"
        return Response(
            sc.scorecard_csv(card, lang=rq.lang),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
        )

    def _export_form(self, rq: Rq, error: str | None = None, status: int = 200) -> Response:
        today = rq.now.astimezone(BEIJING).date()
        values = {
            "from": rq.query("from")[:10] or (today - timedelta(days=29)).isoformat(),
            "to": rq.query("to")[:10] or today.isoformat(),
            "format": rq.query("format") if rq.query("format") in EXPORT_TYPES else "xlsx",
        }
        context = {"values": values, "error": error, "max_days": MAX_EXPORT_DAYS, "scope": self._scope_text(rq)}
        return self.render(rq, "export.html", context, status)

    def export_page(self, rq: Rq) -> Response:
        return self._export_form(rq)

    def export_download(self, rq: Rq) -> Response:
        try:
            start, end = date.fromisoformat(rq.query("from")[:10]), date.fromisoformat(rq.query("to")[:10])
        except ValueError:
            return self._export_form(rq, "export_bad_date", 400)
        if end < start:
            return self._export_form(rq, "export_reversed", 400)
        if (end - start).days + 1 > MAX_EXPORT_DAYS:
            return self._export_form(rq, "export_too_long", 400)
        kind = rq.query("format")
        if kind not in EXPORT_TYPES:
            return self._export_form(rq, "export_bad_format", 400)
        rows = export.export_rows(rq.s, queues=reports.scope_queues(rq.env, rq.me.actor), start=start, end=end)
        data = export.to_xlsx(rows, lang=rq.lang) if kind == "xlsx" else export.to_csv(rows, lang=rq.lang)
        filename = f"reports-{start.isoformat()}-{end.isoformat()}.{kind}"
        return Response(
            data,
            media_type=EXPORT_TYPES[kind],
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
        )


WEEKS = (4, 12, 26)
MAX_EXPORT_DAYS = 366
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def show_cell(figures: Figures, column: str) -> str:
    """A figure as the page shows it: as in the CSV, but the share reopened as a percentage, — for none."""
    if column == "reopened_share":
        share = figures.reopened_share
        return f"{share * 100:.0f}%" if share is not None else "—"
    return sc.cell(figures, column) or "—"


_OPEN_ORDER = (Status.NEW, Status.REOPENED, Status.CLAIMED, Status.WAITING)


def _content(lang: Lang) -> Literal["zh", "en"]:
    return "en" if lang == "en" else "zh"


# Pages not worth coming back to after signing in (the queue is where one lands anyway).
_SIGN_IN_PAGES = frozenset({"/", "/queue", "/login", "/login/totp", "/account/2fa", "/account/password", "/logout"})


def safe_next(target: str) -> bool:
    """A path on this site (never another host: no ``//host``, no backslashes or control characters)."""
    return target.startswith("/") and not target.startswith("//") and not any(c in target for c in "\\\r\n\t")


def due_time(ticket: Ticket, federation: Any, calendar: WorkCalendar) -> datetime | None:
    """When the ticket must be claimed by: its stored deadline, or one computed by the SLA rules
    for an unclaimed ticket that has none. Claimed tickets have no deadline."""
    if ticket.escalate_at is not None:
        return ticket.escalate_at
    queue = federation.by_id.get(ticket.queue_id)
    if Status(ticket.status) in UNCLAIMED and queue is not None:
        return escalation_deadline(ticket.created_at, queue.sla_hours, calendar)
    return None


def parse_day(value: str) -> datetime | None:
    """A date typed in a filter (YYYY-MM-DD, Beijing time) as the UTC moment its day starts."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime.combine(day, time(0, 0), tzinfo=BEIJING).astimezone(UTC)


def matches(ticket: Ticket, filters: Mapping[str, str]) -> bool:
    """Whether a ticket passes the queue page's filters (status, category, filed between, text)."""
    if filters.get("status") and ticket.status != filters["status"]:
        return False
    if filters.get("category") and ticket.category != filters["category"]:
        return False
    since, until = parse_day(filters.get("since", "")), parse_day(filters.get("until", ""))
    if since and ticket.created_at < since:
        return False
    if until and ticket.created_at >= until + timedelta(days=1):
        return False
    needle = filters.get("q", "").strip().casefold().lstrip("#")
    if needle:
        haystack = f"{ticket.id} {ticket.description} {ticket.place} {ticket.queue_id}".casefold()
        return needle in haystack
    return True


def build_console(
    settings: Settings,
    engine: Engine,
    live: LiveFaq,
    *,
    clock: Callable[[], datetime] = utcnow,
    files: TelegramFiles | None = None,
) -> Starlette:
    """The ASGI application (the composition root of ``qiaobot web`` and of the tests)."""
    return Console(settings, engine, live, clock=clock, files=files).app()
