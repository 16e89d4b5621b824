"""The service desk's records as the front door sees them: plain data, no ORM."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class TicketKind(str, Enum):
    """ITIL record types the desk handles."""

    INCIDENT = "incident"
    SERVICE_REQUEST = "service_request"
    COMPLAINT = "complaint"
    CONSULTATION = "consultation"


class TicketStatus(str, Enum):
    """Ticket lifecycle states; `waiting_problem` is an incident linked to an open problem."""

    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PENDING_CUSTOMER = "pending_customer"
    WAITING_PROBLEM = "waiting_problem"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


OPEN_STATUSES = frozenset(set(TicketStatus) - {TicketStatus.RESOLVED, TicketStatus.CLOSED})


class Level(str, Enum):
    """Impact and urgency scale of the priority matrix."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Role(str, Enum):
    """Who acts: decides what they may see and do (a contact only their own account)."""

    CONTACT = "contact"
    REPORTER = "reporter"
    BOT = "bot"
    AGENT = "agent"
    ADMIN = "admin"
    SYSTEM = "system"


@dataclass(frozen=True)
class Reporter:
    """Who reported, on which channel; used for 'my tickets' before an account is bound."""

    channel: str
    user_id: str


@dataclass(frozen=True)
class Actor:
    """The person or process behind a call; every change records it."""

    role: Role
    id: str
    channel: str = "system"
    customer_id: int | None = None
    contact_id: int | None = None
    reporter: Reporter | None = None

    @classmethod
    def customer(cls, reporter: Reporter, binding: "ContactBinding | None") -> "Actor":
        """A customer writing on a channel: a verified contact, or an unbound reporter."""
        who = f"{reporter.channel}:{reporter.user_id}"
        if binding is None:
            return cls(Role.REPORTER, who, reporter.channel, reporter=reporter)
        return cls(Role.CONTACT, who, reporter.channel, binding.customer_id, binding.contact_id, reporter)

    @property
    def is_staff(self) -> bool:
        """Agents, admins, the system and the bot's own operations see every account."""
        return self.role in (Role.AGENT, Role.ADMIN, Role.SYSTEM, Role.BOT)


SYSTEM = Actor(Role.SYSTEM, "system")


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
class CircuitInfo:
    """A contracted service instance."""

    circuit_id: str
    service_type: str
    address: str


@dataclass(frozen=True)
class Customer:
    """An enterprise account as agents and the API see it."""

    id: int
    code: str
    name: str
    tier: str
    province: str
    city: str
    county: str
    service_plan: str
    account_manager: str | None
    circuits: tuple[CircuitInfo, ...] = ()


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
    region: str | None = None


@dataclass(frozen=True)
class Ticket:
    """A ticket as the customer and the desk see it."""

    number: str
    kind: TicketKind
    status: TicketStatus
    priority: str
    summary: str
    customer_id: int | None
    reporter: Reporter
    assigned_tier: str
    assigned_group: str
    owner_group: str
    created_at: datetime
    response_due_at: datetime
    resolution_due_at: datetime | None
    responded_at: datetime | None
    resolved_at: datetime | None
    version: int
    service_type: str | None = None
    circuit_id: str | None = None
    description: str = ""
    problem: str | None = None
    notice: str | None = None
    resolution_note: str | None = None
    escalation_level: int = 0
    related_ticket: str | None = None
    about: str | None = None
    about_whom: str | None = None

    def next_deadline(self) -> tuple[str, datetime] | None:
        """Which SLA target runs now (response first, then resolution) and when it falls due."""
        if self.status not in OPEN_STATUSES:
            return None
        if self.responded_at is None:
            return "response", self.response_due_at
        return ("resolution", self.resolution_due_at) if self.resolution_due_at else None


class OpenOutcome(str, Enum):
    """What opening a ticket did: a new ticket, an existing duplicate, or a new one linked to a known cause."""

    OPENED = "opened"
    DUPLICATE = "duplicate"
    LINKED_PROBLEM = "linked_problem"
    LINKED_NOTICE = "linked_notice"


@dataclass(frozen=True)
class TicketOpened:
    """The result of `open_ticket`; ``notice`` is set when a published notice explains the fault."""

    ticket: Ticket
    outcome: OpenOutcome
    notice: "Notice | None" = None


class UrgeOutcome(str, Enum):
    """What a customer's urging did: escalated, or recorded on the ticket and why it went no higher."""

    ESCALATED = "escalated"
    TOO_SOON = "too_soon"
    PLAN_LIMIT = "plan_limit"
    TOP_REACHED = "top_reached"
    NOT_OPEN = "not_open"


@dataclass(frozen=True)
class Urged:
    """The result of `urge`: the ticket as it stands now, the outcome and how many times it was urged."""

    ticket: Ticket
    outcome: UrgeOutcome
    urges: int = 1


class ReopenOutcome(str, Enum):
    """What 'the fault is back' did: reopened the ticket, opened a new incident linked to it, or nothing (open)."""

    REOPENED = "reopened"
    RELINKED = "relinked"
    STILL_OPEN = "still_open"


@dataclass(frozen=True)
class Reopened:
    """The result of `reopen_or_relink`: the ticket now handling the fault (the same one or the linked new one)."""

    ticket: Ticket
    outcome: ReopenOutcome
    previous: str


class ComplaintAbout(str, Enum):
    """What a complaint is about."""

    TICKET = "ticket"
    VISIT = "visit"
    BILL = "bill"
    SERVICE = "service"


@dataclass(frozen=True)
class NewComplaint:
    """A customer's complaint: what about, whom (a person or team, as they name them) and the ticket concerned."""

    reporter: Reporter
    about: ComplaintAbout
    text: str
    idempotency_key: str
    ticket: str | None = None
    whom: str | None = None
    customer_id: int | None = None
    contact_id: int | None = None
    contact_phone: str | None = None


@dataclass(frozen=True)
class TicketEvent:
    """One entry of a ticket's append-only history."""

    at: datetime
    actor: str
    channel: str
    kind: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """Where a problem or notice applies; an empty list means 'any'."""

    regions: tuple[str, ...] = ()
    service_types: tuple[str, ...] = ()
    circuit_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """A cause shared by many incidents (a cut fibre)."""

    number: str
    title: str
    status: str
    scope: Scope
    created_at: datetime
    cause: str = ""
    resolution_note: str | None = None
    resolved_at: datetime | None = None
    incidents: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewNotice:
    """A planned work or known outage to announce."""

    kind: str
    title: str
    text: str
    scope: Scope
    starts_at: datetime
    ends_at: datetime
    problem: str | None = None


@dataclass(frozen=True)
class Notice:
    """A published (or draft) notice with its customer-facing text and window."""

    number: str
    kind: str
    title: str
    text: str
    scope: Scope
    starts_at: datetime
    ends_at: datetime
    status: str
    problem: str | None = None


@dataclass(frozen=True)
class Notification:
    """One message waiting in the outbox for a channel to deliver."""

    id: int
    kind: str
    channel: str
    user_id: str
    contact_id: int | None
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class Survey:
    """A satisfaction survey after resolution, and its answer."""

    ticket: str
    status: str
    group: str
    score: int | None = None
    comment: str | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class SlaJobReport:
    """What one run of the SLA job raised."""

    checked: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing."""

    items: list[T] = field(default_factory=list)
    total: int = 0
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class AgentAccount:
    """A person at the agent desk: an agent or a team lead of one support group (from `servicedesk.groups`)."""

    login: str
    name: str
    group_id: str
    role: str = "agent"          # agent | lead
    capacity: int = 3            # conversations at once
    disabled: bool = False
