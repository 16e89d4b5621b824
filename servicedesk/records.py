"""Rows to contract records, and the scope test shared by problems and notices."""
from __future__ import annotations

from servicedesk.models import Circuit, Customer as CustomerRow, NoticeRow, NotificationRow, ProblemRow
from servicedesk.models import SurveyRow, TicketEvent as EventRow, TicketRow
from servicedesk.policy import Region
from backend_client.types import (
    CircuitInfo,
    Customer,
    Notice,
    Notification,
    Problem,
    Reporter,
    Scope,
    Survey,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketStatus,
)


def to_ticket(row: TicketRow, problem: str | None = None, notice: str | None = None) -> Ticket:
    """The contract's view of a ticket row."""
    return Ticket(
        number=row.number, kind=TicketKind(row.kind), status=TicketStatus(row.status), priority=row.priority,
        summary=row.summary, customer_id=row.customer_id,
        reporter=Reporter(row.reporter_channel, row.reporter_user_id), assigned_tier=row.assigned_tier,
        assigned_group=row.assigned_group, owner_group=row.owner_group, created_at=row.created_at,
        response_due_at=row.response_due_at, resolution_due_at=row.resolution_due_at,
        responded_at=row.responded_at, resolved_at=row.resolved_at, version=row.version,
        service_type=row.service_type, circuit_id=row.circuit_id, description=row.description,
        problem=problem, notice=notice, resolution_note=row.resolution_note,
        escalation_level=row.escalation_level, related_ticket=row.related_number, about=row.about,
        about_whom=row.about_whom,
    )


def to_event(row: EventRow) -> TicketEvent:
    """One history entry."""
    return TicketEvent(row.at, row.actor, row.channel, row.kind, dict(row.detail or {}))


def scope_of(row: ProblemRow | NoticeRow) -> Scope:
    """The scope columns as a Scope."""
    return Scope(tuple(row.scope_regions or ()), tuple(row.scope_service_types or ()),
                 tuple(row.scope_circuit_ids or ()))


def to_problem(row: ProblemRow, incidents: tuple[str, ...] = ()) -> Problem:
    """A problem with the numbers of its incidents."""
    return Problem(row.number, row.title, row.status, scope_of(row), row.created_at, row.cause,
                   row.resolution_note, row.resolved_at, incidents)


def to_notice(row: NoticeRow, problem: str | None = None) -> Notice:
    """A notice as customers and the bot see it."""
    return Notice(row.number, row.kind, row.title, row.text, scope_of(row), row.starts_at, row.ends_at,
                  row.status, problem)


def to_notification(row: NotificationRow) -> Notification:
    """An outbox entry."""
    return Notification(row.id, row.kind, row.channel, row.user_id, row.contact_id, dict(row.payload or {}),
                        row.attempts, row.created_at)


def to_survey(row: SurveyRow, ticket: str) -> Survey:
    """A survey and its answer."""
    return Survey(ticket, row.status, row.group_id, row.score, row.comment, row.answered_at)


def to_customer(row: CustomerRow, circuits: list[Circuit]) -> Customer:
    """An account with its circuits."""
    infos = tuple(CircuitInfo(c.circuit_id, c.service_type, c.address) for c in circuits)
    return Customer(row.id, row.code, row.name, row.tier, row.province, row.city, row.county, row.service_plan,
                    row.account_manager, infos)


def region_of(row: CustomerRow | TicketRow | None) -> Region:
    """A customer's or ticket's region."""
    return Region(row.province, row.city, row.county) if row is not None else Region()


def in_scope(scope: Scope, region: Region, service_types: set[str], circuit_ids: set[str]) -> bool:
    """A named circuit matches outright; otherwise region and service type must both match (empty = any)."""
    if scope.circuit_ids and circuit_ids & set(scope.circuit_ids):
        return True
    if scope.circuit_ids and not (scope.regions or scope.service_types):
        return False
    region_ok = not scope.regions or bool(set(region.names()) & set(scope.regions))
    service_ok = not scope.service_types or bool(service_types & set(scope.service_types))
    return region_ok and service_ok
