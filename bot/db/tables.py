"""Import every table module so ``SQLModel.metadata`` knows the whole schema."""

from bot.db.delivery_tables import IntakeUpdate, OutboxMessage
from bot.db.models import Question, User
from bot.db.ticket_tables import (
    Binding,
    JoinRequest,
    ReportDraft,
    StaffPost,
    Ticket,
    TicketEvent,
    TicketMessage,
)

__all__ = [
    "Binding", "IntakeUpdate", "JoinRequest", "OutboxMessage", "Question", "ReportDraft", "StaffPost", "Ticket",
    "TicketEvent", "TicketMessage", "User",
]  # fmt: skip
