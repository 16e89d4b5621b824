"""The service desk contract and its implementations."""
from backend_client.errors import BackendError, BackendUnavailable, Conflict, Forbidden, Invalid, NotFound
from backend_client.protocol import KnowledgeAdmin, ServiceDesk
from backend_client.types import (
    OPEN_STATUSES,
    SYSTEM,
    Actor,
    CircuitInfo,
    ContactBinding,
    Customer,
    Level,
    NewNotice,
    NewTicket,
    Notice,
    Notification,
    OpenOutcome,
    Page,
    Problem,
    Reporter,
    Role,
    Scope,
    SlaJobReport,
    Survey,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketOpened,
    TicketStatus,
)

__all__ = [
    "OPEN_STATUSES", "SYSTEM", "Actor", "BackendError", "BackendUnavailable", "CircuitInfo", "Conflict",
    "ContactBinding", "Customer", "Forbidden", "Invalid", "KnowledgeAdmin", "Level", "NewNotice", "NewTicket",
    "NotFound", "Notice", "Notification", "OpenOutcome", "Page", "Problem", "Reporter", "Role", "Scope",
    "ServiceDesk", "SlaJobReport", "Survey", "Ticket", "TicketEvent", "TicketKind", "TicketOpened", "TicketStatus",
]
