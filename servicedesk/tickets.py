"""Opening tickets: routing, priority, SLA clocks, and linking duplicates and known causes instead of re-opening."""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Awaitable, Callable, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend_client.errors import NotFound
from servicedesk.base import DeskBase, DuplicateRecord
from servicedesk.models import Circuit, Customer, NoticeRow, ProblemRow, TicketEvent, TicketRow
from servicedesk.policy import Region, SupportGroup
from servicedesk.records import in_scope, region_of, scope_of, to_notice, to_ticket
from servicedesk.sla import Clock
from servicedesk.ticket_clock import calendar_of, clock_of, store_clock
from backend_client.types import (
    OPEN_STATUSES,
    SYSTEM,
    Actor,
    NewTicket,
    OpenOutcome,
    TicketKind,
    TicketOpened,
    TicketStatus,
)

log = logging.getLogger(__name__)
OPEN_VALUES = tuple(s.value for s in OPEN_STATUSES)


class Route(NamedTuple):
    """Where a new ticket goes and the SLA it runs under."""

    group: SupportGroup
    plan: str
    priority: str


class TicketOpening(DeskBase):
    """`open_ticket`: idempotent, routed to the first-line group, with duplicate and known-cause detection."""

    async def open_ticket(self, request: NewTicket) -> TicketOpened:
        """Open (or find) the ticket for ``request``."""
        return await self._once(request.idempotency_key, lambda session: self._open(session, request))

    async def _once(self, key: str, create: Callable[[AsyncSession], Awaitable[TicketOpened]]) -> TicketOpened:
        """Run ``create`` unless a ticket with ``key`` exists; a repeat (even a concurrent one) gets the first answer."""
        try:
            async with self._tx() as session:
                existing = await self._by_key(session, key)
                if existing is not None:
                    return await self._replay(session, existing)
                return await create(session)
        except DuplicateRecord:
            async with self._tx() as session:
                existing = await self._by_key(session, key)
                if existing is None:
                    raise
                return await self._replay(session, existing)

    async def _open(self, session: AsyncSession, request: NewTicket) -> TicketOpened:
        now = self._now()
        circuit = await self._circuit(session, request.circuit_id)
        if request.customer_id is None and circuit is not None:
            # the circuit's account decides priority, routing and merging; the caller is never told which it is
            request = replace(request, customer_id=circuit.customer_id)
        customer = await session.get(Customer, request.customer_id) if request.customer_id else None
        if request.customer_id and customer is None:
            raise NotFound(f"customer {request.customer_id}")
        service_type = request.service_type or (circuit.service_type if circuit else None)
        region = region_of(customer) if customer else Region(city=request.region or "")
        if request.kind is TicketKind.INCIDENT:
            duplicate = await self._open_duplicate(session, request)
            if duplicate is not None:
                actor = Actor.customer(request.reporter, None)
                self._event(session, duplicate, actor, "duplicate_report", now, key=request.idempotency_key)
                return TicketOpened(to_ticket(duplicate), OpenOutcome.DUPLICATE)
            services, circuits = {service_type} - {None}, {request.circuit_id} - {None}
            problem = await self._matching_problem(session, region, services, circuits)
            notice = await self._matching_notice(session, region, services, circuits, now)
        else:
            problem = notice = None
        if problem is None and notice is not None and notice.problem_id:
            problem = await session.get(ProblemRow, notice.problem_id)
        row = await self._insert(session, request, customer, region, service_type, now, self._kind_route(request))
        outcome = OpenOutcome.OPENED
        if notice is not None:
            row.notice_id, outcome = notice.id, OpenOutcome.LINKED_NOTICE
        if problem is not None:
            outcome = OpenOutcome.LINKED_PROBLEM if notice is None else outcome
            await self._attach_problem(session, row, problem, now)
        self._event(session, row, Actor.customer(request.reporter, None), "created", now, outcome=outcome.value,
                    priority=row.priority, group=row.assigned_group, owner=row.owner_group)
        log.info("desk.ticket.opened number=%s priority=%s outcome=%s", row.number, row.priority, outcome.value)
        return TicketOpened(to_ticket(row, problem.number if problem else None, notice.number if notice else None),
                            outcome, to_notice(notice) if notice is not None else None)

    async def _insert(self, session: AsyncSession, request: NewTicket, customer: Customer | None, region: Region,
                      service_type: str | None, now, route: Route | None = None) -> TicketRow:  # type: ignore[no-untyped-def]
        """A new ticket row, routed to the first line by tier and region (or by ``route``: group, plan, priority)."""
        policy = self._policy
        tier = customer.tier if customer else None
        impact = policy.impact(tier)
        if route is None:
            plan = customer.service_plan if customer else policy.default_plan
            route = Route(policy.first_line_group(tier, region), plan, policy.priority(impact, request.urgency))
        group, plan, priority = route
        target = policy.target(plan, priority)
        row = TicketRow(
            number=await self._numbers.next(session, policy.ticket_prefix, policy.day_key(now)),
            kind=request.kind.value, status=TicketStatus.ASSIGNED.value, priority=priority, impact=impact.value,
            urgency=request.urgency.value, summary=request.summary[:200], description=request.description,
            customer_id=request.customer_id, contact_id=request.contact_id,
            reporter_channel=request.reporter.channel, reporter_user_id=request.reporter.user_id,
            contact_phone=request.contact_phone, service_type=service_type, circuit_id=request.circuit_id,
            address=request.address, province=region.province, city=region.city, county=region.county,
            service_plan=plan, assigned_tier=group.level, assigned_group=group.id,
            owner_group=policy.front_desk_group, escalation_level=0, created_at=now,
            response_due_at=policy.plan(plan).calendar.add(now, target.response.total_seconds()),
            idempotency_key=request.idempotency_key,
        )
        store_clock(row, Clock(target.resolution.total_seconds(), 0.0, now), policy, now)
        session.add(row)
        await session.flush()
        return row

    def _kind_route(self, request: NewTicket) -> Route | None:
        """Complaints, however opened, go to the complaint group under their own SLA; other kinds by tier and region."""
        routing = self._policy.complaints
        if request.kind is not TicketKind.COMPLAINT or routing is None:
            return None
        return Route(self._policy.group(routing.group), routing.plan, routing.priority)

    async def _attach_problem(self, session: AsyncSession, row: TicketRow, problem: ProblemRow, now) -> None:  # type: ignore[no-untyped-def]
        """Link to the problem and wait for it: the resolution clock pauses."""
        row.problem_id = problem.id
        row.status = TicketStatus.WAITING_PROBLEM.value
        store_clock(row, clock_of(row).pause(calendar_of(row, self._policy), now), self._policy, now)
        self._event(session, row, SYSTEM, "linked_problem", now, problem=problem.number)

    async def _replay(self, session: AsyncSession, row: TicketRow) -> TicketOpened:
        """The same answer as the first call of this idempotency key."""
        created = (await session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == row.id, TicketEvent.kind == "created"))).first()
        outcome = OpenOutcome((created.detail or {}).get("outcome", "opened")) if created else OpenOutcome.OPENED
        notice = await session.get(NoticeRow, row.notice_id) if row.notice_id else None
        problem = await session.get(ProblemRow, row.problem_id) if row.problem_id else None
        return TicketOpened(to_ticket(row, problem.number if problem else None, notice.number if notice else None),
                            outcome, to_notice(notice) if notice else None)

    @staticmethod
    async def _by_key(session: AsyncSession, key: str) -> TicketRow | None:
        return (await session.scalars(select(TicketRow).where(TicketRow.idempotency_key == key))).first()

    @staticmethod
    async def _circuit(session: AsyncSession, circuit_id: str | None) -> Circuit | None:
        if not circuit_id:
            return None
        return (await session.scalars(select(Circuit).where(Circuit.circuit_id == circuit_id))).first()

    @staticmethod
    async def _open_duplicate(session: AsyncSession, request: NewTicket) -> TicketRow | None:
        """An open incident on the same circuit from the same account (or, unbound, the same reporter)."""
        if not request.circuit_id:
            return None
        query = select(TicketRow).where(TicketRow.circuit_id == request.circuit_id,
                                        TicketRow.kind == TicketKind.INCIDENT.value,
                                        TicketRow.status.in_(OPEN_VALUES))
        if request.customer_id is not None:
            query = query.where(TicketRow.customer_id == request.customer_id)
        else:
            query = query.where(TicketRow.reporter_channel == request.reporter.channel,
                                TicketRow.reporter_user_id == request.reporter.user_id)
        return (await session.scalars(query.order_by(TicketRow.id))).first()

    @staticmethod
    async def _matching_problem(session: AsyncSession, region: Region, services: set[str],
                                circuits: set[str]) -> ProblemRow | None:
        problems = (await session.scalars(select(ProblemRow).where(ProblemRow.status == "open"))).all()
        return next((p for p in problems if in_scope(scope_of(p), region, services, circuits)), None)

    @staticmethod
    async def _matching_notice(session: AsyncSession, region: Region, services: set[str], circuits: set[str],
                               now) -> NoticeRow | None:  # type: ignore[no-untyped-def]
        notices = (await session.scalars(select(NoticeRow).where(
            NoticeRow.status == "published", NoticeRow.ends_at >= now, NoticeRow.starts_at <= now))).all()
        return next((n for n in notices if in_scope(scope_of(n), region, services, circuits)), None)
