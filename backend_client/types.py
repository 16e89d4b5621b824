"""The service desk's records as the front door sees them: plain data, no ORM."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class TicketKind(str, Enum):
    """ITIL record types the desk handles."""

    INCIDENT = "incident"
    SERVICE_REQUEST = "service_request"
    COMPLAINT = "complaint"
    CONSULTATION = "consultation"


class TicketStatus(str, Enum):
    """Ticket lifecycle states."""

    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PENDING_CUSTOMER = "pending_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


class Level(str, Enum):
    """Impact and urgency scale of the priority matrix."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Reporter:
    """Who reported, on which channel; used for 'my tickets' before an account is bound."""

    channel: str
    user_id: str


@dataclass(frozen=True)
class ContactBinding:
    """A verified channel identity: the contact and the enterprise account they act for."""

    customer_id: int
    customer_code: str
    customer_name: str
    tier: str
    contact_id: int
    contact_name: str
    mobile: str


@dataclass(frozen=True)
class NewTicket:
    """What the front door knows when it opens a ticket."""

    kind: TicketKind
    reporter: Reporter
    summary: str
    description: str
    urgency: Level
    idempotency_key: str
    customer_id: int | None = None
    contact_id: int | None = None
    contact_phone: str | None = None
    service_type: str | None = None
    circuit_id: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Ticket:
    """A ticket as the customer may see it."""

    number: str
    kind: TicketKind
    status: TicketStatus
    priority: str
    summary: str
    customer_id: int | None
    reporter: Reporter
    assigned_tier: str
    created_at: datetime
    response_due_at: datetime
    resolution_due_at: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    service_type: str | None = None
    circuit_id: str | None = None

    def next_deadline(self) -> tuple[str, datetime] | None:
        """Which SLA target runs now (response first, then resolution) and when it falls due."""
        if self.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            return None
        if self.responded_at is None:
            return "response", self.response_due_at
        return "resolution", self.resolution_due_at
