"""Hometowns: names shared with places outside Hunan, or with several places inside it, are
confirmed with their full path before routing; former names and management zones route to
today's successor — at the pure level (gazetteer, conversation), on the real faq/federations.yaml."""

from __future__ import annotations

import pytest

from bot.content.live import LiveFaq, Snapshot
from bot.reports import conversation as flow
from bot.reports.conversation import Draft, Press, Text
from bot.text.i18n import t


@pytest.fixture
def snapshot(live_faq: LiveFaq) -> Snapshot:
    return live_faq.current


# (typed, Hunan candidates offered in order, some place outside Hunan offered)
CONFIRMED = [
    ("Taishan", [], "广东省江门市台山市"),
    ("Taishan, Guangdong", [], "广东省江门市台山市"),
    ("Fuzhou", [], "福建省福州市"),
    ("永定", ["永定区"], "福建省龙岩市永定区"),
    ("永定区", ["永定区"], "福建省龙岩市永定区"),
    ("新宁", ["新宁县"], "广东省江门市台山市（1914年前称新宁县）"),
    ("Guiyang", ["桂阳县"], "贵州省贵阳市"),
    ("Taoyuan", ["桃源县"], "台湾省桃园市"),
    ("桃園", [], "台湾省桃园市"),
    ("Heshan", ["赫山区"], "广东省江门市鹤山市"),
    ("Jingzhou", ["靖州苗族侗族自治县"], "湖北省荆州市"),
    ("湘潭地区", ["湘潭市", "株洲市"], None),
    ("株洲", ["株洲市", "渌口区"], None),
    ("Zhuzhou", ["株洲市", "渌口区"], None),
]

# (typed, routed at once to, found under a former name)
ROUTED = [
    ("桂阳", "桂阳县", False),
    ("桃源县", "桃源县", False),
    ("张家界永定区", "永定区", False),
    ("湖南永定", "永定区", False),
    ("株洲市", "株洲市", False),
    ("株洲县", "渌口区", True),
    ("浏阳县", "浏阳市", True),
    ("醴陵县", "醴陵市", True),
    ("湘乡县", "湘乡市", True),
    ("韶山区", "韶山市", True),
    ("郴县", "苏仙区", True),
    ("益阳县", "赫山区", True),
    ("怀化地区", "怀化市", True),
    ("娄底地区", "娄底市", True),
    ("株洲市东区", "荷塘区", True),
    ("株洲市南区", "芦淞区", True),
    ("株洲市北区", "石峰区", True),
    ("株洲市郊区", "天元区", True),
    ("大通湖区", "大通湖区", False),
    ("屈原管理区", "屈原管理区", False),
    ("西湖管理区", "西湖管理区", False),
    ("西洞庭管理区", "西洞庭管理区", False),
    ("云龙示范区", "云龙示范区", False),
    ("瀏陽縣", "浏阳市", True),
    ("Youxian", "攸县", False),
]


@pytest.mark.parametrize(("typed", "hunan", "outside"), CONFIRMED)
def test_a_shared_or_ambiguous_name_is_never_routed_silently(
    snapshot: Snapshot, typed: str, hunan: list[str], outside: str | None
) -> None:
    resolution = snapshot.gazetteer.resolve(typed)
    assert not resolution.sure
    assert [m.place.name for m in resolution.places] == hunan
    assert (outside in [o.name for o in resolution.outside]) if outside else resolution.outside == []
    draft = Draft(language="zh-Hans")
    outcome = flow.advance("place", draft, Text(typed), snapshot)
    assert outcome.step == "place_confirm" and draft.place is None and draft.queue_id is None
    markup = str(outcome.replies[0].markup)
    assert "r:re" in markup
    assert ("r:o:" in markup) == (outside is not None)


@pytest.mark.parametrize(("typed", "place", "former"), ROUTED)
def test_unambiguous_and_former_names_route_to_todays_place(
    snapshot: Snapshot, typed: str, place: str, former: bool
) -> None:
    resolution = snapshot.gazetteer.resolve(typed)
    assert resolution.sure and resolution.places[0].place.name == place and resolution.former == former
    draft = Draft(language="zh-Hans")
    outcome = flow.advance("place", draft, Text(typed), snapshot)
    assert outcome.step == "category" and draft.place == place


def test_the_full_path_is_asked_and_yes_routes_inside_hunan(snapshot: Snapshot) -> None:
    draft = Draft(language="zh-Hans")
    asked = flow.advance("place", draft, Text("永定"), snapshot)
    assert "湖南省张家界市永定区" in asked.replies[0].text and "/cancel" in asked.replies[0].text
    yes = flow.advance("place_confirm", draft, Text("是的"), snapshot)
    assert (yes.step, draft.place, draft.queue_id) == ("category", "永定区", "zhangjiajie")


def test_not_in_hunan_goes_to_the_provincial_federation_and_says_so(snapshot: Snapshot) -> None:
    draft = Draft(language="en")
    asked = flow.advance("place", draft, Text("Taishan, Guangdong"), snapshot)
    assert "Taishan, Jiangmen, Guangdong" in asked.replies[0].text
    assert "Lanshan" not in str(asked.replies) and "Xinhuang" not in str(asked.replies)
    out = flow.advance("place_confirm", draft, Press("o"), snapshot)
    assert (out.step, draft.queue_id, draft.place) == ("category", "hunan", "广东省江门市台山市")
    said = out.replies[0].text
    assert "outside Hunan" in said and "provincial federation" in said


def test_the_other_hunan_candidate_can_be_chosen(snapshot: Snapshot) -> None:
    draft = Draft(language="zh-Hant")
    asked = flow.advance("place", draft, Text("株洲"), snapshot)
    text = asked.replies[0].text
    assert "湖南省株洲市" in text  # in the reader's script: no simplified-only characters needed here
    lukou = next(i for i, p in enumerate(snapshot.federation.places) if p.name == "渌口区")
    assert f"r:p:{lukou}" in str(asked.replies[0].markup)
    chosen = flow.advance("place_confirm", draft, Press("p", str(lukou)), snapshot)
    assert (chosen.step, draft.queue_id) == ("category", "lukou")


def test_a_former_name_is_echoed_as_typed(snapshot: Snapshot) -> None:
    draft = Draft(language="zh-Hant")
    out = flow.advance("place", draft, Text("瀏陽縣"), snapshot)
    assert "瀏陽縣" in out.replies[0].text and "瀏陽市" in out.replies[0].text


def test_english_names_never_say_county_twice(snapshot: Snapshot) -> None:
    federation = snapshot.federation
    for place in federation.places:
        shown = flow.place_name(snapshot, place.name, "en") + " " + federation.path(place, en=True)
        assert "County County" not in shown and "xian County" not in shown, shown
    for queue in federation.queues:
        assert "xian County" not in queue.name.en and "County County" not in queue.name.en
    assert flow.place_name(snapshot, "攸县", "en") == "You County (攸县)"
    assert snapshot.gazetteer.resolve("thank you, I live in Li").places == []  # "You", "Li" are not places


def test_fuzhou_offers_both_places_outside_hunan_and_never_zhuzhou(snapshot: Snapshot) -> None:
    draft = Draft(language="zh-Hans")
    asked = flow.advance("place", draft, Text("Fuzhou"), snapshot)
    markup = str(asked.replies[0].markup)
    assert "福建省福州市" in markup and "江西省抚州市" in markup and "株洲" not in markup
    out = flow.advance("place_confirm", draft, Press("o", "1"), snapshot)
    assert (draft.place, draft.queue_id) == ("江西省抚州市", "hunan")
    assert out.replies[0].text == t("place_outside_ok", "zh-Hans", where="江西省抚州市")
