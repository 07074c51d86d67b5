"""Everyday variants folded onto one word before matching, so paraphrases share features.

Applied to stored phrasings and to queries alike (never to what is displayed). Keep the lists
short and unambiguous: a variant must mean the canonical word in every FAQ context.
"""

from __future__ import annotations

ZH: dict[str, tuple[str, ...]] = {
    "丢失": ("不见了", "弄丢了", "弄丢", "丢掉了", "丢掉", "遗失", "丢了", "搞丢"),
    "被盗": ("被偷了", "被偷", "被抢了", "被抢", "偷走"),
    "孩子": ("小孩子", "小孩", "子女", "儿子", "女儿", "小朋友", "儿女"),
    "上学": ("读书", "念书", "入学", "就读", "插班", "上课"),
    "房子": ("房屋", "祖屋", "老屋", "住房", "宅子", "老房子", "房产"),
    "老家": ("家乡", "故乡", "原籍地", "祖籍地", "家里那边"),
    "联系": ("联络", "联系上"),
    "结婚": ("领证", "成婚", "娶", "嫁"),
    "捐款": ("捐钱", "捐赠", "捐助", "捐献"),
    "去世": ("过世", "去世了", "离世", "死了"),
    "律师": ("法律顾问",),
    "大使馆": ("使馆", "领事馆", "使领馆", "领馆", "总领馆"),
}

EN: dict[str, tuple[str, ...]] = {
    "child": ("kid", "son", "daughter", "children", "childs"),
    "lost": ("lose", "missing", "misplaced"),
    "stolen": ("steal", "robbed", "rob", "stole"),
    "house": ("flat", "apartment", "property"),
    "marry": ("marriage", "married", "wedding", "wed"),
    "lawyer": ("attorney", "solicitor"),
    "embassy": ("consulate", "consular"),
    "die": ("died", "passed", "death", "dead"),
    "donate": ("donation", "donating", "donor"),
}

_ZH_PAIRS = sorted(((v, k) for k, vs in ZH.items() for v in vs), key=lambda p: -len(p[0]))
EN_CANON = {v: k for k, vs in EN.items() for v in vs}


def canonical_zh(run: str) -> str:
    """Replace Chinese variants (longest first) with their canonical word."""
    for variant, canon in _ZH_PAIRS:
        if variant in run:
            run = run.replace(variant, canon)
    return run


def canonical_en(word: str) -> str:
    return EN_CANON.get(word, word)
