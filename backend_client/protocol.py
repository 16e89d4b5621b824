"""The service desk contract by role; the local (SQLAlchemy) desk and the HTTP client satisfy all of it.

Each consumer asks for the smallest role it uses: the dialogue a `CustomerDesk`, jobs a `JobsDesk`, the
agent desk a `StaffDesk`; `ServiceDesk` is their union, for implementations and the composition root.

Every call that reads or changes a customer's records takes the `Actor` behind it: the desk, not the
caller, decides what a contact may see (their own account only) and records who did what.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Protocol

from backend_client.kb import Article, ArticleVersion, ImportReport, KbGap, SearchResult
from backend_client.types import (
    AgentAccount,
    Actor,
    ContactBinding,
    Customer,
    NewComplaint,
    NewNotice,
    NewTicket,
    Notice,
    Notification,
    Page,
    Problem,
    Reopened,
    Scope,
    SlaJobReport,
    Survey,
    Ticket,
    TicketEvent,
    TicketOpened,
    TicketStatus,
    Urged,
)


class Reachable(Protocol):
    """Anything the front door depends on answers a health check."""

    async def ping(self) -> None:
        """Raise BackendUnavailable when the desk cannot be reached."""
        ...


class CommonDesk(Reachable, Protocol):
    """What customers' and agents' sides both call: reading tickets, accounts and notices, escalating."""

    async def get_ticket(self, number: str, actor: Actor) -> Ticket:
        """The ticket; NotFound, or Forbidden for another account's ticket."""
        ...

    async def list_tickets(self, actor: Actor, *, customer_id: int | None = None,
                           status: TicketStatus | None = None, offset: int = 0, limit: int = 20) -> Page[Ticket]:
        """Newest first: a contact's account, a reporter's own tickets, or (staff) any filter."""
        ...

    async def ticket_events(self, number: str, actor: Actor) -> list[TicketEvent]:
        """The ticket's history, oldest first."""
        ...

    async def escalate(self, number: str, actor: Actor, *, reason: str) -> Ticket:
        """Hierarchical escalation on demand (customer urges, agent escalates): next level up."""
        ...

    async def get_customer(self, code: str, actor: Actor) -> Customer:
        """An account with its circuits; contacts see only their own."""
        ...

    async def notices_affecting(self, *, customer_id: int | None = None, circuit_id: str | None = None,
                                region: str | None = None, service_type: str | None = None,
                                at: datetime | None = None) -> list[Notice]:
        """Published notices whose scope and window cover the customer, circuit or region now."""
        ...


class CustomerDesk(CommonDesk, Protocol):
    """What the dialogue needs on a customer's behalf: reporting, binding, surveys, the knowledge base."""

    async def open_ticket(self, request: NewTicket) -> TicketOpened:
        """Open a ticket (idempotent per key); duplicates and known causes are linked, not opened twice."""
        ...

    async def urge(self, number: str, actor: Actor, *, reason: str) -> Urged:
        """The customer urges (催单): escalated at most once per tier per interval and never past the plan's level;
        otherwise recorded on the ticket for the agent. The outcome says which."""
        ...

    async def reopen_or_relink(self, number: str, actor: Actor, *, reason: str) -> Reopened:
        """The customer says the fault is back: a ticket resolved within the reopen window reopens (new resolution
        clock); a later or closed one gets a new incident linked to it; an open one records it."""
        ...

    async def open_complaint(self, complaint: NewComplaint) -> TicketOpened:
        """Open a complaint ticket (idempotent per key) for the complaint group, linked to the ticket concerned."""
        ...

    async def find_binding(self, channel: str, user_id: str) -> ContactBinding | None:
        """The verified contact behind a channel identity, if any."""
        ...

    async def start_verification(self, channel: str, user_id: str, customer_code: str, mobile: str) -> bool:
        """Send a one-time code to the contact's registered mobile; False when code and mobile do not match."""
        ...

    async def confirm_verification(self, channel: str, user_id: str, code: str) -> ContactBinding | None:
        """Bind the channel identity when the code is right and fresh; None otherwise."""
        ...

    async def unbind(self, channel: str, user_id: str) -> ContactBinding | None:
        """End a channel identity's binding at once (the binding that ended; None when it had none)."""
        ...

    async def answer_survey(self, ticket: str, score: int, comment: str | None, actor: Actor) -> Survey:
        """Store a satisfaction answer (1–5) against the ticket and the group that resolved it."""
        ...

    async def pending_survey(self, actor: Actor) -> Survey | None:
        """The customer's newest unanswered survey, if any."""
        ...

    async def search_kb(self, query: str, actor: Actor, *, limit: int = 3) -> SearchResult:
        """Published articles the actor's account may see, ranked, with the answer/suggest/abstain decision."""
        ...

    async def kb_article(self, key: str, actor: Actor | None = None) -> Article:
        """One published article the customer ``actor`` may see (tier, services, region); NotFound otherwise.

        Without an actor (staff tools) every published article may be read.
        """
        ...

    async def kb_feedback(self, article_key: str, query: str, solved: bool, actor: Actor) -> None:
        """Store whether an article solved the customer's question."""
        ...


class StaffDesk(CommonDesk, Protocol):
    """What agents and admins need: working tickets, problems and notices."""

    async def transition(self, number: str, status: TicketStatus, actor: Actor, *, note: str | None = None,
                         expected_version: int | None = None) -> Ticket:
        """Move the ticket to ``status``; Conflict names the rule an invalid move breaks."""
        ...

    async def change_priority(self, number: str, priority: str, actor: Actor, *, reason: str = "") -> Ticket:
        """Re-prioritise; SLA deadlines are recomputed from the original start."""
        ...

    async def reassign(self, number: str, group_id: str, actor: Actor, *, reason: str) -> Ticket:
        """Functional reassignment to another support group."""
        ...

    async def create_problem(self, title: str, scope: Scope, actor: Actor, *, cause: str = "") -> Problem:
        """Record a problem that incidents can be linked to."""
        ...

    async def get_problem(self, number: str) -> Problem:
        """The problem with its linked incidents."""
        ...

    async def link_incident(self, problem: str, ticket: str, actor: Actor) -> Ticket:
        """Link an incident; it waits for the problem (its resolution clock pauses)."""
        ...

    async def resolve_problem(self, problem: str, note: str, actor: Actor) -> Problem:
        """Resolve the problem and every linked incident, and notify each affected contact."""
        ...

    async def create_notice(self, notice: NewNotice, actor: Actor) -> Notice:
        """A draft notice."""
        ...

    async def publish_notice(self, number: str, actor: Actor) -> int:
        """Publish; one notification per affected bound contact. Returns how many were queued."""
        ...

    async def record_event(self, number: str, kind: str, actor: Actor, *, detail: dict[str, str]) -> TicketEvent:
        """Add ``desk_<kind>`` to the ticket's history (an agent desk action on a conversation linked to it)."""
        ...

    async def request_survey(self, number: str, actor: Actor) -> Survey:
        """A pending satisfaction survey for the ticket (asked when an agent closes the conversation), or the one
        already asked."""
        ...

    async def text_contact(self, contact_id: int, text: str, actor: Actor) -> None:
        """An SMS to the contact's registered mobile (an agent's reply their chat channel could not deliver)."""
        ...


class JobsDesk(Reachable, Protocol):
    """What background jobs need: the notification outbox and the SLA clock."""

    async def claim_notifications(self, channel: str, *, limit: int = 50, lease_s: float = 60) -> list[Notification]:
        """Take due notifications for a channel; a claim is leased so two deliverers never send one twice."""
        ...

    async def notification_delivered(self, notification_id: int, detail: str = "") -> None:
        """Record a successful delivery."""
        ...

    async def notification_failed(self, notification_id: int, error: str, *, retry: bool) -> None:
        """Record a failed attempt; retried later with back-off, or given up after the last attempt."""
        ...

    async def run_sla_job(self, now: datetime | None = None) -> SlaJobReport:
        """Raise due SLA warnings, breaches and escalations, each exactly once."""
        ...


class KnowledgeAdmin(Protocol):
    """Knowledge management for the desk's staff: articles in and out, their history, gaps, drafts, publishing."""

    async def import_articles(self, articles: Iterable[Article], actor: Actor, *,
                              retire_missing: bool = False) -> ImportReport:
        """Upsert by key in one transaction (all or nothing), recording a version for each change; with
        ``retire_missing``, retire the articles the import leaves out."""
        ...

    async def export_articles(self, actor: Actor, status: str | None = None) -> list[Article]:
        """Every article (or those with ``status``), by key."""
        ...

    async def article_versions(self, key: str, actor: Actor) -> list[ArticleVersion]:
        """An article's saved versions, oldest first."""
        ...

    async def kb_gaps(self, actor: Actor, limit: int = 20, days: int = 30) -> list[KbGap]:
        """Questions the knowledge base did not answer in the last ``days``, similar ones grouped, most frequent
        first."""
        ...

    async def draft_from_ticket(self, number: str, actor: Actor) -> Article:
        """A draft article from a resolved ticket's resolution note."""
        ...

    async def publish_article(self, key: str, actor: Actor) -> Article:
        """Publish an article so the bot may use it."""
        ...


class ServiceDesk(CustomerDesk, StaffDesk, JobsDesk, Protocol):
    """The whole desk, as its implementations (the local SQL desk, the HTTP client) provide it."""


class AgentDirectory(Protocol):
    """The desk's agent accounts: who may sign in to the agent desk, in which group, with which role."""

    async def add_agent(self, account: AgentAccount, password: str) -> AgentAccount:
        """Create an account (Conflict when the login exists; Invalid for an unknown group or a weak password)."""
        ...

    async def list_agents(self, group_id: str | None = None) -> list[AgentAccount]:
        """Accounts by login, optionally of one group."""
        ...

    async def get_agent(self, login: str) -> AgentAccount:
        """One account; NotFound otherwise."""
        ...

    async def set_agent_password(self, login: str, password: str) -> None:
        """Replace the password (sessions of the account are the desk's concern)."""
        ...

    async def set_agent_disabled(self, login: str, disabled: bool) -> AgentAccount:
        """Disable (or re-enable) an account; a disabled account cannot sign in."""
        ...

    async def authenticate_agent(self, login: str, password: str) -> AgentAccount | None:
        """The enabled account when the password is right; None otherwise (same answer for an unknown login)."""
        ...

    async def contact_identities(self, contact_id: int) -> list[tuple[str, str]]:
        """(channel, user id) of every identity verified as the contact: their conversations on other channels."""
        ...
