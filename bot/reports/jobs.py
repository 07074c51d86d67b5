"""Scheduled work: deliver the outbox, escalate tickets nobody claimed within their queue's SLA.

Deadlines live in the database, so a restart loses none; each run looks at what is due now.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram.ext import Application, ContextTypes

from bot.db.models import utcnow
from bot.messaging.context import SERVICES_KEY
from bot.messaging.delivery import Deliverer
from bot.reports import notify, tickets
from bot.reports.rules import escalation_deadline
from bot.runtime import Services
from bot.text.i18n import t

log = logging.getLogger(__name__)
DELIVERY_INTERVAL = 1.0
ESCALATION_INTERVAL = 60.0


def escalate_overdue(svc: Services, now: datetime | None = None) -> list[int]:
    """Move every overdue, unclaimed ticket up to its parent queue; returns their ids."""
    now = now or utcnow()
    federation = svc.faq.current.federation
    moved: list[int] = []
    for ticket in tickets.overdue(svc.engine, now=now):
        assert ticket.id is not None
        queue = federation.by_id.get(ticket.queue_id)
        parent = federation.parent(ticket.queue_id)
        if queue is None or parent is None:
            tickets.change(svc.engine, ticket_id=ticket.id, action="sla_missed", actor_id=None, escalate_at=None,
                           detail="no parent queue to escalate to", now=now)  # fmt: skip
            continue
        old_target = notify.responsible_chat(svc.engine, federation, queue.id)
        won = tickets.escalate(
            svc.engine, ticket=ticket, to_queue=parent.id, deadline=escalation_deadline(now, parent.sla_hours), now=now
        )
        if won is None:
            continue  # another process escalated it first (or staff claimed it meanwhile)
        ticket, event = won
        assert ticket.id is not None
        values = {
            "id": ticket.id, "hours": f"{queue.sla_hours:g}",
            "old": notify.queue_name(federation, queue.id, notify.STAFF_LANG),
            "new": notify.queue_name(federation, parent.id, notify.STAFF_LANG),
        }  # fmt: skip
        new_target = notify.responsible_chat(svc.engine, federation, parent.id)
        if old_target is not None and (new_target is None or new_target[0] != old_target[0]):
            notify.to_chat(
                svc.engine, old_target[0], t("card_escalated", notify.STAFF_LANG, **values), f"ev:{event}:old"
            )
        if new_target is not None:
            notify.to_chat(
                svc.engine, new_target[0], t("card_escalated", notify.STAFF_LANG, **values), f"ev:{event}:new"
            )
        moved_from = old_target[0] if old_target else None
        notify.refresh_cards(svc.engine, federation, ticket, f"ev{event}", moved_from=moved_from)
        notify.post_card(svc.engine, federation, ticket, reason=f"ev{event}")
        moved.append(ticket.id)
        log.info("ticket %s escalated from %s to %s", ticket.id, queue.id, parent.id)
    return moved


def schedule(app: Application, deliverer: Deliverer) -> None:  # type: ignore[type-arg]
    """Register the repeating jobs and let handlers ask for an immediate delivery round."""
    jq = app.job_queue
    if jq is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")

    async def deliver(_: ContextTypes.DEFAULT_TYPE) -> None:
        await deliverer.deliver_due()

    async def escalate(context: ContextTypes.DEFAULT_TYPE) -> None:
        if escalate_overdue(context.bot_data[SERVICES_KEY]):
            await deliverer.deliver_due()

    jq.run_repeating(deliver, interval=DELIVERY_INTERVAL, first=DELIVERY_INTERVAL, name="outbox")
    jq.run_repeating(escalate, interval=ESCALATION_INTERVAL, first=5, name="escalation")

    def wake() -> None:
        jq.run_once(deliver, when=0)

    services: Services = app.bot_data[SERVICES_KEY]
    services.wake_delivery = wake
