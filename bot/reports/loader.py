"""Read ``faq/federations.yaml``: the queues of the federation tree and the gazetteer of places."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from bot.content.fields import Reader, describe
from bot.content.problems import Problem
from bot.content.yamlsrc import LineDict, LineList, load_yaml
from bot.reports.federation import ROOT_QUEUE, Ambiguity, Elsewhere, Federation, Place, Queue
from bot.reports.gazetteer import keys_of

FEDERATIONS_FILE = "federations.yaml"
QUEUE_ID_RE = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
REQUIRED_QUEUES = {ROOT_QUEUE, "liaison"}
EMAIL_RE = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")  # one plain address, no display name
WECOM_HOST = "qyapi.weixin.qq.com"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def check_federation(directory: Path) -> tuple[Federation | None, list[Problem]]:
    path = directory / FEDERATIONS_FILE
    reader = Reader(path)
    if not path.exists():
        return None, [Problem(path, 0, "federations.yaml is missing: it lists the queues and places")]
    data, syntax = load_yaml(path)
    reader.problems.extend(syntax)
    if data is None:
        return None, reader.problems or [Problem(path, 1, "the file is empty")]
    if not isinstance(data, LineDict):
        reader.error(1, f"federations.yaml must have 'queues:' and 'places:', got {describe(data)}")
        return None, reader.problems
    reader.keys(data, "federations.yaml", {"queues", "places", "elsewhere", "ambiguous"}, {"queues", "places"})
    queues = _queues(reader, data.get("queues"))
    places = _places(reader, data.get("places"), {q.id for q in queues})
    elsewhere = _elsewhere(reader, data.get("elsewhere", LineList()))
    ambiguous = _ambiguous(reader, data.get("ambiguous", LineList()), {p.name for p in places})
    if reader.problems and any(p.severity == "error" for p in reader.problems):
        return None, reader.problems
    return Federation(tuple(queues), tuple(places), tuple(elsewhere), tuple(ambiguous)), reader.problems


def _elsewhere(reader: Reader, raw: object) -> list[Elsewhere]:
    """Places outside Hunan: ``name`` (full Chinese path), ``en``, ``keys`` (names people type)."""
    if not isinstance(raw, list):
        reader.error(1, f"'elsewhere' must be a list, got {describe(raw)}")
        return []
    out: list[Elsewhere] = []
    for i, item in enumerate(raw):
        if not isinstance(item, LineDict):
            reader.error(
                raw.line_of(i) if isinstance(raw, LineList) else 1,
                f"an elsewhere entry must be a mapping, got {describe(item)}",
            )
            continue
        reader.keys(item, "elsewhere entry", {"name", "en", "keys", "province"}, {"name", "en", "keys"})
        name = reader.text(item, "name", "elsewhere entry")
        en = reader.text(item, "en", f"elsewhere {name!r}")
        keys = reader.texts(item, "keys", f"elsewhere {name!r}")
        province = item.get("province", False)
        if not isinstance(province, bool):
            reader.error(item.line_of("province"), f"elsewhere {name!r}: province must be true or false")
            continue
        if name and en and keys:
            out.append(Elsewhere(name, en, keys, province))
    return out


def _ambiguous(reader: Reader, raw: object, names: set[str]) -> list[Ambiguity]:
    """Names meaning several Hunan places: ``keys`` and the ``places`` (official names) they may mean."""
    if not isinstance(raw, list):
        reader.error(1, f"'ambiguous' must be a list, got {describe(raw)}")
        return []
    out: list[Ambiguity] = []
    for i, item in enumerate(raw):
        if not isinstance(item, LineDict):
            reader.error(
                raw.line_of(i) if isinstance(raw, LineList) else 1,
                f"an ambiguous entry must be a mapping, got {describe(item)}",
            )
            continue
        reader.keys(item, "ambiguous entry", {"keys", "places"}, {"keys", "places"})
        keys = reader.texts(item, "keys", "ambiguous entry")
        places = reader.texts(item, "places", "ambiguous entry")
        unknown = [p for p in places if p not in names]
        if unknown:
            reader.error(item.line_of("places"), f"ambiguous entry: unknown places {unknown}")
            continue
        if len(places) < 2:
            reader.error(item.line, "an ambiguous entry needs at least two places")
            continue
        out.append(Ambiguity(keys, places))
    return out


def _queues(reader: Reader, raw: object) -> list[Queue]:
    if not isinstance(raw, LineList):
        reader.error(1, f"'queues' must be a list, got {describe(raw)}")
        return []
    out: list[Queue] = []
    lines: dict[str, int] = {}
    for i, item in enumerate(raw):
        if not isinstance(item, LineDict):
            reader.error(raw.line_of(i), f"a queue must be a mapping, got {describe(item)}")
            continue
        reader.keys(item, "queue", {"id", "name", "parent", "sla_hours", "notify"}, {"id", "name", "sla_hours"})
        qid = reader.text(item, "id", "queue")
        name = reader.localized(item, "name", f"queue {qid or '?'}")
        parent = item.get("parent")
        sla = item.get("sla_hours")
        if qid and not QUEUE_ID_RE.match(qid):
            reader.error(item.line_of("id"), f"queue id {qid!r} must be lowercase letters, digits, hyphens")
            continue
        if qid in lines:
            reader.error(item.line_of("id"), f"duplicate queue id {qid!r} (first at line {lines[qid]})")
            continue
        if not isinstance(sla, int | float) or isinstance(sla, bool) or sla <= 0:
            reader.error(item.line_of("sla_hours"), f"queue {qid!r}: sla_hours must be a positive number of hours")
            continue
        if parent is not None and not isinstance(parent, str):
            reader.error(item.line_of("parent"), f"queue {qid!r}: parent must be a queue id, got {describe(parent)}")
            continue
        emails, wecom = _notify(reader, item, qid or "?")
        if qid and name:
            lines[qid] = item.line
            out.append(Queue(qid, name, float(sla), parent, emails, wecom))
    ids = {q.id for q in out}
    for q in out:
        if q.parent is not None and q.parent not in ids:
            reader.error(lines[q.id], f"queue {q.id!r}: unknown parent {q.parent!r}")
        elif _has_cycle(q, {x.id: x for x in out}):
            reader.error(lines[q.id], f"queue {q.id!r}: its parents form a cycle")
    for missing in sorted(REQUIRED_QUEUES - ids):
        reader.error(raw.line, f"the queue {missing!r} is required")
    return out


def _notify(reader: Reader, item: LineDict, qid: str) -> tuple[tuple[str, ...], str | None]:
    """``notify: {email: [...], wecom: URL}``: who hears of new, escalated and reopened reports outside Telegram."""
    where = f"queue {qid!r} notify"
    node = reader.mapping(item, "notify", f"queue {qid!r}")
    if node is None:
        return (), None
    reader.keys(node, where, {"email", "wecom"}, set())
    raw = node.get("email", [])
    if isinstance(raw, str):
        raw = [raw]
    emails: list[str] = []
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        reader.error(node.line_of("email"), f"{where}: email must be an address or a list of addresses")
        raw = []
    for address in raw:
        address = address.strip()
        if not EMAIL_RE.match(address):
            reader.error(node.line_of("email"), f"{where}: {address!r} is not an e-mail address (name@example.org)")
        elif address.lower() in (e.lower() for e in emails):
            reader.warn(node.line_of("email"), f"{where}: {address!r} is listed twice")
        else:
            emails.append(address)
    wecom = node.get("wecom")
    if wecom is None:
        return tuple(emails), None
    if not isinstance(wecom, str) or not wecom.strip():
        reader.error(node.line_of("wecom"), f"{where}: wecom must be the group robot's webhook URL")
        return tuple(emails), None
    url = urlparse(wecom.strip())
    secure = url.scheme == "https" or (url.scheme == "http" and url.hostname in LOOPBACK)
    if not secure or not url.hostname:
        reader.error(
            node.line_of("wecom"),
            f"{where}: wecom must be an https:// URL, e.g. https://{WECOM_HOST}/cgi-bin/webhook/send?key=…",
        )
        return tuple(emails), None
    if url.hostname != WECOM_HOST and url.hostname not in LOOPBACK:
        reader.warn(node.line_of("wecom"), f"{where}: {url.hostname!r} is not WeCom's robot address ({WECOM_HOST})")
    elif url.hostname == WECOM_HOST and "key=" not in url.query:
        reader.error(node.line_of("wecom"), f"{where}: the webhook URL has no key=…; copy it whole from the robot")
        return tuple(emails), None
    return tuple(emails), wecom.strip()


def _has_cycle(queue: Queue, by_id: dict[str, Queue]) -> bool:
    seen: set[str] = set()
    current: Queue | None = queue
    while current is not None and current.parent:
        if current.id in seen:
            return True
        seen.add(current.id)
        current = by_id.get(current.parent)
    return False


def _places(reader: Reader, raw: object, queue_ids: set[str]) -> list[Place]:
    if not isinstance(raw, LineList):
        reader.error(1, f"'places' must be a list, got {describe(raw)}")
        return []
    out: list[Place] = []
    owners: dict[str, tuple[str, str, int]] = {}
    allowed = {"name", "queue", "pinyin", "en", "aliases", "former", "short"}
    for i, item in enumerate(raw):
        if not isinstance(item, LineDict):
            reader.error(raw.line_of(i), f"a place must be a mapping, got {describe(item)}")
            continue
        reader.keys(item, "place", allowed, {"name", "queue"})
        name = reader.text(item, "name", "place")
        queue = reader.text(item, "queue", f"place {name!r}")
        if queue and queue not in queue_ids:
            reader.error(item.line_of("queue"), f"place {name!r}: unknown queue {queue!r}")
            continue
        lists = {key: reader.texts(item, key, f"place {name!r}") for key in ("aliases", "former")}
        short = item.get("short", True)
        if not isinstance(short, bool):
            reader.error(item.line_of("short"), f"place {name!r}: short must be true or false")
            continue
        if not (name and queue):
            continue
        place = Place(
            name=name,
            queue=queue,
            pinyin=reader.text(item, "pinyin", f"place {name!r}") or "",
            en=reader.text(item, "en", f"place {name!r}") or "",
            aliases=lists["aliases"],
            former=lists["former"],
            short=short,
        )
        for key in keys_of(place):
            other, other_queue, line = owners.setdefault(key, (name, queue, item.line))
            if other != name and other_queue != queue:
                reader.warn(item.line, f"place {name!r}: {key!r} also names {other!r} (line {line}); the first wins")
        out.append(place)
    return out
