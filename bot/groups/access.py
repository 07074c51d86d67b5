"""Who may act on a queue's reports and join requests, whatever the channel.

Pure rules over a plain :class:`Actor`; the one outside fact they need — whether a Telegram user
is in a staff group right now — comes through the :class:`Membership` port.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from bot.reports.federation import Federation

Channel = Literal["telegram", "console", "cli", "system"]


class Membership(Protocol):
    def is_member(self, chat_id: int, user_id: int) -> bool:
        """Whether the user is a member of the group now (asked of Telegram at each action)."""
        ...


class NoMembership:
    """No Telegram at hand (CLI, console, tests of pure rules): nobody is a member of anything."""

    def is_member(self, chat_id: int, user_id: int) -> bool:
        return False


@dataclass(frozen=True)
class Actor:
    """The person (or process) acting, as a plain value: services never see a ``telegram.User``."""

    channel: Channel
    id: int | None
    name: str
    language: str | None = None  # Telegram's language_code of the person
    chat_id: int | None = None  # Telegram: the chat the action came from
    in_group: bool = False  # Telegram: the chat is a group, not a private chat
    is_admin: bool = False
    queue: str | None = None  # console: the staff account's queue
    role: str | None = None  # console: agent | lead | admin

    @property
    def label(self) -> str:
        return self.name or (str(self.id) if self.id is not None else self.channel)


SYSTEM = Actor("system", None, "system")


def may_act(
    actor: Actor, queue_id: str, group_chat: int | None, federation: Federation, membership: Membership
) -> bool:
    """Whether ``actor`` may see and act on what belongs to ``queue_id``.

    ``group_chat`` is the Telegram group responsible for the queue (its own or its nearest
    ancestor's), if any. In a Telegram group, only that group's own work can be touched, whoever
    asks, so nothing of one county is ever shown in another county's group. Elsewhere, admins may
    act anywhere; members of the responsible group may act on its work. Console accounts act on
    their queue (agents), their queue and every queue below it (leads), or everything (admins).
    """
    if actor.channel in ("system", "cli"):
        return True
    if actor.channel == "console":
        if actor.role == "admin":
            return True
        if actor.queue is None:
            return False
        if actor.role == "lead":
            return actor.queue in federation.ancestry(queue_id)
        return actor.queue == queue_id
    if actor.in_group and (group_chat is None or actor.chat_id != group_chat):
        return False
    if actor.is_admin:
        return True
    return group_chat is not None and actor.id is not None and membership.is_member(group_chat, actor.id)
