"""Import every table module so ``SQLModel.metadata`` knows the whole schema."""

from bot.storage.delivery_tables import IntakeUpdate, OutboxMessage
from bot.storage.models import Question, User
from bot.storage.ticket_tables import Binding, ReportDraft, StaffPost, Ticket, TicketEvent, TicketMessage

__all__ = [
    "Binding", "IntakeUpdate", "OutboxMessage", "Question", "ReportDraft", "StaffPost", "Ticket", "TicketEvent",
    "TicketMessage", "User",
]  # fmt: skip
