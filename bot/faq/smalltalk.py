"""Greetings and thanks deserve a friendly word, not "I cannot answer that"."""

from __future__ import annotations

from typing import Literal

from bot.text.normalize import normalize

SmallTalk = Literal["greeting", "thanks", "bye"]

# A message made only of these (in any order, with filler words) is small talk. Chinese phrases are
# matched inside a run of characters, English ones as whole words; Traditional is folded first.
_ZH: dict[SmallTalk, tuple[str, ...]] = {
    "greeting": (
        "你好吗",
        "你们好",
        "大家好",
        "你好",
        "您好",
        "哈喽",
        "哈啰",
        "哈罗",
        "嗨",
        "在吗",
        "在不在",
        "有人吗",
        "早上好",
        "上午好",
        "中午好",
        "下午好",
        "晚上好",
        "早安",
        "早",
    ),
    "thanks": ("非常感谢", "谢谢你", "谢谢您", "谢谢", "多谢", "感谢", "谢啦", "辛苦了"),
    "bye": ("再见", "拜拜", "晚安"),
}
_EN: dict[SmallTalk, frozenset[str]] = {
    "greeting": frozenset("hi hello hey hiya hallo greetings morning afternoon evening good there".split()),
    "thanks": frozenset("thanks thank you thx ty many much very a lot".split()),
    "bye": frozenset("bye goodbye see you later good night".split()),
}
_FILLER_ZH = ("机器人", "请问", "小助手", "助手", "啊", "呀", "哦", "吗", "呢", "吧", "了", "的")
_FILLER_EN = frozenset("bot robot dear all everyone ok okay so".split())


def classify(text: str) -> SmallTalk | None:
    """The kind of small talk a whole message is, or None if it says more than that."""
    norm = normalize(text)
    if not norm:
        return None
    for kind in ("thanks", "bye", "greeting"):
        if _only(norm, kind):
            return kind
    return None


def _only(norm: str, kind: SmallTalk) -> bool:
    found = False
    for word in norm.split():
        if word.isascii():
            if word in _EN[kind]:
                found = found or word not in {"good", "there", "you", "a", "lot", "much", "very", "many"}
            elif word not in _FILLER_EN:
                return False
            continue
        rest = word
        for phrase in _ZH[kind]:
            if phrase in rest:
                found = True
                rest = rest.replace(phrase, "")
        for filler in _FILLER_ZH:
            rest = rest.replace(filler, "")
        if rest:
            return False
    return found
