"""The report conversation as a pure state machine: its declared steps, typed and tapped answers,
cancelling anywhere, /skip — no Telegram, no database."""

from __future__ import annotations

import pytest

from bot.content.live import LiveFaq, Snapshot
from bot.reports import conversation as flow
from bot.reports.conversation import Attach, Draft, Press, SharedContact, Skip, Text
from bot.text.i18n import t


@pytest.fixture
def snapshot(live_faq: LiveFaq) -> Snapshot:
    return live_faq.current


def walk(snapshot: Snapshot, draft: Draft, step: str, *inputs: flow.Input) -> tuple[str, flow.Outcome]:
    outcome = flow.Outcome(step)
    for inp in inputs:
        outcome = flow.advance(step, draft, inp, snapshot)
        step = outcome.step
    return step, outcome


def test_the_steps_are_declared_in_order() -> None:
    assert [s.name for s in flow.STEPS] == [
        "privacy",
        "place",
        "place_confirm",
        "category",
        "description",
        "faqcheck",
        "contact",
        "contact_check",
        "attachments",
        "confirm",
    ]
    assert flow.first_step(agreed_privacy=True) == "place" and flow.first_step(agreed_privacy=False) == "privacy"


def test_a_whole_report_typed_and_tapped(snapshot: Snapshot) -> None:
    draft = Draft(language="zh-Hans")
    step, outcome = walk(snapshot, draft, "privacy", Text("同意"))
    assert (step, outcome.effect) == ("place", "privacy_ack")
    step, outcome = walk(snapshot, draft, step, Text("我是湖南茶陵縣人"))
    assert (step, draft.place, draft.queue_id) == ("category", "茶陵县", "chaling")
    step, _ = walk(snapshot, draft, step, Press("c", "documents"))
    assert (step, draft.category) == ("description", "documents")
    step, outcome = walk(snapshot, draft, step, Attach("photo", "file-1"), Text("护照在吉隆坡丢了，需要家乡开证明"))
    assert draft.attachments == [{"type": "photo", "file_id": "file-1"}]
    if step == "faqcheck":  # FAQ entries that may answer it come first
        step, _ = walk(snapshot, draft, step, Press("go"))
    assert step == "contact"
    step, outcome = walk(snapshot, draft, step, SharedContact("+60 12 345"))
    assert (step, draft.contact) == ("confirm", "+60 12 345")
    assert t("submit", "zh-Hans") in str(outcome.replies[-1].markup)
    step, outcome = walk(snapshot, draft, step, Press("id", message_id=9))
    assert draft.share_identity and outcome.replies[0].edit == 9  # the summary is edited in place
    _, outcome = walk(snapshot, draft, step, Text("提交"))
    assert outcome.effect == "submit"


@pytest.mark.parametrize("step", [s.name for s in flow.STEPS])
def test_cancelling_works_at_every_step(snapshot: Snapshot, step: str) -> None:
    for inp in (Text("取消"), Press("x")):
        outcome = flow.advance(step, Draft(language="en"), inp, snapshot)
        assert outcome.effect == "cancel" and outcome.replies[0].text == t("report_cancelled", "en")


def test_a_stale_button_does_nothing_and_a_stray_message_asks_again(snapshot: Snapshot) -> None:
    draft = Draft(language="en")
    assert flow.advance("category", draft, Press("s"), snapshot).replies == []
    again = flow.advance("category", draft, Text("???"), snapshot)
    assert again.step == "category" and t("category_unknown", "en") in again.replies[0].text


def test_skip_leaves_out_only_what_is_optional(snapshot: Snapshot) -> None:
    draft = Draft(language="en")
    assert flow.advance("contact", draft, Skip(), snapshot).step == "confirm"
    assert flow.advance("faqcheck", draft, Skip(), snapshot).step == "contact"
    nothing = flow.advance("place", draft, Skip(), snapshot)
    assert nothing.step == "place" and nothing.replies[0].text == t("skip_nothing", "en")


def test_a_lookalike_place_is_only_offered_with_the_provincial_way_out(snapshot: Snapshot) -> None:
    draft = Draft(language="en")
    outcome = flow.advance("place", draft, Text("Chaleng"), snapshot)
    assert outcome.step == "place" and draft.place is None
    assert "r:q:hunan" in str(outcome.replies[0].markup)


def test_the_draft_survives_a_round_trip_through_json(snapshot: Snapshot) -> None:
    draft = Draft(language="zh-Hant", place="茶陵县", attachments=[{"type": "photo", "file_id": "f"}])
    assert Draft.from_data(draft.to_data()) == draft
    assert Draft.from_data({"unknown": 1}).language == "zh-Hans"


@pytest.mark.parametrize(
    ("typed", "field", "value"),
    [
        ("等一下，家鄉寫錯了，應該是瀏陽", "place", "瀏陽"),
        ("wait, the hometown should be Liuyang", "place", "Liuyang"),
        ("Actually my hometown is Liling, not Chaling", "place", "Liling"),
        ("类别改成教育", "category", "教育"),
        ("change the category to Education", "category", "Education"),
        ("the contact should be mei@example.org", "contact", "mei@example.org"),
        ("描述写错了", "description", ""),
        ("wait, something is wrong", "", "wrong"),
    ],
)
def test_typed_corrections_are_parsed(typed: str, field: str, value: str) -> None:
    assert flow.parse_correction(typed) == flow.Correction(field, value)


@pytest.mark.parametrize("typed", ["护照丢了怎么补办？", "How do I renew my passport?", "我是茶陵人，护照丢了"])
def test_questions_and_stories_are_no_corrections(typed: str) -> None:
    assert flow.parse_correction(typed) is None


def test_a_correction_at_the_summary_changes_the_field_and_returns(snapshot: Snapshot) -> None:
    draft = Draft(language="zh-Hant", place="茶陵县", queue_id="chaling", category="documents", description="x")
    out = flow.advance("confirm", draft, Text("等一下，家鄉寫錯了，應該是瀏陽"), snapshot)
    assert (out.step, draft.place, draft.queue_id, draft.editing) == ("confirm", "浏阳市", "changsha", False)
    out = flow.advance("confirm", draft, Text("不是浏阳，是醴陵"), snapshot)  # the field guessed from the value
    assert (out.step, draft.queue_id) == ("confirm", "liling")
    out = flow.advance("confirm", draft, Text("护照丢了怎么补办？"), snapshot)
    assert (out.step, out.effect, out.question) == ("confirm", "ask", "护照丢了怎么补办？")


def test_a_correction_at_the_contact_step_is_no_contact(snapshot: Snapshot) -> None:
    draft = Draft(language="zh-Hans", place="茶陵县", queue_id="chaling", category="documents", description="x")
    out = flow.advance("contact", draft, Text("等一下，家乡写错了，应该是浏阳"), snapshot)
    assert (out.step, draft.contact, draft.queue_id) == ("confirm", None, "changsha")
    for stray in ("5", "ab", "家里人知道"):
        out = flow.advance("contact", draft, Text(stray), snapshot)
        assert out.step == "contact_check" and draft.contact is None
    assert flow.advance("contact_check", draft, Press("cu"), snapshot).step == "confirm"
    assert draft.contact == "家里人知道"  # she confirmed it: her choice
    for good in ("+60 12 345 6789", "mei@example.org", "微信 lin_2024", "13812345678"):
        assert flow.plausible_contact(good), good
