"""Answering questions: match a question against the FAQ and log it; answers opened from the
menu; helpful / not helpful."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.faq import repo
from bot.faq.entries import FaqEntry
from bot.faq.matcher import MatchResult
from bot.groups.access import Actor
from bot.runtime import Env


@dataclass
class Asked:
    result: MatchResult
    question_id: int
    answer: FaqEntry | None
    suggestions: list[FaqEntry]


def ask(s: Session, env: Env, actor: Actor, text: str, *, lang: str) -> Asked:
    """What the FAQ says to a question (answer, suggestions or nothing), logged for admins."""
    snapshot = env.content
    result = snapshot.index.match(text)
    question_id = repo.log_question(s, result=result, language=lang, user_id=actor.id, chat_id=actor.chat_id)
    answer = snapshot.faq.by_id.get(result.match.id) if result.match else None
    suggestions = [snapshot.faq.by_id[x.id] for x in result.suggestions if x.id in snapshot.faq.by_id]
    return Asked(result, question_id, answer, suggestions)


def open_entry(s: Session, env: Env, actor: Actor, entry_id: str, *, lang: str) -> tuple[FaqEntry, int] | None:
    """An answer opened from the menu or a suggestion button (logged as viewed)."""
    entry = env.content.faq.by_id.get(entry_id)
    if entry is None:
        return None
    return entry, repo.log_view(s, entry_id=entry.id, language=lang, user_id=actor.id)


def feedback(s: Session, env: Env, actor: Actor, question_id: int, helpful: bool) -> str | None:
    """👍/👎 on the person's own answer; the language it was given in, or None if it is not theirs."""
    if actor.id is None:
        return None
    return repo.record_feedback(s, question_id=question_id, user_id=actor.id, helpful=helpful)
