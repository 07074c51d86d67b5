import pytest

from bot.faq.smalltalk import classify


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("你好", "greeting"),
        ("哈囉", "greeting"),
        ("你好嗎", "greeting"),
        ("嗨，你好", "greeting"),
        ("hello bot", "greeting"),
        ("Hello?", "greeting"),
        ("good morning", "greeting"),
        ("在吗？", "greeting"),
        ("谢谢！", "thanks"),
        ("thank you very much", "thanks"),
        ("再见", "bye"),
        ("good night", "bye"),
    ],
)
def test_small_talk_is_recognised(text: str, kind: str) -> None:
    assert classify(text) == kind


@pytest.mark.parametrize("text", ["你好，我的护照丢了", "hello, my passport", "this", "good", "ok", "", "早就办好了"])
def test_anything_more_is_not_small_talk(text: str) -> None:
    assert classify(text) is None
