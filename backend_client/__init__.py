"""The service desk contract and its implementations."""
from backend_client.errors import BackendError, BackendUnavailable, NotFound
from backend_client.protocol import ServiceDesk
from backend_client.types import (
    ContactBinding,
    Level,
    NewTicket,
    Reporter,
    Ticket,
    TicketKind,
    TicketStatus,
)

__all__ = [
    "BackendError", "BackendUnavailable", "ContactBinding", "Level", "NewTicket", "NotFound",
    "Reporter", "ServiceDesk", "Ticket", "TicketKind", "TicketStatus",
]
