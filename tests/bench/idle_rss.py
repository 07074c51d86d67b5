"""Idle memory of the bot with the shipped content: build the Application as ``qiaobot run`` does
(content loaded, indexes built, SQLite database opened), answer one question, print the RSS.

    python -m tests.bench.idle_rss            # issue 12: ≤ 120 MiB
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def main() -> None:
    from bot.app import build_application
    from bot.config import Settings
    from bot.messaging import local
    from bot.messaging.localapi import LOCAL_TOKEN, LocalBotApi, UpdateFactory

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp}/idle.db")  # type: ignore[call-arg]
        api = LocalBotApi()
        app = build_application(settings, token=LOCAL_TOKEN, request=api)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        user = {"id": 4242, "is_bot": False, "first_name": "Mei", "language_code": "zh-hans"}
        for text in ("护照过期了怎么办", "/find 茶陵", "how do I renew my passport"):
            await local.feed(app, UpdateFactory().message(user, text), deliver_now=True)
        heavy = sorted(m for m in ("pypinyin", "jieba", "numpy", "opencc", "rapidfuzz", "yaml") if m in sys.modules)
        print(f"idle RSS with shipped content: {rss_mib():.1f} MiB (target ≤ 120)")
        print(f"loaded: {', '.join(heavy)}; pypinyin imported: {'pypinyin' in sys.modules}")
        await app.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
