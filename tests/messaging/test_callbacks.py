"""The callback-data codec: every button family round-trips, stays within 64 bytes, keeps the
formats buttons already in people's chats carry, and reads nothing it was not made to read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.messaging import callbacks as cb
from bot.messaging.callbacks import MAX_BYTES, FaqMenu, JoinConsent, Rating, ReportStep, TicketAction

TOKENS = st.from_regex(r"[A-Za-z0-9_.\-]{1,20}", fullmatch=True)
IDS = st.integers(min_value=0, max_value=2**63 - 1)


@pytest.mark.parametrize(
    ("button", "data"),
    [
        (cb.ChooseLanguage("zh-Hant"), "l:zh-Hant"),
        (FaqMenu(), "m"),
        (cb.FaqCategory("documents"), "c:documents"),
        (cb.FaqAnswer("passport-renewal"), "a:passport-renewal"),
        (cb.Feedback(12, "y"), "fb:12:y"),
        (ReportStep("ok"), "r:ok"),
        (ReportStep("p", "17"), "r:p:17"),
        (TicketAction("claim", 5), "tk:claim:5"),
        (TicketAction("to", 5, "liling"), "tk:to:5:liling"),
        (Rating(5, 3), "rt:5:3"),
        (cb.AssociationDetails("my-kl-hunan"), "d:my-kl-hunan"),
        (cb.JoinStart("my-kl-hunan"), "j:my-kl-hunan"),
        (JoinConsent("ok", "a1b2c3d4e5f60718"), "jc:ok:a1b2c3d4e5f60718"),
        (cb.JoinDecision("no", 9), "jr:no:9"),
    ],
)
def test_the_formats_buttons_already_carry(button: cb.Callback, data: str) -> None:
    assert button.encode() == data
    assert type(button).decode(data) == button


@given(verb=TOKENS, ticket=IDS, queue=TOKENS)
def test_round_trip_and_the_64_byte_limit(verb: str, ticket: int, queue: str) -> None:
    button = TicketAction(verb, ticket, queue)
    data = button.encode()
    assert len(data.encode()) <= MAX_BYTES
    assert TicketAction.decode(data) == button


@pytest.mark.parametrize(
    "forged",
    [
        "tk:claim:²",
        "tk:claim:①",
        "tk:claim:-1",
        "tk:claim:100000000000000000000",
        "tk:claim:",
        "tk:claim",
        "tk:claim:1:x:y",
        "rt:1:⭐",
        "rt:1",
        "tk:claim:1\n",
        "x:claim:1",
        "",
        "tk:clаim:1",
        "tk:" + "a" * 70,
    ],
)
def test_forged_or_odd_data_is_not_half_understood(forged: str) -> None:
    assert TicketAction.decode(forged) is None
    assert Rating.decode(forged) is None


def test_encoding_refuses_what_would_not_fit_or_not_parse() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        ReportStep("x" * 40, "y" * 30).encode()
    with pytest.raises(ValueError, match="token"):
        cb.FaqAnswer("护照").encode()
    with pytest.raises(ValueError, match="range"):
        Rating(-1, 3).encode()


def test_every_family_has_its_own_prefix_and_pattern() -> None:
    prefixes = [f.PREFIX for f in cb.FAMILIES]
    assert len(prefixes) == len(set(prefixes))
    assert TicketAction.pattern() == r"^tk(:|$)"
    assert FaqMenu.decode("m") == FaqMenu() and FaqMenu.decode("m:x") is None
