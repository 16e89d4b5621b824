"""Customers' urging (催单): one escalation per tier per interval, never past the plan's level, every urge recorded."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend_client.errors import Conflict
from backend_client.types import Actor, Ticket, TicketStatus as S, UrgeOutcome, Urged
from servicedesk.models import TicketEvent, TicketRow
from servicedesk.records import region_of
from servicedesk.ticket_changes import STOPPED, TicketChanges


class TicketUrges(TicketChanges):
    """`urge` for customers; a customer's `escalate` obeys the same policy (staff escalate freely)."""

    async def urge(self, number: str, actor: Actor, *, reason: str) -> Urged:
        """Escalate when the policy allows, else record the urge for the agent; either way one history event."""
        async with self._tx() as session:
            row = await self._ticket_row(session, number, actor, lock=True)
            now = self._now()
            outcome = await self._verdict(session, row, now)
            self._event(session, row, actor, "urged", now, outcome=outcome.value, reason=reason)
            if outcome is UrgeOutcome.ESCALATED:
                current = self._current_group(row)
                self._escalate_to(session, row, current, self._policy.above(current, region_of(row)),  # type: ignore[arg-type]
                                  actor, now, reason)
            elif outcome is not UrgeOutcome.NOT_OPEN:
                self._notify_group(session, row, row.assigned_group, "urged", now, reason=reason,
                                   outcome=outcome.value)
            await session.flush()
            urges = await session.scalar(select(func.count()).select_from(TicketEvent).where(
                TicketEvent.ticket_id == row.id, TicketEvent.kind == "urged"))
            return Urged(await self._with_links(session, row), outcome, int(urges or 0))

    async def escalate(self, number: str, actor: Actor, *, reason: str) -> Ticket:
        """Staff: one level up. A customer: an urge, refused (Conflict naming the outcome) when it does not escalate."""
        if actor.is_staff:
            return await super().escalate(number, actor, reason=reason)
        urged = await self.urge(number, actor, reason=reason)
        if urged.outcome is not UrgeOutcome.ESCALATED:
            raise Conflict(f"escalation.{urged.outcome.value}", f"ticket {number} was not escalated: "
                           f"{urged.outcome.value}; the urge is recorded")
        return urged.ticket

    async def _verdict(self, session: AsyncSession, row: TicketRow, now: datetime) -> UrgeOutcome:
        """What an urge may do to ``row`` now."""
        if S(row.status) in STOPPED:
            return UrgeOutcome.NOT_OPEN
        current = self._current_group(row)
        above = self._policy.above(current, region_of(row))
        if above is None or above.id == current.id:
            return UrgeOutcome.TOP_REACHED
        if self._policy.above_plan_limit(row.service_plan, above):
            return UrgeOutcome.PLAN_LIMIT
        if now - await self._at_tier_since(session, row) < self._policy.urge_interval:
            return UrgeOutcome.TOO_SOON
        return UrgeOutcome.ESCALATED

    @staticmethod
    async def _at_tier_since(session: AsyncSession, row: TicketRow) -> datetime:
        """When the ticket reached its current tier: its last escalation, else its creation."""
        last = await session.scalar(select(func.max(TicketEvent.at)).where(
            TicketEvent.ticket_id == row.id, TicketEvent.kind == "escalated"))
        if last is None:
            return row.created_at
        return last if last.tzinfo else last.replace(tzinfo=row.created_at.tzinfo)
