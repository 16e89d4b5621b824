"""What travels over the REST API besides the contract types: request bodies, small envelopes, header names.

The API server (servicedesk/api) and the HTTP client (HttpServiceDesk) both use these, so they cannot drift.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from backend_client.kb import Article
from backend_client.types import Scope, TicketStatus

T = TypeVar("T")

PREFIX = "/api/v1"
IDEMPOTENCY_KEY = "Idempotency-Key"
ON_BEHALF_CHANNEL = "X-On-Behalf-Of-Channel"
ON_BEHALF_USER = "X-On-Behalf-Of-User"
ACTOR_ID = "X-Actor-Id"
ACTOR_ROLE = "X-Actor-Role"
ACTOR_CHANNEL = "X-Actor-Channel"


@dataclass(frozen=True)
class Transition:
    """Move a ticket; ``expected_version`` makes the change conditional (optimistic locking)."""

    status: TicketStatus
    note: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class PriorityChange:
    """Re-prioritise a ticket."""

    priority: str
    reason: str = ""


@dataclass(frozen=True)
class Escalation:
    """Escalate a ticket one level up."""

    reason: str


@dataclass(frozen=True)
class Urge:
    """A customer urges a ticket (催单), in their words."""

    reason: str


@dataclass(frozen=True)
class FaultBack:
    """A customer says a ticket's fault is back, in their words."""

    reason: str


@dataclass(frozen=True)
class Reassignment:
    """Hand a ticket to another support group."""

    group_id: str
    reason: str


@dataclass(frozen=True)
class VerificationStart:
    """Ask for a one-time code to bind a channel identity to a contact."""

    channel: str
    user_id: str
    customer_code: str
    mobile: str


@dataclass(frozen=True)
class VerificationConfirm:
    """The one-time code the customer typed."""

    channel: str
    user_id: str
    code: str


@dataclass(frozen=True)
class VerificationSent:
    """Whether a code went out (false when account code and mobile do not match)."""

    sent: bool


@dataclass(frozen=True)
class NewProblem:
    """A problem record to link incidents to."""

    title: str
    scope: Scope = field(default_factory=Scope)
    cause: str = ""


@dataclass(frozen=True)
class IncidentLink:
    """The incident to link to a problem."""

    ticket: str


@dataclass(frozen=True)
class Resolution:
    """How a problem was resolved."""

    note: str


@dataclass(frozen=True)
class Published:
    """How many notifications publishing a notice queued."""

    queued: int


@dataclass(frozen=True)
class SurveyAnswer:
    """A satisfaction answer, 1–5."""

    score: int
    comment: str | None = None


@dataclass(frozen=True)
class DeskEvent:
    """An agent desk action for a ticket's history."""

    kind: str
    detail: dict[str, str]


@dataclass(frozen=True)
class ContactText:
    """An SMS for a contact's registered mobile."""

    text: str


@dataclass(frozen=True)
class Claim:
    """A channel worker takes due notifications under a lease."""

    channel: str
    limit: int = 50
    lease_s: float = 60


@dataclass(frozen=True)
class Delivered:
    """A notification reached the customer."""

    detail: str = ""


@dataclass(frozen=True)
class Failed:
    """A delivery attempt failed; ``retry`` false gives up."""

    error: str
    retry: bool


@dataclass(frozen=True)
class SlaRun:
    """Run the SLA job once, optionally as of another moment."""

    now: datetime | None = None


@dataclass(frozen=True)
class KbQuery:
    """A customer's question for the knowledge base (in the body: it may be long, and it is the customer's text)."""

    query: str
    limit: int = 3


@dataclass(frozen=True)
class KbVerdict:
    """Whether an article shown for ``query`` solved the customer's question ("解决了/没解决")."""

    article: str
    query: str
    solved: bool


@dataclass(frozen=True)
class ArticleImport:
    """Articles to add or update by key, all or nothing; ``retire_missing`` retires every article not listed."""

    articles: list[Article]
    retire_missing: bool = False


@dataclass(frozen=True)
class DraftRequest:
    """The resolved ticket whose resolution note becomes a draft article."""

    ticket: str


@dataclass(frozen=True)
class Items(Generic[T]):
    """A complete (unpaged) list."""

    items: list[T] = field(default_factory=list)


@dataclass(frozen=True)
class ErrorBody:
    """Every API error: a stable machine-readable code, a human detail, and the bad field when there is one."""

    error: str
    detail: str
    field: str | None = None
