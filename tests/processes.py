"""Start and stop real `qiaobot run` processes against the HTTP Bot API stand-in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import FAQ_DIR


def start_bot(workdir: Path, port: int, *args: str, **env: str) -> subprocess.Popen[bytes]:
    """`python -m bot run [args]` in ``workdir`` with its log in ``workdir/bot.log``."""
    environment = {
        **os.environ,
        "BOT_TOKEN": "123456:TEST-TOKEN",
        "TELEGRAM_API_URL": f"http://127.0.0.1:{port}/bot",
        "DATABASE_URL": f"sqlite:///{workdir / 'bot.db'}",
        "FAQ_DIR": str(FAQ_DIR),
        "LOG_LEVEL": "INFO",
        **env,
    }
    log = (workdir / "bot.log").open("ab")
    command = [sys.executable, "-m", "bot", "run", *args]
    return subprocess.Popen(command, cwd=workdir, env=environment, stdout=log, stderr=log)


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGINT) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")
