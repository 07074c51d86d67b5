"""Read ``faq/associations.yaml``: countries and the association directory."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType

from bot.content.fields import Reader, describe
from bot.content.problems import Problem
from bot.content.yamlsrc import LineDict, LineList, load_yaml
from bot.directory.model import Association, Country, Directory
from bot.faq.loader import ID_RE, MAX_ID

ASSOCIATIONS_FILE = "associations.yaml"
CONTACT_KINDS = {"website", "email", "phone", "telegram"}
_FIELDS = {
    "id",
    "name",
    "aliases",
    "country",
    "city",
    "location",
    "languages",
    "description",
    "contacts",
    "join",
    "hometown",
    "last_verified",
}
_REQUIRED = _FIELDS - {"aliases", "hometown"}
_CODE_RE = re.compile(r"^[A-Z]{2}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_directory(directory: Path) -> tuple[Directory | None, list[Problem]]:
    path = directory / ASSOCIATIONS_FILE
    if not path.exists():
        return Directory((), ()), [
            Problem(path, 0, "associations.yaml is missing: /find has nothing to show", "warning")
        ]
    reader = Reader(path)
    data, syntax = load_yaml(path)
    reader.problems.extend(syntax)
    if data is None:
        return None, reader.problems or [Problem(path, 1, "the file is empty")]
    if not isinstance(data, LineDict):
        reader.error(1, f"associations.yaml must have 'countries:' and 'associations:', got {describe(data)}")
        return None, reader.problems
    reader.keys(data, "associations.yaml", {"countries", "associations"}, {"countries", "associations"})
    countries = _countries(reader, data.get("countries"))
    associations = _associations(reader, data.get("associations"), {c.code for c in countries})
    if not associations and not any(p.severity == "error" for p in reader.problems):
        reader.warn(1, "the directory has no associations: /find will find nothing")
    if any(p.severity == "error" for p in reader.problems):
        return None, reader.problems
    return Directory(tuple(countries), tuple(associations)), reader.problems


def _countries(reader: Reader, raw: object) -> list[Country]:
    if not isinstance(raw, LineList):
        reader.error(1, f"'countries' must be a list, got {describe(raw)}")
        return []
    out: dict[str, Country] = {}
    for i, item in enumerate(raw):
        if not isinstance(item, LineDict):
            reader.error(raw.line_of(i), f"a country must be a mapping, got {describe(item)}")
            continue
        reader.keys(item, "country", {"code", "name", "aliases"}, {"code", "name"})
        code = reader.text(item, "code", "country")
        name = reader.localized(item, "name", f"country {code or '?'}")
        if code and not _CODE_RE.match(code):
            reader.error(item.line_of("code"), f"country code {code!r} must be two capital letters (ISO 3166-1)")
        elif code in out:
            reader.error(item.line_of("code"), f"country {code!r} is listed twice")
        elif code and name:
            out[code] = Country(code, name, reader.texts(item, "aliases", f"country {code}"))
    return list(out.values())


def _associations(reader: Reader, raw: object, codes: set[str]) -> list[Association]:
    if not isinstance(raw, LineList):
        reader.error(1, f"'associations' must be a list, got {describe(raw)}")
        return []
    out: list[Association] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        if not isinstance(item, LineDict):
            reader.error(raw.line_of(i), f"an association must be a mapping, got {describe(item)}")
            continue
        association = _association(reader, item, codes)
        if association is None:
            continue
        if association.id in seen:
            reader.error(item.line, f"duplicate id {association.id!r} (first at line {seen[association.id]})")
            continue
        seen[association.id] = item.line
        out.append(association)
    return out


def _association(reader: Reader, item: LineDict, codes: set[str]) -> Association | None:
    aid = reader.text(item, "id", "association")
    where = f"association {aid!r}" if aid else "association"
    reader.keys(item, where, _FIELDS, _REQUIRED)
    ok = True
    if aid is not None and (not ID_RE.match(aid) or len(aid) > MAX_ID):
        reader.error(item.line_of("id"), f"id {aid!r} must be lowercase letters, digits and single hyphens, ≤ {MAX_ID}")
        ok = False
    name = reader.localized(_without(item, "name", "aliases"), "name", where) if "name" in item else None
    country = reader.text(item, "country", where)
    if country is not None and country not in codes:
        reader.error(item.line_of("country"), f"{where}: country {country!r} is not in 'countries'")
        ok = False
    city_node = reader.mapping(item, "city", where)
    city = reader.localized(_without(item, "city", "aliases"), "city", where) if city_node is not None else None
    location = _location(reader, item, where)
    languages = reader.texts(item, "languages", where)
    if "languages" in item and not languages:
        reader.error(item.line_of("languages"), f"{where}: list at least one language")
        ok = False
    description = reader.localized(item, "description", where)
    contacts = _contacts(reader, item, where)
    join = reader.text(item, "join", where)
    if join is not None and join != "request" and not _is_https(join):
        reader.error(item.line_of("join"), f"{where}: join must be 'request' or an https:// link, got {join!r}")
        ok = False
    verified = _date(reader, item, where)
    hometown = reader.text(item, "hometown", where) if "hometown" in item else None
    parts = (aid, name, country, city, location, languages, description, contacts, join, verified)
    if not ok or any(p is None for p in parts) or not contacts:
        return None
    assert aid and name and country and city and location and description and join and verified and contacts
    return Association(
        id=aid,
        name=name,
        country=country,
        city=city,
        lat=location[0],
        lon=location[1],
        languages=languages,
        description=description,
        contacts=MappingProxyType(contacts),
        join=join,
        last_verified=verified,
        aliases=reader.texts(item, "aliases", where),
        city_aliases=reader.texts(city_node, "aliases", where) if city_node is not None else (),
        hometown=hometown,
    )


def _without(item: LineDict, key: str, drop: str) -> LineDict:
    """A view of ``item`` whose ``key`` mapping lacks ``drop`` (aliases sit beside zh/en)."""
    inner = item.get(key)
    if not isinstance(inner, LineDict) or drop not in inner:
        return item
    copy = LineDict({k: v for k, v in inner.items() if k != drop})
    copy.line, copy.key_lines = inner.line, inner.key_lines
    outer = LineDict(item)
    outer.line, outer.key_lines = item.line, item.key_lines
    outer[key] = copy
    return outer


def _location(reader: Reader, item: LineDict, where: str) -> tuple[float, float] | None:
    node = reader.mapping(item, "location", where)
    if node is None:
        return None
    lat, lon = node.get("lat"), node.get("lon")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon))
    if not numbers or not isinstance(lat, int | float) or not isinstance(lon, int | float):
        reader.error(node.line, f"{where}: location needs numeric lat and lon")
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        reader.error(node.line, f"{where}: location {lat}, {lon} is not on Earth (lat −90…90, lon −180…180)")
        return None
    return float(lat), float(lon)


def _contacts(reader: Reader, item: LineDict, where: str) -> dict[str, str] | None:
    node = reader.mapping(item, "contacts", where)
    if node is None:
        return None
    reader.keys(node, f"{where} contacts", CONTACT_KINDS, set())
    out: dict[str, str] = {}
    for kind, value in node.items():
        if kind not in CONTACT_KINDS:
            continue
        if not isinstance(value, str) or not value.strip():
            reader.error(node.line_of(kind), f"{where}: {kind} must be text, got {describe(value)}")
            continue
        out[kind] = value.strip()
    if not out:
        reader.error(node.line, f"{where}: give at least one contact (website, email, phone or telegram)")
        return None
    if "website" in out and not _is_https(out["website"]):
        reader.error(node.line_of("website"), f"{where}: website must be an https:// address")
    if "email" in out and not _EMAIL_RE.match(out["email"]):
        reader.error(node.line_of("email"), f"{where}: {out['email']!r} is not an email address")
    return out


def _is_https(url: str) -> bool:
    host = url.removeprefix("https://").split("/")[0]
    return url.startswith("https://") and "." in host and " " not in url


def _date(reader: Reader, item: LineDict, where: str) -> date | None:
    value = item.get("last_verified")
    if isinstance(value, datetime):
        reader.error(item.line_of("last_verified"), f"{where}: last_verified is a day, without a time (2026-06-30)")
        return None
    if isinstance(value, date):
        return _not_future(reader, item, where, value)
    if isinstance(value, str):
        try:
            return _not_future(reader, item, where, date.fromisoformat(value.strip()))
        except ValueError:
            pass
    if "last_verified" in item:
        reader.error(item.line_of("last_verified"), f"{where}: last_verified must be a date like 2026-06-30")
    return None


def _not_future(reader: Reader, item: LineDict, where: str, day: date) -> date:
    if day > date.today():
        reader.warn(item.line_of("last_verified"), f"{where}: last_verified {day} is in the future")
    return day
