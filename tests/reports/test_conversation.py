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
