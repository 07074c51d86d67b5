"""Text normalisation and feature extraction shared by every matcher (FAQ, gazetteer, directory).

``normalize`` folds what should not matter: width and compatibility forms (NFKC), Traditional vs
Simplified characters (OpenCC t2s), case, punctuation and runs of white space. The original text
is kept by callers for display.

``features`` turns normalised text into weighted retrieval features: CJK character unigrams and
bigrams, Latin words (lightly stemmed) and their character trigrams, so that paraphrases and typos
still share features with the stored phrasings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from bot.text.script import is_cjk_char, to_simplified
from bot.text.synonyms import canonical_en, canonical_zh

_DROP_CATEGORIES = frozenset({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Cc", "Cf"})

# Multi-character Chinese function phrases that carry no topic. Removing them splits the text
# into segments, so no bigram is formed across the gap. Single characters are never removed
# here (会 is part of 协会, 有 of 有效): inverse document frequency takes care of those.
ZH_STOP_PHRASES: tuple[str, ...] = (
    "请问一下",
    "请问",
    "请教",
    "你好",
    "您好",
    "谢谢",
    "怎么办",
    "怎么样",
    "怎么",
    "怎样",
    "如何",
    "什么",
    "哪里",
    "哪儿",
    "哪个",
    "可以",
    "能不能",
    "可不可以",
    "是不是",
    "有没有",
    "能否",
    "是否",
    "需要",
    "应该",
    "我们",
    "你们",
    "他们",
    "我的",
    "我想",
    "想要",
    "一下",
    "一些",
    "这个",
    "那个",
)
_ZH_STOP_SINGLE = frozenset("的吗呢吧啊呀哦嘛么")

EN_STOPWORDS = frozenset(
    """
    a an the and or but if of to in on at by for from with about into over as is are was were be been
    being am do does did doing have has had having i me my mine we us our you your he him his she her it
    its they them their this that these those there here what which who whom whose when where why how
    can could should would will shall may might must need needs want wants get got please hi hello
    thanks thank help so not no yes any some all just also very much many than then too there's what's
    im ive dont cant wont isnt doesnt anyone someone know tell t s m ve re ll d
    """.split()
)

_SPACE_RE = re.compile(r"\s+")
_MAX_NORMALIZED = 600


def normalize(text: str, *, limit: int = _MAX_NORMALIZED) -> str:
    """Fold width, script, case, punctuation and spacing; keep at most ``limit`` characters."""
    text = unicodedata.normalize("NFKC", text[: limit * 2])
    text = to_simplified(text).casefold()
    chars = [" " if unicodedata.category(ch) in _DROP_CATEGORIES else ch for ch in text]
    return _SPACE_RE.sub(" ", "".join(chars)).strip()[:limit]


def _runs(text: str) -> Iterator[tuple[bool, str]]:
    """Split normalised text into maximal runs of CJK and of other non-space characters."""
    buf: list[str] = []
    cjk_run = False
    for ch in text:
        if ch.isspace():
            if buf:
                yield cjk_run, "".join(buf)
                buf = []
            continue
        cjk = is_cjk_char(ch)
        if buf and cjk != cjk_run:
            yield cjk_run, "".join(buf)
            buf = []
        cjk_run = cjk
        buf.append(ch)
    if buf:
        yield cjk_run, "".join(buf)


def _zh_segments(run: str) -> list[str]:
    run = canonical_zh(run)
    for phrase in ZH_STOP_PHRASES:
        if phrase in run:
            run = run.replace(phrase, " ")
    run = "".join(" " if ch in _ZH_STOP_SINGLE else ch for ch in run)
    return run.split()


def stem(word: str) -> str:
    """A deliberately tiny English stemmer: enough for plural and -ing/-ed forms to meet."""
    for suffix, min_len in (("ies", 5), ("ing", 6), ("ed", 5), ("es", 5), ("s", 4)):
        if word.endswith(suffix) and len(word) >= min_len:
            if suffix == "ies":
                return word[:-3] + "y"
            if suffix == "es" and not word.endswith(("ses", "xes", "ches", "shes")):
                return word[:-1]
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Content words of normalised text: Latin words (stemmed) and CJK segments, stopwords removed."""
    out: list[str] = []
    for cjk, run in _runs(text):
        if cjk:
            out.extend(_zh_segments(run))
        elif run not in EN_STOPWORDS:
            out.append(canonical_en(stem(run)))
    return out


def features(text: str) -> dict[str, float]:
    """Weighted retrieval features of normalised text (term frequencies, before IDF)."""
    feats: dict[str, float] = {}

    def add(key: str, weight: float) -> None:
        feats[key] = feats.get(key, 0.0) + weight

    for cjk, run in _runs(text):
        if cjk:
            for seg in _zh_segments(run):
                for i, ch in enumerate(seg):
                    add(ch, 0.5)
                    if i + 1 < len(seg):
                        add(seg[i : i + 2], 1.0)
        elif run not in EN_STOPWORDS:
            word = canonical_en(stem(run))
            add("w:" + word, 1.0)
            if len(word) >= 4 and not word.isdigit():
                padded = f"<{word}>"
                for i in range(len(padded) - 2):
                    add("t:" + padded[i : i + 3], 0.25)
    return feats
