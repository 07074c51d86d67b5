"""The console's catalogue: Simplified Chinese by default, English on request. Plain text (the
templates escape it), read once when the application is built."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import yaml

Lang = Literal["zh-Hans", "en"]
LANGS: tuple[Lang, ...] = ("zh-Hans", "en")


def as_lang(value: str | None) -> Lang | None:
    value = (value or "").strip().lower()
    if value in ("en", "en-us", "en-gb", "english"):
        return "en"
    if value in ("zh", "zh-hans", "zh-cn", "cn"):
        return "zh-Hans"
    return None


@dataclass(frozen=True)
class Catalog:
    texts: dict[str, dict[str, str]]

    @classmethod
    def load(cls) -> Catalog:
        raw = yaml.safe_load(resources.files("bot.console").joinpath("messages.yaml").read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("bot/console/messages.yaml must be a mapping")
        texts: dict[str, dict[str, str]] = {}
        for key, value in raw.items():
            if not isinstance(value, dict) or not {"zh", "en"} <= set(value):
                raise ValueError(f"bot/console/messages.yaml: {key} needs zh and en")
            texts[str(key)] = {"zh-Hans": str(value["zh"]), "en": str(value["en"])}
        return cls(texts)

    def __call__(self, key: str, lang: Lang, /, **values: Any) -> str:
        text = self.texts[key][lang]
        return text.format(**values) if values else text
