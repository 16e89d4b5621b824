"""Problems: one cause, many incidents; resolving the problem resolves and notifies them all."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend_client.errors import Conflict, NotFound
from servicedesk.models import ProblemRow, TicketRow
from servicedesk.records import to_problem
from servicedesk.ticket_changes import TicketChanges
from backend_client.types import OPEN_STATUSES, Actor, Problem, Scope, Ticket, TicketKind, TicketStatus

PROBLEM_PREFIX = "PR"


class Problems(TicketChanges):
    """Problem records and their incidents."""

    async def create_problem(self, title: str, scope: Scope, actor: Actor, *, cause: str = "") -> Problem:
        """A new open problem."""
        self._require_staff(actor, "record a problem")
        async with self._tx() as session:
            now = self._now()
            row = ProblemRow(number=await self._numbers.next(session, PROBLEM_PREFIX, self._policy.day_key(now)),
                             title=title, cause=cause, status="open", created_at=now, created_by=actor.id,
                             scope_regions=list(scope.regions), scope_service_types=list(scope.service_types),
                             scope_circuit_ids=list(scope.circuit_ids))
            session.add(row)
            await session.flush()
            return to_problem(row)

    async def get_problem(self, number: str) -> Problem:
        """The problem with its incidents' numbers."""
        async with self._tx() as session:
            row = await self._problem_row(session, number)
            return to_problem(row, await self._incident_numbers(session, row))

    async def link_incident(self, problem: str, ticket: str, actor: Actor) -> Ticket:
        """The incident waits for the problem; its resolution clock pauses."""
        self._require_staff(actor, "link an incident")
        async with self._tx() as session:
            problem_row = await self._problem_row(session, problem)
            if problem_row.status != "open":
                raise Conflict("problem.not_open", f"problem {problem} is {problem_row.status}")
            row = await self._ticket_row(session, ticket, actor, lock=True)
            if row.kind != TicketKind.INCIDENT.value:
                raise Conflict("problem.incidents_only", f"{ticket} is a {row.kind}, not an incident")
            now = self._now()
            row.problem_id = problem_row.id
            if row.status != TicketStatus.WAITING_PROBLEM.value:
                await self._apply_status(session, row, TicketStatus.WAITING_PROBLEM, actor, now, None)
            self._event(session, row, actor, "linked_problem", now, problem=problem)
            await session.flush()
            return await self._with_links(session, row)

    async def resolve_problem(self, problem: str, note: str, actor: Actor) -> Problem:
        """Resolve the problem and each open linked incident with its note (each customer is notified)."""
        self._require_staff(actor, "resolve a problem")
        async with self._tx() as session:
            row = await self._problem_row(session, problem)
            if row.status == "resolved":
                raise Conflict("problem.already_resolved", f"problem {problem} is already resolved")
            now = self._now()
            row.status, row.resolved_at, row.resolution_note = "resolved", now, note
            incidents = (await session.scalars(select(TicketRow).where(TicketRow.problem_id == row.id))).all()
            for incident in incidents:
                if TicketStatus(incident.status) in OPEN_STATUSES:
                    await self._apply_status(session, incident, TicketStatus.RESOLVED, actor, now, note)
            await session.flush()
            return to_problem(row, tuple(i.number for i in incidents))

    @staticmethod
    async def _problem_row(session: AsyncSession, number: str) -> ProblemRow:
        row = (await session.scalars(select(ProblemRow).where(ProblemRow.number == number))).first()
        if row is None:
            raise NotFound(f"problem {number}")
        return row

    @staticmethod
    async def _incident_numbers(session: AsyncSession, row: ProblemRow) -> tuple[str, ...]:
        query = select(TicketRow.number).where(TicketRow.problem_id == row.id).order_by(TicketRow.id)
        return tuple((await session.scalars(query)).all())
