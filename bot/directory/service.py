"""The directory's use cases: finding associations, the join form, officers deciding.

Each function takes the caller's Session and Env and a plain Actor, changes state, queues its
notices in the outbox and writes the audit entry in that transaction, and returns what to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from bot.db import conversations
from bot.db.conversations import State
from bot.db.models import JoinRequest
from bot.directory import conversation as form_flow
from bot.directory import places, render
from bot.directory import repo as joins
from bot.directory.conversation import JoinForm
from bot.directory.model import Association
from bot.groups import audit
from bot.groups import repo as groups
from bot.groups.access import Actor, may_act
from bot.messaging import outbox
from bot.messaging.callbacks import JoinDecision
from bot.messaging.markup import Reply, button, inline
from bot.messaging.outbox import Message
from bot.reports.conversation import resume_markup
from bot.runtime import Env
from bot.text.i18n import t
from bot.text.language import UiLang, parse

STAFF: UiLang = "zh-Hans"
RESULTS = 5  # associations per page
MAX_LISTED = 20  # the nearest ones to a place, over four pages
LIAISON_QUEUE = "liaison"


# -- finding --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """What /find found for a place: the associations (with distances when measured from a point),
    how they were found, and how to ask for the next page again (``target``, ASCII, for a button).

    ``how``: ``match`` (a city or association name of the directory), ``country`` (associations in a
    country), ``nearest`` (a city, region or country the directory does not list: the nearest ones),
    ``none``. ``place`` is the user's own words for the place, ``country`` an ISO code.
    """

    how: str
    associations: tuple[tuple[float | None, Association], ...] = ()
    place: str = ""
    country: str = ""
    target: tuple[str, str, str] | None = None

    def page(self, offset: int) -> tuple[tuple[float | None, Association], ...]:
        return self.associations[offset : offset + RESULTS]

    def more_after(self, offset: int) -> int | None:
        """The offset of the next page, if there is one."""
        following = offset + RESULTS
        return following if following < len(self.associations) and self.target is not None else None


def _hunan_first(found: list[Association]) -> list[Association]:
    return sorted(found, key=lambda a: a.hometown != "Hunan")  # stable: keeps the match order otherwise


def find(env: Env, text: str) -> Found:
    """Associations for a place typed in any script: a city or association of the directory, a
    country (CLDR names), or a place of the world gazetteer (the nearest associations, with distances).
    Never a country or city read from single words of a sentence."""
    directory = env.content.directory
    for phrase in places.phrases(text):
        exact = directory.exact(phrase)
        if exact:
            k = directory.exact_key(phrase)
            target = ("k", k, "") if k else None
            return Found("match", tuple((None, a) for a in _hunan_first(exact)), phrase, target=target)
    code = places.country_code(text, directory.country_aliases())
    if code:
        phrase = _place_phrase(text)
        in_country = _hunan_first(directory.in_country(code))
        if in_country:
            return Found("country", tuple((None, a) for a in in_country), phrase, code, ("c", code, ""))
        point = places.gazetteer().country_point(code)
        if point is not None:
            return _nearest(env, phrase, point.lat, point.lon, code)
        return Found("none", place=phrase, country=code)
    contained = directory.contained(text)
    if contained:
        return Found("match", tuple((None, a) for a in _hunan_first(contained)[:MAX_LISTED]), text)
    place = places.gazetteer().lookup(text)
    if place is not None:
        return _nearest(env, _place_phrase(text), place.lat, place.lon, place.country)
    fuzzy = directory.fuzzy(text)
    if fuzzy:
        return Found("match", tuple((None, a) for a in _hunan_first(fuzzy)[:MAX_LISTED]), text)
    return Found("none", place=text)


def _nearest(env: Env, phrase: str, lat: float, lon: float, country: str) -> Found:
    nearest = env.content.directory.nearest(lat, lon, limit=MAX_LISTED)
    target = ("p", f"{lat:.2f}", f"{lon:.2f}")
    return Found("nearest", tuple(nearest), phrase, country, target)


def _place_phrase(text: str) -> str:
    """The user's own words for the place ("Texas" of "I live in Texas"), as they wrote them."""
    candidates = places.phrases(text)
    return candidates[-1] if candidates else text


def page(env: Env, kind: str, a: str, b: str) -> Found:
    """The list a "more" button pages through: a directory key, a country, or a point."""
    directory = env.content.directory
    if kind == "k":
        return Found("match", tuple((None, x) for x in _hunan_first(directory.by_key(a))), target=(kind, a, b))
    if kind == "c":
        return Found("country", tuple((None, x) for x in _hunan_first(directory.in_country(a))), "", a, (kind, a, b))
    if kind == "p":
        try:
            lat, lon = float(a), float(b)
        except ValueError:
            return Found("none")
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return _nearest(env, "", lat, lon, "")
    return Found("none")


def wait_for_place(s: Session, env: Env, actor: Actor) -> None:
    """/find alone: the person's next message is a place."""
    assert actor.id is not None and actor.chat_id is not None
    conversations.save(s, State(actor.id, form_flow.FIND, actor.chat_id, "place"), now=env.now)


def stop_waiting(s: Session, env: Env, actor: Actor) -> bool:
    assert actor.id is not None
    return conversations.drop(s, user_id=actor.id, kind=form_flow.FIND)


def place_typed(s: Session, env: Env, actor: Actor, text: str) -> Found | None:
    """The message right after a bare /find is the place: the wait ends whatever it finds (None when
    /find is not waiting)."""
    assert actor.id is not None
    if conversations.get(s, user_id=actor.id, kind=form_flow.FIND) is None:
        return None
    conversations.drop(s, user_id=actor.id, kind=form_flow.FIND)
    return find(env, text)


# -- the join form ----------------------------------------------------------------------------


def start_join(s: Session, env: Env, actor: Actor, association_id: str, *, lang: str) -> Reply:
    assert actor.id is not None and actor.chat_id is not None
    association = env.content.directory.by_id.get(association_id)
    if association is None or not association.joins_by_request:
        return Reply(t("answer_gone", parse(lang) or "zh-Hans"))
    # A report draft stays (the join form answers first while it is open; the draft is offered
    # again when the form is done); a pending place search does not.
    conversations.drop(s, user_id=actor.id, kind=form_flow.FIND)
    form = JoinForm(language=lang, association_id=association.id)
    step, reply = form_flow.first(form, association)
    conversations.save(s, State(actor.id, form_flow.JOIN, actor.chat_id, step, form.to_data()), now=env.now)
    return reply


def join_input(s: Session, env: Env, actor: Actor, text: str) -> Reply | None:
    """An answer to the join form; None when no form is being filled in."""
    assert actor.id is not None
    state = conversations.get(s, user_id=actor.id, kind=form_flow.JOIN)
    if state is None:
        return None
    form = JoinForm.from_data(state.data)
    association = env.content.directory.by_id.get(form.association_id)
    if association is None:
        conversations.drop(s, user_id=actor.id, kind=form_flow.JOIN)
        return Reply(t("answer_gone", form.lang))
    state.step, reply = form_flow.take(state.step, form, text, association, state.nonce)
    state.data = form.to_data()
    conversations.save(s, state, now=env.now)
    return reply


@dataclass
class Consented:
    replies: list[Reply] = field(default_factory=list)
    request: JoinRequest | None = None


def consent(s: Session, env: Env, actor: Actor, nonce: str, send: bool) -> Consented:
    """The consent buttons: send the request (once) or drop the form."""
    assert actor.id is not None
    state = conversations.get(s, user_id=actor.id, kind=form_flow.JOIN)
    if state is None or state.nonce != nonce:
        sent = joins.by_nonce(s, nonce=f"{actor.id}:{nonce}")
        if sent is not None and sent.user_id == actor.id:
            lang = parse(sent.language) or "zh-Hans"
            return Consented([Reply(t("join_already_sent", lang, id=sent.id))], sent)
        return Consented()  # an old form's button
    form = JoinForm.from_data(state.data)
    conversations.drop(s, user_id=actor.id, kind=form_flow.JOIN)
    later = _draft_waiting(s, actor, form.lang)
    if not send:
        return Consented([Reply(t("join_cancelled", form.lang)), *later])
    request = joins.create(
        s,
        JoinRequest(
            nonce=f"{actor.id}:{nonce}",
            association_id=form.association_id,
            user_id=actor.id,
            chat_id=state.chat_id,
            language=form.language,
            name=form.name,
            contact=form.contact,
            about=form.about,
            status="pending",
            created_at=env.now,
        ),
    )
    audit.record(
        s, actor, "join_request", join_request_id=request.id, detail=f"association={form.association_id}", now=env.now
    )
    send_to_officers(s, env, request)
    outbox.enqueue(
        s, Message.text(request.chat_id, t("join_sent", form.lang, id=request.id)), key=f"join:{request.id}:sent"
    )
    return Consented(later, request)


def _draft_waiting(s: Session, actor: Actor, lang: UiLang) -> list[Reply]:
    """The reminder that a report draft is kept, with its continue button, when one waits behind the form."""
    assert actor.id is not None
    if conversations.get(s, user_id=actor.id, kind="report") is None:
        return []
    return [Reply(t("report_still_open", lang), resume_markup(lang))]


# -- officers --------------------------------------------------------------------------------


def officers_chat(s: Session, env: Env, association_id: str) -> int | None:
    """The association's own officer group, or else the liaison department's."""
    chat = groups.chat_of_queue(s, queue_id=f"association:{association_id}")
    if chat is not None:
        return chat
    target = groups.responsible_chat(s, env.content.federation, LIAISON_QUEUE)
    return target[0] if target else None


def send_to_officers(s: Session, env: Env, request: JoinRequest, *, reason: str = "officers") -> bool:
    """Queue the request's card for its officers; with no group bound yet it waits for /bind."""
    chat = officers_chat(s, env, request.association_id)
    card = officer_card(env, request)
    if card is None or chat is None or request.id is None:
        return False
    request.sent_to = chat
    s.add(request)
    outbox.enqueue(s, Message.text(chat, card.text, card.markup), key=f"join:{request.id}:{reason}")
    return True


def post_pending(s: Session, env: Env, chat_id: int, reason: str) -> int:
    """After a /bind: send this group the join requests that were waiting for one."""
    posted = 0
    for request in joins.unsent(s):
        if officers_chat(s, env, request.association_id) == chat_id and send_to_officers(
            s, env, request, reason=reason
        ):
            posted += 1
    return posted


def officer_card(env: Env, request: JoinRequest) -> Reply | None:
    """A join request as its officers see it, with approve / decline buttons."""
    association = env.content.directory.by_id.get(request.association_id)
    if association is None or request.id is None:
        return None
    text = t(
        "officer_card",
        STAFF,
        id=request.id,
        association=render.name(association, STAFF),
        name=request.name,
        contact=request.contact,
        about=request.about,
    )
    markup = inline(
        [
            [
                button(t("approve_button", STAFF), JoinDecision("ok", request.id)),
                button(t("decline_button", STAFF), JoinDecision("no", request.id)),
            ]
        ]
    )
    return Reply(text, markup)


def pending_for_admin(s: Session, env: Env, actor: Actor) -> list[Reply] | None:
    """/joins: every pending join request, for an admin to decide from anywhere (None: not an admin)."""
    if not actor.is_admin:
        return None
    return [card for request in joins.pending(s) if (card := officer_card(env, request)) is not None]


def console_scope(env: Env, actor: Actor) -> bool:
    """Console accounts decide join requests for the federation's liaison department: its agents,
    the leads above it, admins."""
    return actor.channel == "console" and may_act(actor, LIAISON_QUEUE, None, env.content.federation, env.membership)


def pending_in_scope(s: Session, env: Env, actor: Actor) -> list[JoinRequest]:
    """The console's join-request page: pending requests, if the account may decide them."""
    return list(joins.pending(s)) if console_scope(env, actor) else []


@dataclass
class Decision:
    ok: bool
    key: str
    request: JoinRequest | None = None


def decide(s: Session, env: Env, actor: Actor, request_id: int, approve: bool) -> Decision:
    """Approve or decline: members of the group the request was sent to, or admins."""
    request = joins.lock(s, request_id=request_id)
    allowed = request is not None and (
        actor.is_admin
        or (
            request.sent_to is not None
            and actor.chat_id == request.sent_to
            and actor.id is not None
            and env.membership.is_member(request.sent_to, actor.id)
        )
        or (actor.channel in ("cli", "system"))
        or console_scope(env, actor)
    )
    if not allowed or request is None or request.id is None:
        return Decision(False, "officer_only")
    if request.status != "pending":
        return Decision(False, "already_decided", request)
    request.status = "approved" if approve else "declined"
    request.decided_by, request.decided_at = actor.id, env.now
    s.add(request)
    audit.record(s, actor, f"join_{request.status}", join_request_id=request.id, now=env.now)
    tell_applicant(s, env, request)
    return Decision(True, "verdict_approved" if approve else "verdict_declined", request)


def tell_applicant(s: Session, env: Env, request: JoinRequest) -> None:
    association = env.content.directory.by_id.get(request.association_id)
    if association is None or request.id is None:
        return
    lang: UiLang = parse(request.language) or "zh-Hans"
    name = render.name(association, lang)
    own = groups.chat_of_queue(s, queue_id=f"association:{association.id}")
    by_liaison = own is None or own != request.sent_to  # decided by the federation's liaison department
    if request.status == "approved":
        how = t("join_how_contacts", lang, contacts="{contacts}").replace("{contacts}", render.contacts(association))
        key = "join_approved_liaison" if by_liaison else "join_approved"
        text = t(key, lang, association=name, id=request.id, how="{how}").replace("{how}", how)
    else:
        text = t("join_declined_liaison" if by_liaison else "join_declined", lang, association=name, id=request.id)
    outbox.enqueue(s, Message.text(request.chat_id, text), key=f"join:{request.id}:{request.status}")
