"""Typed settings from the environment and an optional ``.env`` file, read once at start."""

from __future__ import annotations

import json
import logging
import re
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.db.engine import normalize_url

DEFAULT_API_URL = "https://api.telegram.org/bot"


def default_faq_dir() -> Path:
    """The FAQ shipped inside the package (``faq/`` of the repository): used when FAQ_DIR is not set."""
    return Path(str(files("bot.content").joinpath("default_faq")))


class ConfigError(Exception):
    """Settings are missing or invalid; the message says which and how to fix them."""


class Settings(BaseSettings):
    """Everything the bot reads from its environment. See the README's configuration table."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str = DEFAULT_API_URL
    database_url: str = "sqlite:///qiaobot.db"
    faq_dir: Path = Field(default_factory=lambda: default_faq_dir())
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    log_level: str = "INFO"
    log_format: str = "text"
    sla_work_hours: str = "09:00-12:00,13:30-17:30"  # SLA_WORK_HOURS, Beijing time, on China's working days
    log_personal_data: bool = False  # LOG_PERSONAL_DATA: message texts may appear in DEBUG logs
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1:8080"
    health_listen: str | None = None
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_max_overflow: int = Field(default=5, ge=0, le=100)
    process_concurrency: int = Field(default=8, ge=1, le=64)  # chats processed at once (PostgreSQL)
    flood_messages: int = Field(default=20, ge=2, le=10_000)  # more than this many updates…
    flood_seconds: float = Field(default=10.0, gt=0, le=3600)  # …in this many seconds: a chat is flooding
    # Telegram's limits, one budget for every process of the bot (kept in the database):
    send_per_second: int = Field(default=30, ge=1, le=1000)  # SEND_PER_SECOND: all chats together
    send_chat_burst: int = Field(default=3, ge=1, le=20)  # SEND_CHAT_BURST: per chat, this many in as many seconds
    send_group_per_minute: int = Field(default=20, ge=1, le=1000)  # SEND_GROUP_PER_MINUTE: per group
    # Notices to staff outside Telegram (faq/federations.yaml queues[].notify): e-mail through SMTP, and
    # links to the web console in them.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = True
    console_url: str | None = None  # e.g. https://console.example.org (links: CONSOLE_URL/reports/<n>)
    # The staff web console (`qiaobot web`).
    web_listen: str = "127.0.0.1:8000"
    web_secure_cookies: bool = False  # WEB_SECURE_COOKIES=1 behind https: cookies only over TLS
    web_session_minutes: int = Field(default=480, ge=5, le=7 * 24 * 60)  # a sign-in lasts this long
    web_files_dir: Path = Path("console-files")  # attachments fetched from Telegram, cached here
    web_trusted_proxy: bool = False  # WEB_TRUSTED_PROXY=1: take the client address from X-Forwarded-For

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            bad = [p for p in parts if not p.lstrip("-").isdigit()]
            if bad:
                raise ValueError(f"ADMIN_IDS must be numeric Telegram user ids separated by commas; not ids: {bad}")
            ids = frozenset(int(p) for p in parts)
            if any(i <= 0 for i in ids):
                raise ValueError("ADMIN_IDS must be positive Telegram user ids (a user's id, not a group's)")
            return ids
        return value

    @field_validator("database_url")
    @classmethod
    def _normalize_db(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("DATABASE_URL is empty")
        try:
            url = make_url(normalize_url(value))
            _ = url.port  # parses the port: "host:notaport" fails here, not later
        except (ArgumentError, ValueError):
            raise ValueError(
                f"{value!r} is not a database URL; use e.g. sqlite:///qiaobot.db or postgresql://user:pw@host/db"
            ) from None
        return normalize_url(value)

    @field_validator("telegram_api_url")
    @classmethod
    def _check_api(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("TELEGRAM_API_URL must start with http:// or https:// (e.g. https://api.telegram.org/bot)")
        return value

    @field_validator("console_url")
    @classmethod
    def _check_console(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")) or not urlparse(value).hostname:
            raise ValueError("CONSOLE_URL must be the console's address, e.g. https://console.example.org")
        return value

    @field_validator("smtp_host", "smtp_user", "smtp_from")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() if value and value.strip() else None

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("sla_work_hours")
    @classmethod
    def _check_work_hours(cls, value: str) -> str:
        from bot.reports.rules import parse_periods  # the one parser of working periods

        parse_periods(value)
        return value

    @field_validator("log_format")
    @classmethod
    def _check_format(cls, value: str) -> str:
        if value.strip().lower() not in {"text", "json"}:
            raise ValueError("LOG_FORMAT must be text or json")
        return value.strip().lower()

    @field_validator("webhook_listen", mode="before")
    @classmethod
    def _default_listen(cls, value: Any) -> Any:
        return "127.0.0.1:8080" if value is None or (isinstance(value, str) and not value.strip()) else value

    @field_validator("web_listen", mode="before")
    @classmethod
    def _default_web_listen(cls, value: Any) -> Any:
        return "127.0.0.1:8000" if value is None or (isinstance(value, str) and not value.strip()) else value

    @field_validator("webhook_listen", "health_listen", "web_listen")
    @classmethod
    def _check_listen(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        host, _, port = value.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{value!r} must be host:port, e.g. 127.0.0.1:8080")
        return value.strip()

    def require_webhook(self) -> tuple[str, str]:
        """(public URL, secret) for webhook mode, or a ConfigError that says what is missing."""
        url = (self.webhook_url or "").strip()
        secret = self.webhook_secret.get_secret_value().strip() if self.webhook_secret else ""
        problems = []
        local = url.startswith(("http://127.", "http://localhost"))
        if not (url.startswith("https://") or local) or not urlparse(url).hostname:
            problems.append(
                "WEBHOOK_URL must be the public https:// URL Telegram posts to (e.g. https://bot.example.org/tg)"
            )
        if not (1 <= len(secret) <= 256) or not all(c.isalnum() or c in "_-" for c in secret):
            problems.append(
                "WEBHOOK_SECRET is required: 1–256 characters of A–Z, a–z, 0–9, _ and - "
                "(e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        if "replace" in secret.lower():
            problems.append("WEBHOOK_SECRET still has the example value from .env.example: generate your own")
        if problems:
            raise ConfigError("webhook mode needs:\n  " + "\n  ".join(problems))
        return url, secret

    def smtp_sender(self) -> str:
        """The From address of notices: SMTP_FROM, else SMTP_USER if it is an address."""
        if self.smtp_from:
            return self.smtp_from
        if self.smtp_user and "@" in self.smtp_user:
            return self.smtp_user
        return f"qiaobot@{self.smtp_host or 'localhost'}"

    @property
    def telegram_file_url(self) -> str:
        """The file download base that matches ``telegram_api_url`` (…/bot → …/file/bot)."""
        base = self.telegram_api_url.rstrip("/")
        return base[: -len("bot")] + "file/bot" if base.endswith("/bot") else base + "/file/bot"

    def require_token(self) -> str:
        token = self.bot_token.get_secret_value().strip() if self.bot_token else ""
        if "replace" in token.lower():
            raise ConfigError("BOT_TOKEN still has the example value from .env.example: put the token from @BotFather")
        if not token or ":" not in token:
            raise ConfigError(
                "BOT_TOKEN is not set (or is not a token like 123456:ABC…). Create a bot with @BotFather "
                "in Telegram, then set BOT_TOKEN in the environment or in a .env file. To try the bot "
                "without a token, run `qiaobot chat`."
            )
        return token


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings once; raise :class:`ConfigError` with readable messages."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]).upper() or "settings"
            msg = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"  {name}: {msg}")
        raise ConfigError("invalid configuration:\n" + "\n".join(lines)) from None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event (and the exception, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


TOKEN_PATTERN = re.compile(r"(?<![0-9])[0-9]{3,}:[A-Za-z0-9_-]{20,}")  # also inside ".../bot123:AA..."


class RedactTokens(logging.Filter):
    """No bot token in any log line, whatever logged it (URLs of Bot API requests carry it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if TOKEN_PATTERN.search(message):
            record.msg, record.args = TOKEN_PATTERN.sub("<token>", message), ()
        if record.exc_text and TOKEN_PATTERN.search(record.exc_text):
            record.exc_text = TOKEN_PATTERN.sub("<token>", record.exc_text)
        return True


def configure_logging(level: str, fmt: str = "text", *, personal_data: bool = False) -> None:
    """Logs never carry the bot token. They carry no message text, names or phone numbers either —
    at any level — unless LOG_PERSONAL_DATA=true: only then do python-telegram-bot's and httpx's
    request dumps (which contain what people wrote) appear at DEBUG."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    dumps = logging.DEBUG if level == "DEBUG" and personal_data else logging.WARNING
    for noisy in ("httpx", "httpcore", "telegram", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(dumps)
    # "skipped: maximum number of running instances reached" is the outbox job overlapping itself.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if level == "DEBUG" else logging.ERROR)
