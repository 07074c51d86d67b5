from hypothesis import given
from hypothesis import strategies as st

from bot.text.normalize import features, normalize, stem, words


def test_traditional_and_simplified_normalise_to_the_same_text() -> None:
    assert normalize("護照遺失了，怎麼辦？") == "护照遗失了 怎么办"
    assert normalize("護照遺失了怎麼辦") == normalize("护照遗失了怎么办")


def test_width_case_punctuation_and_spaces_fold() -> None:
    assert normalize("  ＰＡＳＳＰＯＲＴ!!  Renewal？ ") == "passport renewal"
    assert normalize("a\u200bb\tc\n\nd") == "a b c d"


def test_normalize_keeps_digits_and_latin_inside_chinese() -> None:
    assert normalize("12308热线") == "12308热线"


def test_normalize_limits_length() -> None:
    assert len(normalize("护" * 100_000)) == 600


def test_words_drop_stopwords_and_stem() -> None:
    assert words(normalize("How do I renew my passports?")) == ["renew", "passport"]
    assert words(normalize("我想了解一下侨联的协会")) == ["了解", "侨联", "协会"]


def test_stem_is_conservative() -> None:
    assert stem("visas") == "visa"
    assert stem("renewing") == "renew"
    assert stem("countries") == "country"
    assert stem("bus") == "bus"
    assert stem("addresses") == "address"


def test_features_give_bigrams_for_chinese_and_trigrams_for_long_words() -> None:
    feats = features(normalize("护照过期 passport"))
    assert {"护照", "照过", "过期", "护", "w:passport", "t:<pa", "t:rt>"} <= set(feats)


def test_stop_phrases_split_segments_so_no_bigram_crosses_them() -> None:
    feats = features(normalize("护照怎么办理"))
    assert "照办" not in feats


@given(st.text(max_size=300))
def test_normalize_is_idempotent_and_never_raises(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert all(w > 0 for w in features(once).values())
