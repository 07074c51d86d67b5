"""Greetings and thanks deserve a friendly word, not "I cannot answer that"."""

from __future__ import annotations

from typing import Literal

from bot.core.normalize import normalize

SmallTalk = Literal["greeting", "thanks", "bye"]

_PHRASES: dict[SmallTalk, frozenset[str]] = {
    "greeting": frozenset(["你好", "您好", "你好呀", "你好啊", "在吗", "在不在", "有人吗", "哈喽", "嗨", "早",
                           "早上好", "早安", "上午好", "中午好", "下午好", "晚上好", "hi", "hello", "hey", "hiya",
                           "good morning", "good afternoon", "good evening", "hello there", "hi there", "greetings"]),
    "thanks": frozenset(["谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "非常感谢", "谢啦", "thanks", "thank you",
                         "thank you very much", "thx", "ty", "many thanks", "好的谢谢", "ok thanks", "ok thank you"]),
    "bye": frozenset(["再见", "拜拜", "bye", "goodbye", "bye bye", "see you", "晚安", "good night"]),
}  # fmt: skip


def classify(text: str) -> SmallTalk | None:
    """The kind of small talk a whole message is, or None if it says more than that."""
    norm = normalize(text)
    for kind, phrases in _PHRASES.items():
        if norm in phrases:
            return kind
    return None
