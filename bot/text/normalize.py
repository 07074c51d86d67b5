"""Text normalisation and feature extraction shared by every matcher (FAQ, gazetteer, directory).

``normalize`` folds what should not matter: width and compatibility forms (NFKC), Traditional vs
Simplified characters (OpenCC t2s), case, punctuation and runs of white space. The original text
is kept by callers for display.

``features`` turns normalised text into weighted retrieval features: CJK character unigrams and
bigrams, the toneless pinyin of each bigram (a pinyin-input slip such as 过其 for 过期 keeps it),
Latin words (lightly stemmed) and their character trigrams, and language-neutral concept features
(``c:护照`` for 护照, 本子 and passport alike, see ``bot.text.synonyms``), so that paraphrases,
typos and questions in the other language still share features with the stored phrasings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from bot.text.pinyin import syllable
from bot.text.script import to_simplified
from bot.text.synonyms import CONCEPTS, canonical_en, canonical_zh

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
    "为什么",
    "怎样",
    "没有",
    "咋整",
    "咋弄",
    "咋办",
    "咋回事",
    "怎么弄",
    "怎么搞",
    "怎么整",
    "怎么回事",
    "点算",
    "点办",
    "可以吗",
    "行不行",
    "好不好",
    "麻烦",
    "有人知道",
    "谁知道",
    "知道吗",
    "需不需要",
    "要不要",
    "是不是",
    "能不能",
    "可不可以",
    "还能",
    "大家好",
)
_ZH_STOP_SINGLE = frozenset("的吗呢吧啊呀哦嘛么啦呗咯哈嗯噢喔哇咧呐咋啥")

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
# Written Cantonese 係 (is) becomes 系 (system) in OpenCC's t2s, so it is folded first; 關係 stays.
_CANTONESE_HAI = re.compile(r"(?<![關关聯联干])係")
_MAX_NORMALIZED = 600


def normalize(text: str, *, limit: int = _MAX_NORMALIZED) -> str:
    """Fold width, script, case, punctuation and spacing; keep at most ``limit`` characters."""
    text = text[: limit * 2]
    if text.isascii():  # NFKC and OpenCC leave ASCII as it is; casefold() is lower() there
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKC", text)
        text = to_simplified(_CANTONESE_HAI.sub("是", text)).casefold()
    return _SPACE_RE.sub(" ", text.translate(_DROPPED)).strip()[:limit]


class _Dropped(dict[int, str]):
    """``str.translate`` table: punctuation, symbols and controls become a space, other characters
    stay. Filled as characters are met (one category lookup per distinct character, not per
    character of every text: loading 25,000 phrasings spent a second in the per-character loop)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = self[code] = " " if unicodedata.category(ch) in _DROP_CATEGORIES else ch
        return out


_DROPPED = _Dropped()


_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"  # as script.is_cjk_char
_RUN_RE = re.compile(f"([{_CJK_CLASS}]+)|([^\\s{_CJK_CLASS}]+)")


def _runs(text: str) -> list[tuple[str, str]]:
    """Split normalised text into maximal runs: (CJK run, "") or ("", run of other non-space characters)."""
    return _RUN_RE.findall(text)


# Single-character particles, as a ``str.translate`` table that makes each a space.
_ZH_STOP_TABLE = str.maketrans(dict.fromkeys(_ZH_STOP_SINGLE, " "))


def _zh_segments(run: str) -> list[str]:
    run = canonical_zh(run)
    for phrase in ZH_STOP_PHRASES:
        if phrase in run:
            run = run.replace(phrase, " ")
    return run.translate(_ZH_STOP_TABLE).split()


_VOWELS = frozenset("aeiouy")
# Feature weights (term frequencies before IDF): a bigram or a word counts 1.
UNIGRAM = 0.5
PINYIN = 0.5
TRIGRAM = 0.25
CONCEPT = 3.0


def stem(word: str) -> str:
    """A small English stemmer: inflections and a final -e, so expire/expires/expired/expiring meet.

    Irregular and derived forms (children, marriage) are folded by the synonym table instead.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and _VOWELS & set(base):
            word = base[:-1] if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz" else base
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def _en_key(phrase: str) -> str:
    """A concept's English words as they appear among a text's content words."""
    return " ".join(_en_word(w) for w in normalize(phrase).split() if w not in EN_STOPWORDS)


@lru_cache(maxsize=1 << 16)
def _en_word(run: str) -> str:
    return stem(canonical_en(run))


_ZH_CONCEPTS: dict[str, list[tuple[str, str]]] = {}
_EN_CONCEPTS: dict[str, str] = {}
for _concept, (_zh_terms, _en_terms) in CONCEPTS.items():
    for _term in _zh_terms:
        _term = canonical_zh(normalize(_term))
        _ZH_CONCEPTS.setdefault(_term[0], []).append((_term, "c:" + _concept))
    for _term in _en_terms:
        if _key := _en_key(_term):
            _EN_CONCEPTS[_key] = "c:" + _concept


def words(text: str) -> list[str]:
    """Content words of normalised text: Latin words (stemmed) and CJK segments, stopwords removed."""
    out: list[str] = []
    for cjk, run in _runs(text):
        if cjk:
            out.extend(_zh_segments(cjk))
        elif run not in EN_STOPWORDS:
            out.append(_en_word(run))
    return out


def features(text: str, *, correct: Callable[[str], str] | None = None) -> dict[str, float]:
    """Weighted retrieval features of normalised text (term frequencies, before IDF).

    ``correct`` may replace a Latin word the index does not know by one it knows (a typo).
    """
    return _features(text, correct, None)


def features_and_words(text: str) -> tuple[dict[str, float], list[str]]:
    """``features(text)`` and ``words(text)`` in one pass over the text (building an index)."""
    out: list[str] = []
    return _features(text, None, out), out


def _features(text: str, correct: Callable[[str], str] | None, out: list[str] | None) -> dict[str, float]:
    feats: dict[str, float] = {}
    get = feats.get
    previous = ""
    for cjk, run in _runs(text):
        if cjk:
            previous = ""
            segments = _zh_segments(cjk)
            if out is not None:
                out.extend(segments)
            for seg in segments:
                _zh_features(seg, feats)
        elif run not in EN_STOPWORDS:
            word = _en_word(correct(run) if correct else run)
            if out is not None:
                out.append(word)
            for key, weight in _word_features(word):
                feats[key] = get(key, 0.0) + weight
            for key in (word, f"{previous} {word}"):
                if concept := _EN_CONCEPTS.get(key):
                    feats[concept] = CONCEPT
            previous = word
    return feats


@lru_cache(maxsize=1 << 14)
def _word_features(word: str) -> tuple[tuple[str, float], ...]:
    """A Latin word's own features, in order: the word, then its character trigrams."""
    out = [("w:" + word, 1.0)]
    if len(word) >= 4 and not word.isdigit():
        padded = f"<{word}>"
        out.extend(("t:" + padded[i : i + 3], TRIGRAM) for i in range(len(padded) - 2))
    return tuple(out)


def _zh_features(seg: str, feats: dict[str, float]) -> None:
    # Per character: its unigram, the bigram it starts and that bigram's pinyin, then the concepts
    # starting there (the order features are first met in decides the index's feature ids).
    get = feats.get
    last = len(seg) - 1
    for i, ch in enumerate(seg):
        if UNIGRAM:
            feats[ch] = get(ch, 0.0) + UNIGRAM
        if i < last:
            pair = seg[i : i + 2]
            feats[pair] = get(pair, 0.0) + 1.0
            if PINYIN and (sound := _pair_sound(pair)):
                feats[sound] = get(sound, 0.0) + PINYIN
        for term, concept in _ZH_CONCEPTS.get(ch, ()):
            if seg.startswith(term, i):
                feats[concept] = CONCEPT


@lru_cache(maxsize=1 << 16)
def _pair_sound(pair: str) -> str:
    """The pinyin feature of a bigram ("p:guo qi"), or "" when a character has no reading."""
    first, second = syllable(pair[0]), syllable(pair[1])
    return f"p:{first} {second}" if first and second else ""
