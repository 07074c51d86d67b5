import pytest

from bot.text.language import content_lang, from_telegram, parse, resolve


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh-hans", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-hant", "zh-Hant"),
        ("zh-TW", "zh-Hant"),
        ("zh_HK", "zh-Hant"),
        ("zh-hant-mo", "zh-Hant"),
        ("en", "en"),
        ("ms", "en"),
        (None, "en"),
    ],
)
def test_default_language_from_telegram(code: str | None, expected: str) -> None:
    assert from_telegram(code) == expected


def test_explicit_choice_wins_over_everything() -> None:
    assert resolve("en", "zh-hant", "護照丟了") == "en"
    assert resolve("zh-Hant", "en", "passport") == "zh-Hant"


def test_script_of_the_message_decides_without_a_choice() -> None:
    assert resolve(None, "en", "護照丟了怎麼辦") == "zh-Hant"
    assert resolve(None, "en", "护照丢了怎么办") == "zh-Hans"
    assert resolve(None, "zh-hant", "护照") == "zh-Hant"  # ambiguous characters keep the app's script
    assert resolve(None, "zh-hans", "lost passport") == "en"
    assert resolve(None, "zh-hans", "12308") == "zh-Hans"
    assert resolve(None, "zh-hant", "ok") == "zh-Hant"


def test_parse_and_content_lang() -> None:
    assert parse("ZH-HANT") == "zh-Hant"
    assert parse("klingon") is None
    assert content_lang("zh-Hant") == "zh"
    assert content_lang("en") == "en"


def test_traditional_conversion_avoids_known_opencc_mistakes() -> None:
    from bot.text.script import to_traditional

    assert to_traditional("护照换发，免签政策，请先别着急，了解一下") == "護照換發，免簽政策，請先別著急，了解一下"
    assert to_traditional("头发 发现 里面 为了") == "頭髮 發現 裡面 為了"
