"""The service desk contract and its implementations."""
from backend_client.errors import (
    BackendError,
    BackendUnavailable,
    Conflict,
    Forbidden,
    FrontDoorError,
    Invalid,
    NotFound,
)
from backend_client.protocol import (
    CommonDesk,
    CustomerDesk,
    JobsDesk,
    KnowledgeAdmin,
    Reachable,
    ServiceDesk,
    StaffDesk,
)
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
    "OPEN_STATUSES", "SYSTEM", "Actor", "BackendError", "BackendUnavailable", "CircuitInfo", "CommonDesk", "Conflict",
    "ContactBinding", "Customer", "CustomerDesk", "Forbidden", "FrontDoorError", "Invalid", "JobsDesk",
    "KnowledgeAdmin", "Level", "NewNotice", "NewTicket", "NotFound", "Notice", "Notification", "OpenOutcome", "Page",
    "Problem", "Reachable", "Reporter", "Role", "Scope", "ServiceDesk", "SlaJobReport", "StaffDesk", "Survey",
    "Ticket", "TicketEvent", "TicketKind", "TicketOpened", "TicketStatus",
]
