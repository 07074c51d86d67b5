"""Attachments of a report, fetched from Telegram (``getFile`` then the file URL) and cached on
disk, so staff who cannot reach Telegram still see them and each file is fetched once."""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.config import Settings

INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
MAX_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download


class FileUnavailable(Exception):
    """Telegram cannot give the file now (no token, an outage, a file too big)."""


@dataclass(frozen=True)
class FetchedFile:
    content: bytes
    content_type: str
    filename: str

    @property
    def inline(self) -> bool:
        """Shown in the page (a photo); everything else is only ever downloaded."""
        return self.content_type in INLINE_TYPES


def _cached(cache: Path, file_id: str) -> tuple[Path, Path]:
    key = hashlib.sha256(file_id.encode()).hexdigest()
    return cache / f"{key}.bin", cache / f"{key}.json"


def evict(cache: Path, file_ids: Iterable[str]) -> int:
    """Delete the cached copies of these files (a person forgotten); returns how many were held."""
    held = 0
    for file_id in file_ids:
        data, meta = _cached(cache, file_id)
        held += data.exists()
        data.unlink(missing_ok=True)
        meta.unlink(missing_ok=True)
    return held


class TelegramFiles:
    def __init__(self, settings: Settings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.cache = Path(settings.web_files_dir)
        self.transport = transport

    def get(self, file_id: str, kind: str) -> FetchedFile:
        data, meta = _cached(self.cache, file_id)
        if data.exists() and meta.exists():
            info = json.loads(meta.read_text(encoding="utf-8"))
            return FetchedFile(data.read_bytes(), str(info["type"]), str(info["name"]))
        fetched = self._download(file_id, kind)
        self.cache.mkdir(parents=True, exist_ok=True)
        tmp = data.with_suffix(".tmp")
        tmp.write_bytes(fetched.content)
        tmp.replace(data)
        meta.write_text(json.dumps({"type": fetched.content_type, "name": fetched.filename}), encoding="utf-8")
        return fetched

    def _download(self, file_id: str, kind: str) -> FetchedFile:
        token = self.settings.bot_token.get_secret_value().strip() if self.settings.bot_token else ""
        if not token:
            raise FileUnavailable("no BOT_TOKEN")
        api = self.settings.telegram_api_url.rstrip("/")
        try:
            with httpx.Client(transport=self.transport, timeout=20) as client:
                answer = client.post(f"{api}{token}/getFile", data={"file_id": file_id})
                body = answer.json()
                path = body.get("result", {}).get("file_path") if isinstance(body, dict) else None
                if answer.status_code != 200 or not isinstance(path, str) or not path:
                    raise FileUnavailable(f"getFile answered {answer.status_code}")
                got = client.get(f"{self.settings.telegram_file_url.rstrip('/')}{token}/{path}")
        except (httpx.HTTPError, ValueError) as exc:
            raise FileUnavailable(type(exc).__name__) from None
        if got.status_code != 200 or len(got.content) > MAX_BYTES:
            raise FileUnavailable(f"download answered {got.status_code}")
        name = path.rsplit("/", 1)[-1] or "file"
        guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if kind == "photo" and guessed not in INLINE_TYPES:
            guessed = "image/jpeg"  # Telegram stores photos as JPEG
        return FetchedFile(got.content, guessed, name)
