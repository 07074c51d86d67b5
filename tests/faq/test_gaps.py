"""`qiaobot faq gaps`: logged questions the bot could not answer, grouped into sensible clusters."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.cli import main
from bot.db.engine import create_db_engine, upgrade
from bot.db.models import Question
from bot.db.uow import session_scope
from bot.faq.gaps import Asked, cluster, render
from bot.faq.repo import missed_questions
from bot.text.script import has_cjk
from tests.conftest import FAQ_DIR, q

# Questions about topics the FAQ does not cover, as people type them: scripts, languages, typos.
TOPICS: dict[str, list[str]] = {
    "pet": [
        "回国可以带狗吗",
        "带猫回国要隔离吗",
        "宠物狗从美国带回中国要什么手续",
        "我想把家里的猫带回长沙，要办什么证明",
        "狗狗坐飞机回国需要打什么疫苗",
        "寵物貓帶回大陸要檢疫嗎",
        "帶狗回國要準備什麼文件",
        "宠物入境中国需要隔离多久",
        "can i bring my dog to china",
        "bringing a cat back to china quarantine",
        "pet import rules china dog",
        "how to take my puppy to hunan from canada",
        "带宠物狗回国",
        "猫咪回国检疫证明怎么开",
        "回國帶寵物要什麼手續",
        "dog rabies vaccine certificate for china entry",
        "我家狗能跟我一起回国吗",
        "pet cat flight to changsha rules",
        "宠物回国要芯片吗",
        "bring pets to china need microchip?",
    ],
    "name": [
        "护照上的中文名字写错了怎么改",
        "怎么改中文名字",
        "我想改名字，在国外能办吗",
        "身份证和护照名字不一致怎么办",
        "護照上的名字拼錯了要怎麼更正",
        "改名以后护照要重新办吗",
        "how to change my chinese name on documents",
        "my name is spelled wrong in my chinese passport",
        "can i change my surname after marriage in china",
        "名字里的生僻字打不出来怎么办",
        "户口本上的名字和护照不一样",
        "婚后想改随夫姓，国内怎么办",
        "name mismatch between passport and hukou",
        "改名字需要什么材料",
        "英文名能加到中國護照上嗎",
    ],
    "bank": [
        "国内银行卡被冻结了怎么办",
        "好几年没用的银行账户被冻结了",
        "人在国外，国内的银行卡被锁了",
        "銀行卡被凍結了，人在國外怎麼解凍",
        "my chinese bank account is frozen",
        "bank account in china blocked, i live abroad",
        "国内银行卡长时间不用被注销了吗",
        "怎么远程解冻国内的银行卡",
        "how to unfreeze my bank card in china from overseas",
        "银行说要本人到柜台才能解冻账户",
        "銀行帳戶被凍結要本人回國嗎",
        "bank card frozen need to go back to china?",
        "支付宝绑定的银行卡被冻结",
        "my icbc account was frozen",
        "国内账户冻结了能委托家人办吗",
    ],
    "flight": [
        "回国的机票太贵了有什么办法",
        "现在回长沙有直飞航班吗",
        "回国航班哪里订便宜",
        "从伦敦飞长沙要转机吗",
        "回國機票怎麼買比較便宜",
        "有没有包机回国",
        "cheap flights to changsha",
        "direct flight from sydney to changsha?",
        "how to book a flight home to hunan",
        "回国航班取消了怎么办",
        "机票改签怎么弄",
        "飛長沙的航班有哪些",
        "flight from toronto to changsha transit",
        "回国坐哪个航空公司好",
        "长沙机场有国际航班吗",
    ],
    "job": [
        "侨联招聘工作人员吗",
        "我想在侨联当志愿者",
        "侨联有没有实习机会",
        "怎么成为侨联的志愿者",
        "僑聯有招聘嗎",
        "想去侨联工作怎么申请",
        "does the federation hire staff",
        "volunteer opportunities at qiaolian",
        "how can i volunteer for the overseas chinese federation",
        "侨联的工作岗位在哪里看",
        "internship at the federation",
        "侨联志愿者需要什么条件",
        "可以去侨联做兼职吗",
        "僑聯義工怎麼報名",
        "job openings at hunan federation",
    ],
}
NOISE = [
    "你们的机器人是谁做的",
    "长沙今天限行吗",
    "asdf qwer",
    "臭豆腐哪家好吃",
    "推荐一个翻译软件",
    "how old is this bot",
    "我的快递到哪了",
    "橘子洲烟花几点开始",
    "电脑蓝屏了",
    "what time is it in beijing",
]


def _rows() -> list[Asked]:
    rows = []
    for topic, texts in TOPICS.items():
        for k, text in enumerate(texts):
            if topic == "bank" and k % 3 == 0:  # answered with passport-as-id, and the user said it did not help
                rows.append(Asked(text, "answered", "passport-as-id", None, False))
            elif topic == "bank":
                rows.append(Asked(text, "suggested", None, "passport-as-id:40,id-card:31"))
            elif topic == "name" and k % 2 == 0:
                rows.append(Asked(text, "suggested", None, "passport-renewal:38,id-card:30"))
            else:
                rows.append(Asked(text, "unanswered"))
    rows += [Asked(text, "unanswered") for text in NOISE]
    rows += [Asked("护照丢了怎么办", "answered", "lost-passport", None, True), Asked("hello", "answered", "x", None)]
    return rows


def _topic_of() -> dict[str, str]:
    return {text: topic for topic, texts in TOPICS.items() for text in texts}


def test_about_a_hundred_questions_cluster_by_missing_topic() -> None:
    """Same topic together, different topics apart.

    Similarity is lexical (plus the matcher's concepts, which know only the FAQ's own topics), so
    Chinese and English questions about a topic the FAQ lacks (pets, flights) form two groups.
    """
    rows = _rows()
    assert 90 <= len(rows) <= 110
    clusters = cluster(rows)
    topic_of = _topic_of()
    assert sum(c.size for c in clusters) == len(rows) - 2  # answered and helpful (or not rated) are not gaps
    for c in clusters:
        if c.size >= 3:  # every real group is about one thing
            counts = Counter(topic_of.get(q.text, "noise") for q in c.questions)
            topic, n = counts.most_common(1)[0]
            assert topic != "noise" and n / c.size >= 0.75, [q.text for q in c.questions]
    together = {}  # each topic, in each language, mostly in one group
    for topic, texts in TOPICS.items():
        for chinese in (True, False):
            part = {t for t in texts if has_cjk(t) is chinese}
            together[topic, chinese] = max(sum(q.text in part for q in c.questions) for c in clusters) / len(part)
    # Words that share nothing (机票, 航班, 航空公司) can still split a topic: most parts, not all.
    assert sum(share >= 0.6 for share in together.values()) >= 8, together
    assert min(together.values()) >= 0.3, together
    assert clusters[0].size >= 10 and all(a.size >= b.size for a, b in pairwise(clusters))
    assert all(c.size <= 2 for c in clusters if topic_of.get(c.examples[0]) is None)  # noise stays apart


def test_clusters_name_what_they_were_confused_with_and_give_examples() -> None:
    clusters = cluster(_rows())
    topic_of = _topic_of()
    bank = next(c for c in clusters if topic_of.get(c.examples[0]) == "bank")
    assert bank.confused_with[0][0] == "passport-as-id" and bank.confused_with[1][0] == "id-card"
    assert bank.not_helpful >= 2 and bank.suggested >= 4
    assert 1 <= len(bank.examples) <= 4 and all(topic_of.get(e) == "bank" for e in bank.examples)
    assert bank.terms
    pet = next(c for c in clusters if topic_of.get(c.examples[0]) == "pet")
    assert pet.confused_with == [] and pet.unanswered == pet.size
    text = render(clusters, limit=3)
    assert text.splitlines()[0].startswith(f"{sum(c.size for c in clusters)} question(s)")
    assert "confused with: passport-as-id" in text and "smaller group(s)" in text


def test_nothing_missed_is_said_plainly() -> None:
    assert cluster([Asked("护照丢了怎么办", "answered", "lost-passport")]) == []
    assert render([]) == "no unanswered questions in this period"


def _insert(engine: Engine, rows: list[Asked], when: datetime) -> None:
    with session_scope(engine) as s:
        for r in rows:
            s.add(
                Question(
                    text=r.text,
                    language="zh-Hans",
                    outcome=r.outcome,
                    entry_id=r.entry_id,
                    suggestions=r.suggestions,
                    helpful=r.helpful,
                    asked_at=when,
                )
            )


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path / 'gaps.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    _insert(engine, _rows(), now - timedelta(days=2))
    _insert(engine, [Asked("很久以前的问题：回国带狗", "unanswered")], now - timedelta(days=90))
    return url, engine


def test_missed_questions_come_from_the_table_within_the_period(database: tuple[str, Engine]) -> None:
    _, engine = database
    since = datetime.now(UTC) - timedelta(days=30)
    rows = q(missed_questions, engine, since=since)
    assert len(rows) == len(_rows()) - 2
    assert all(r.outcome in ("suggested", "unanswered") or r.helpful is False for r in rows)
    assert len(q(missed_questions, engine, since=since - timedelta(days=100))) == len(rows) + 1


def test_cli_prints_groups_and_json(
    database: tuple[str, Engine], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = database
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("FAQ_DIR", str(FAQ_DIR))
    assert main(["faq", "gaps", "--days", "30", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) >= 5 and data[0]["size"] >= data[-1]["size"]
    assert {"size", "examples", "terms", "confused_with", "unanswered", "suggested", "not_helpful"} <= set(data[0])
    assert not any("很久以前" in e for group in data for e in group["examples"])
    assert main(["faq", "gaps"]) == 0
    assert "question(s) the bot could not answer" in capsys.readouterr().out
    assert main(["faq", "gaps", "--days", "0"]) == 2


def test_cli_without_a_database_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    assert main(["faq", "gaps"]) == 2
    assert "no database" in capsys.readouterr().err
