"""User flows through the real Application and the recording Bot API: what a Telegram user sees."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bot.db.models import Question, User
from bot.faq.entries import FaqEntry
from bot.faq.render import answer as render_answer
from bot.messaging.render import TELEGRAM_LIMIT, utf16_len
from bot.text.i18n import localize, t
from bot.text.language import UiLang
from tests.conftest import BotHarness, make_user

# Short, vague questions: depending on the FAQ they get suggestions, an answer or none.
SHORT_QUERIES = ("护照", "身份", "签证", "回国", "证件", "孩子")
SESSION_QUESTIONS = (
    "护照丢了怎么办",
    "護照過期了怎麼換",
    "what is a Q2 visa",
    *SHORT_QUERIES,
    "asdfgh",
    "/report",
)

# -- helpers -----------------------------------------------------------------------------------

# The tags Telegram's HTML parse mode accepts (https://core.telegram.org/bots/api#html-style).
TELEGRAM_TAGS = frozenset("b strong i em u ins s strike del a code pre tg-spoiler span blockquote tg-emoji".split())


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.bad.append(f"<{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.bad.append(f"</{tag}> (open: {self.stack})")
        else:
            self.stack.pop()


def assert_telegram_html(text: str) -> None:
    """Only tags Telegram knows, properly nested and closed: user text cannot have added markup."""
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    assert not checker.bad and not checker.stack, (checker.bad, checker.stack, text[:300])


def markup_of(params: dict[str, Any]) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    return json.loads(markup) if isinstance(markup, str) else markup


def buttons_of(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, callback_data) of every button in a sendMessage / edit call."""
    markup = markup_of(params) or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]


def datas(params: dict[str, Any]) -> list[str]:
    return [data for _, data in buttons_of(params)]


def calls_of(calls: list[Any], method: str) -> list[dict[str, Any]]:
    return [c.params for c in calls if c.method == method]


def texts_of(sent: list[dict[str, Any]]) -> list[str]:
    return [str(p["text"]) for p in sent]


def entry(bot: BotHarness, entry_id: str) -> FaqEntry:
    return bot.runtime.faq.current.faq.by_id[entry_id]


def expected_answer(bot: BotHarness, entry_id: str, lang: UiLang) -> list[str]:
    return render_answer(entry(bot, entry_id), lang)


def feedback_qid(params: dict[str, Any]) -> int:
    """The question id carried by an answer's fb:<id>:y / fb:<id>:n buttons."""
    data = datas(params)
    assert len(data) == 2 and data[0].startswith("fb:") and data[0].endswith(":y"), data
    qid = data[0].split(":")[1]
    assert data[1] == f"fb:{qid}:n"
    return int(qid)


def rows(bot: BotHarness) -> list[Question]:
    with Session(bot.engine) as s:
        return list(s.exec(select(Question).order_by(col(Question.id))).all())


def row(bot: BotHarness, qid: int) -> Question:
    with Session(bot.engine) as s:
        found = s.get(Question, qid)
        assert found is not None
        return found


def assert_is_answer(bot: BotHarness, sent: list[dict[str, Any]], entry_id: str, lang: UiLang) -> int:
    """``sent`` is exactly the entry's answer in ``lang``; returns the question id of its buttons."""
    assert texts_of(sent) == expected_answer(bot, entry_id, lang)
    assert all(markup_of(p) is None for p in sent[:-1])
    return feedback_qid(sent[-1])


def all_callback_data(calls: list[Any]) -> list[str]:
    out = []
    for call in calls:
        markup = markup_of(call.params)
        if isinstance(markup, dict):
            out += [b["callback_data"] for r in markup.get("inline_keyboard", []) for b in r if "callback_data" in b]
    return out


def assert_valid_callback_data(data: list[str]) -> None:
    for d in data:
        assert d.isascii() and len(d.encode()) <= 64, d


def assert_well_formed(calls: list[Any]) -> None:
    """What Telegram would reject: long or non-ASCII callback data, over-long texts, bad HTML."""
    assert_valid_callback_data(all_callback_data(calls))
    for call in calls:
        if call.method in ("sendMessage", "editMessageText"):
            assert utf16_len(call.params["text"]) <= TELEGRAM_LIMIT
            assert_telegram_html(call.params["text"])


@pytest.fixture(autouse=True)
def every_call_is_well_formed(bot: BotHarness) -> Iterator[None]:
    """Whatever a test in this module does, every call the bot made must be acceptable to Telegram."""
    yield
    assert_well_formed(bot.api.calls)


# -- /start and languages -----------------------------------------------------------------------


async def test_start_greets_by_name_and_offers_three_languages(bot: BotHarness) -> None:
    sent = await bot.send(make_user(1, first_name="Mei"), "/start")
    assert len(sent) == 1
    assert sent[0]["text"] == t("start", "zh-Hans", name="Mei")
    assert "您好，Mei！" in sent[0]["text"]
    assert datas(sent[0]) == ["l:zh-Hans", "l:zh-Hant", "l:en"]


async def test_choosing_traditional_answers_simplified_questions_in_traditional(bot: BotHarness) -> None:
    user = make_user(2)
    await bot.send(user, "/start")
    calls = await bot.press(user, "l:zh-Hant")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageReplyMarkup", "sendMessage"]
    assert calls_of(calls, "sendMessage")[0]["text"] == t("language_set_hant", "zh-Hant")

    sent = await bot.send(user, "护照丢了怎么办")
    assert_is_answer(bot, sent, "lost-passport", "zh-Hant")
    assert "護照" in sent[0]["text"] and "请" not in sent[0]["text"]
    assert "护照" not in sent[0]["text"]
    assert [text for text, _ in buttons_of(sent[-1])] == [
        t("helpful", "zh-Hant"),
        t("not_helpful", "zh-Hant"),
    ]


async def test_choosing_english_gives_english_answers_even_to_chinese_questions(bot: BotHarness) -> None:
    user = make_user(3)
    await bot.send(user, "/start")
    await bot.press(user, "l:en")
    assert bot.api.texts(3)[-1] == t("language_set", "en")
    sent = await bot.send(user, "护照丢了怎么办")
    assert_is_answer(bot, sent, "lost-passport", "en")
    assert sent[0]["text"].startswith(f"<b>{entry(bot, 'lost-passport').title('en')}</b>")


async def test_traditional_question_without_a_choice_is_answered_in_traditional(bot: BotHarness) -> None:
    for user in (make_user(4, language_code="zh-hans"), make_user(5, language_code=None)):
        sent = await bot.send(user, "護照過期了怎麼換")
        assert_is_answer(bot, sent, "passport-renewal", "zh-Hant")
        assert "護照" in sent[0]["text"]


async def test_english_question_is_answered_in_english(bot: BotHarness) -> None:
    for user in (make_user(6, language_code="en"), make_user(7, language_code=None)):
        sent = await bot.send(user, "I lost my passport, what should I do?")
        assert_is_answer(bot, sent, "lost-passport", "en")


# -- feedback ------------------------------------------------------------------------------------


async def test_helpful_feedback_is_stored_and_removes_the_buttons(bot: BotHarness) -> None:
    user = make_user(10)
    sent = await bot.send(user, "护照丢了怎么办")
    qid = assert_is_answer(bot, sent, "lost-passport", "zh-Hans")
    assert row(bot, qid).helpful is None

    calls = await bot.press(user, f"fb:{qid}:y")
    assert row(bot, qid).helpful is True
    assert calls_of(calls, "answerCallbackQuery")[0]["text"] == t("thanks_feedback", "zh-Hans")
    assert calls_of(calls, "editMessageReplyMarkup")  # the buttons are gone
    assert calls_of(calls, "sendMessage") == []
    assert "reply_markup" not in bot.api.messages(10)[-1]


async def test_not_helpful_feedback_is_stored_and_points_to_report(bot: BotHarness) -> None:
    user = make_user(11)
    qid = assert_is_answer(bot, await bot.send(user, "护照丢了怎么办"), "lost-passport", "zh-Hans")
    calls = await bot.press(user, f"fb:{qid}:n")
    assert row(bot, qid).helpful is False
    [sorry] = calls_of(calls, "sendMessage")
    assert "/report" in sorry["text"]
    assert datas(sorry) == ["m"]


async def test_feedback_in_the_answer_language(bot: BotHarness) -> None:
    user = make_user(12, language_code="en")
    qid = assert_is_answer(bot, await bot.send(user, "my passport was stolen abroad"), "lost-passport", "en")
    calls = await bot.press(user, f"fb:{qid}:n")
    assert calls_of(calls, "sendMessage")[0]["text"] == t("sorry_feedback", "en")


async def test_another_users_feedback_button_changes_nothing(bot: BotHarness) -> None:
    owner, stranger = make_user(13), make_user(14)
    qid = assert_is_answer(bot, await bot.send(owner, "护照丢了怎么办"), "lost-passport", "zh-Hans")
    answer_message = bot.api.messages(13)[-1]
    for verdict in ("y", "n"):
        calls = await bot.press(stranger, f"fb:{qid}:{verdict}", answer_message)
        assert [c.method for c in calls] == ["answerCallbackQuery"]
        assert "text" not in calls[0].params
    assert row(bot, qid).helpful is None
    assert datas(bot.api.messages(13)[-1]) == [f"fb:{qid}:y", f"fb:{qid}:n"]


async def test_malformed_feedback_data_is_ignored(bot: BotHarness) -> None:
    user = make_user(15)
    await bot.send(user, "护照丢了怎么办")
    for data in ("fb:", "fb:abc:y", "fb:999999:y"):
        calls = await bot.press(user, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"]


# -- /faq menu ----------------------------------------------------------------------------------


async def test_faq_menu_categories_entries_back_and_answer(bot: BotHarness) -> None:
    user = make_user(20)
    faq = bot.runtime.faq.current.faq
    [menu] = await bot.send(user, "/faq")
    assert menu["text"] == t("faq_menu", "zh-Hans")
    cats = [c.id for c in faq.categories if faq.in_category(c.id)]
    assert datas(menu) == [f"c:{c}" for c in cats]
    assert "c:documents" in datas(menu)

    calls = await bot.press(user, "c:documents")
    [edit] = calls_of(calls, "editMessageText")
    assert calls_of(calls, "sendMessage") == []  # the menu message is edited in place
    assert int(edit["message_id"]) == bot.api.messages(20)[-1]["message_id"]
    assert datas(edit) == [f"a:{e.id}" for e in faq.in_category("documents")] + ["m"]
    assert "a:lost-passport" in datas(edit)

    calls = await bot.press(user, "m")
    assert datas(calls_of(calls, "editMessageText")[0]) == [f"c:{c}" for c in cats]

    await bot.press(user, "c:documents")
    calls = await bot.press(user, "a:lost-passport")
    qid = assert_is_answer(bot, calls_of(calls, "sendMessage"), "lost-passport", "zh-Hans")
    viewed = row(bot, qid)
    assert (viewed.outcome, viewed.entry_id, viewed.user_id) == ("viewed", "lost-passport", 20)


async def test_faq_menu_in_traditional(bot: BotHarness) -> None:
    user = make_user(21, language_code="zh-hant")
    [menu] = await bot.send(user, "/faq")
    assert menu["text"] == t("faq_menu", "zh-Hant")
    documents = bot.runtime.faq.current.faq.category("documents")
    assert (localize(documents.name.zh, "zh-Hant"), "c:documents") in buttons_of(menu)


async def test_stale_menu_buttons_say_the_answer_is_gone(bot: BotHarness) -> None:
    user = make_user(22)
    await bot.send(user, "/faq")
    calls = await bot.press(user, "c:no-such-category")
    assert calls_of(calls, "editMessageText")[0]["text"] == t("answer_gone", "zh-Hans")
    calls = await bot.press(user, "a:no-such-entry")
    assert calls_of(calls, "sendMessage")[0]["text"] == t("answer_gone", "zh-Hans")


# -- questions without a confident answer ------------------------------------------------------


@pytest.mark.parametrize("text", ["今天天气怎么样", "asdfgh"])
async def test_off_topic_gets_the_no_answer_message_and_is_logged(bot: BotHarness, text: str) -> None:
    user = make_user(30)
    sent = await bot.send(user, text)
    assert texts_of(sent) == [t("no_answer", "zh-Hans")]
    assert "/report" in sent[0]["text"]
    assert datas(sent[0]) == ["m"]
    [logged] = rows(bot)
    assert (logged.text, logged.outcome, logged.entry_id, logged.user_id) == (text, "unanswered", None, 30)


async def test_browse_button_of_the_no_answer_message_opens_the_menu(bot: BotHarness) -> None:
    user = make_user(31)
    await bot.send(user, "asdfgh")
    calls = await bot.press(user, "m")
    [edit] = calls_of(calls, "editMessageText")
    assert edit["text"] == t("faq_menu", "zh-Hans")
    assert datas(edit) and all(d.startswith("c:") for d in datas(edit))


@pytest.mark.parametrize("text", SHORT_QUERIES)
async def test_short_ambiguous_queries_offer_valid_suggestion_buttons(bot: BotHarness, text: str) -> None:
    sent = await bot.send(make_user(32), text)
    [logged] = rows(bot)
    if logged.outcome != "suggested":  # the FAQ may answer it outright, or not at all
        assert logged.outcome in ("answered", "unanswered")
        return
    assert texts_of(sent) == [t("did_you_mean", "zh-Hans"), t("none_of_these", "zh-Hans")]
    suggestions = datas(sent[0])
    assert suggestions == [f"a:{s.split(':')[0]}" for s in (logged.suggestions or "").split(",")]
    for data in suggestions:
        assert data.startswith("a:")
        assert data.isascii() and len(data.encode()) <= 64
    assert datas(sent[1]) == []


async def test_a_suggestion_button_sends_that_answer(bot: BotHarness) -> None:
    index = bot.runtime.faq.current.index
    query = next((q for q in SHORT_QUERIES if index.match(q).band == "suggested"), None)
    if query is None:
        pytest.skip(f"the current FAQ gives no suggestions for any of {SHORT_QUERIES}")
    user = make_user(33)
    sent = await bot.send(user, query)
    assert texts_of(sent)[0] == t("did_you_mean", "zh-Hans")
    first = datas(sent[0])[0]
    did_you_mean = bot.api.messages(33)[-2]
    calls = await bot.press(user, first, did_you_mean)
    qid = assert_is_answer(bot, calls_of(calls, "sendMessage"), first.removeprefix("a:"), "zh-Hans")
    assert row(bot, qid).outcome == "viewed"


async def test_every_callback_data_of_a_long_session_is_short_ascii(bot: BotHarness) -> None:
    """Walk every category and entry in every language, ask, press feedback and suggestions."""
    faq = bot.runtime.faq.current.faq
    for uid, lang in ((40, "l:zh-Hans"), (41, "l:zh-Hant"), (42, "l:en")):
        user = make_user(uid)
        await bot.send(user, "/start")
        await bot.press(user, lang)
        await bot.send(user, "/faq")
        menu = bot.api.messages(uid)[-1]
        for category in [c for c in faq.categories if faq.in_category(c.id)]:
            await bot.press(user, f"c:{category.id}", menu)
            for item in faq.in_category(category.id):
                await bot.press(user, f"a:{item.id}", menu)
            await bot.press(user, "m", menu)
        for text in SESSION_QUESTIONS:
            await bot.send(user, text)
            pressable = [d for _, d in bot.last_buttons(uid) if d.startswith(("fb:", "a:"))]
            if pressable:
                await bot.press(user, pressable[0])
    data = all_callback_data(bot.api.calls)
    assert len(data) > 3 * len(faq.entries)
    assert {d.split(":")[0] for d in data} >= {"l", "c", "a", "m", "fb"}
    assert_well_formed(bot.api.calls)


# -- hostile and unusual input -------------------------------------------------------------------


async def test_hostile_first_name_is_escaped_in_the_greeting(bot: BotHarness) -> None:
    for uid, lang in ((50, "zh-hans"), (51, "en"), (52, "zh-hant")):
        [greeting] = await bot.send(make_user(uid, first_name="<b>x</b> & <script>", language_code=lang), "/start")
        assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;" in greeting["text"]
        assert "<script>" not in greeting["text"] and "<b>x</b>" not in greeting["text"]
        assert_telegram_html(greeting["text"])


@pytest.mark.parametrize("language_code", ["zh-hans", "en"])
async def test_html_in_a_question_never_comes_back_unescaped(bot: BotHarness, language_code: str) -> None:
    user = make_user(53, language_code=language_code)
    hostile = [
        "<i>护照</i> & <a href=x>",
        "<a href=x>zzz</a> <b>",
        "护照丢了怎么办 <script>alert(1)</script>",
    ]
    before = len(bot.api.calls)
    for text in hostile:
        sent = await bot.send(user, text)
        assert sent, text
        for data in [d for p in sent for d in datas(p)]:
            if data.startswith("a:"):
                await bot.press(user, data, bot.api.messages(53)[-2])
                break
    replies = [c.params for c in bot.api.calls[before:] if c.method in ("sendMessage", "editMessageText")]
    for params in replies:
        text = str(params["text"])
        for raw in ("<i>护照</i>", "<a href=x>", "<script>", "</a> <b>"):
            assert raw not in text
        assert_telegram_html(text)
        for label, _ in buttons_of(params):
            assert "<" not in label
    assert [q.text for q in rows(bot) if q.outcome != "viewed"] == hostile


async def test_a_12000_character_message_gets_one_polite_reply(bot: BotHarness) -> None:
    user = make_user(54)
    text = ("护照丢了怎么办？我现在在国外，" * 1000)[:12000]
    assert len(text) == 12000
    sent = await bot.send(user, text)
    assert sent
    texts = texts_of(sent)
    assert t("error", "zh-Hans") not in texts
    assert all(utf16_len(x) <= TELEGRAM_LIMIT for x in texts)
    [logged] = rows(bot)
    assert len(logged.text) <= 1000
    assert text.startswith(logged.text)
    if logged.outcome == "answered":
        assert logged.entry_id is not None
        assert_is_answer(bot, sent, logged.entry_id, "zh-Hans")
    elif logged.outcome == "suggested":
        assert texts == [t("did_you_mean", "zh-Hans"), t("none_of_these", "zh-Hans")]
    else:
        assert texts == [t("no_answer", "zh-Hans")]


async def test_a_12000_character_nonsense_message_gets_the_no_answer_reply(bot: BotHarness) -> None:
    sent = await bot.send(make_user(55), "x" * 12000)
    assert texts_of(sent) == [t("no_answer", "zh-Hans")]
    [logged] = rows(bot)
    assert (len(logged.text), logged.outcome) == (1000, "unanswered")


async def test_a_sticker_gets_the_text_only_reply(bot: BotHarness) -> None:
    user = make_user(56)
    before = len(bot.api.calls)
    await bot.feed(bot.updates.non_text(user))
    assert texts_of(calls_of(bot.api.calls[before:], "sendMessage")) == [t("non_text", "zh-Hans")]
    assert rows(bot) == []


# -- commands -------------------------------------------------------------------------------------


async def test_unknown_command_says_so_then_gets_the_help_text(bot: BotHarness) -> None:
    unknown = t("unknown_command", "zh-Hans", command="/foo") + "\n\n" + t("help", "zh-Hans")
    assert texts_of(await bot.send(make_user(60), "/foo")) == [unknown]
    unknown = t("unknown_command", "en", command="/foo") + "\n\n" + t("help", "en")
    assert texts_of(await bot.send(make_user(61, language_code="en"), "/foo bar")) == [unknown]
    assert rows(bot) == []


async def test_help_command(bot: BotHarness) -> None:
    assert texts_of(await bot.send(make_user(62), "/help")) == [t("help", "zh-Hans")]


async def test_cancel_says_there_is_nothing_to_cancel(bot: BotHarness) -> None:
    assert texts_of(await bot.send(make_user(63), "/cancel")) == [t("nothing_to_cancel", "zh-Hans")]


async def test_language_command_offers_the_languages(bot: BotHarness) -> None:
    [sent] = await bot.send(make_user(64), "/language")
    assert sent["text"] == t("choose_language", "zh-Hans")
    assert datas(sent) == ["l:zh-Hans", "l:zh-Hant", "l:en"]


async def test_report_starts_with_the_privacy_notice(bot: BotHarness) -> None:
    sent = await bot.send(make_user(65), "/report")
    assert sent[0]["text"] == t("privacy", "zh-Hans")
    assert datas(sent[0]) == ["r:ok", "r:x"]


# -- storage of what users ask --------------------------------------------------------------------


async def test_question_log_keeps_user_ids_above_32_bits(bot: BotHarness) -> None:
    big = 2**40 + 7
    user = make_user(big, language_code="en")
    qid = assert_is_answer(bot, await bot.send(user, "I lost my passport"), "lost-passport", "en")
    logged = row(bot, qid)
    assert (logged.user_id, logged.chat_id, logged.outcome, logged.entry_id) == (
        big,
        big,
        "answered",
        "lost-passport",
    )
    assert logged.language == "en"
    with Session(bot.engine) as s:
        stored = s.get(User, big)
        assert stored is not None and stored.telegram_language == "en"
    await bot.press(user, f"fb:{qid}:y")
    assert row(bot, qid).helpful is True


# -- Traditional wording -------------------------------------------------------------------------


# OpenCC's tables alone turn 换发 into 換髮 ('new hair') and 免签 into 免籤 ('lottery slip').
@pytest.mark.parametrize(
    ("question", "entry_id", "simplified", "right", "wrong"),
    [
        ("护照快过期了，在国外怎么换发新护照？", "passport-renewal", "换发", "換發", "換髮"),
        ("外籍华人回国探亲需要办签证吗？", "visa-ethnic-chinese", "免签", "免簽", "免籤"),
    ],
    ids=["renew-passport", "visa-free"],
)
async def test_traditional_answers_use_the_right_characters(
    bot: BotHarness, question: str, entry_id: str, simplified: str, right: str, wrong: str
) -> None:
    if simplified not in entry(bot, entry_id).answer.zh:
        pytest.skip(f"the {entry_id} answer no longer says {simplified}")
    sent = await bot.send(make_user(70, language_code="zh-hant"), question)
    assert_is_answer(bot, sent, entry_id, "zh-Hant")
    text = "".join(texts_of(sent))
    assert wrong not in text
    assert right in text
