"""Changing tickets: status transitions with their clock effects, priority, escalation and reassignment."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend_client.errors import Conflict, Forbidden, Invalid
from servicedesk import lifecycle
from servicedesk.base import DeskBase
from servicedesk.models import SurveyRow, TicketRow
from servicedesk.policy import SupportGroup
from servicedesk.records import region_of, to_ticket
from servicedesk.ticket_clock import calendar_of, clock_of, next_check, store_clock
from backend_client.types import Actor, Ticket, TicketStatus as S

STOPPED = frozenset({S.RESOLVED, S.CLOSED})


class TicketChanges(DeskBase):
    """Every change is one transaction and one history event; the clock follows the status."""

    async def transition(self, number: str, status: S, actor: Actor, *, note: str | None = None,
                         expected_version: int | None = None) -> Ticket:
        """Move the ticket to ``status`` (Conflict names the rule when the move is not allowed)."""
        async with self._tx() as session:
            row = await self._ticket_row(session, number, actor, lock=True)
            if expected_version is not None and expected_version != row.version:
                raise Conflict("version.mismatch", f"ticket {number} is at version {row.version}, not {expected_version}")
            await self._apply_status(session, row, status, actor, self._now(), note)
            await session.flush()
            return to_ticket(row)

    async def change_priority(self, number: str, priority: str, actor: Actor, *, reason: str = "") -> Ticket:
        """New targets from the original start; a deadline that would already be past gets a grace period."""
        self._require_staff(actor, "change a priority")
        async with self._tx() as session:
            row = await self._ticket_row(session, number, actor, lock=True)
            now = self._now()
            target = self._policy.target(row.service_plan, priority)
            calendar = calendar_of(row, self._policy)
            if row.responded_at is None:
                due = calendar.add(row.created_at, target.response.total_seconds())
                row.response_due_at = due if due > now else calendar.add(now, target.response.total_seconds())
            clock = clock_of(row).retarget(target.resolution.total_seconds())
            grace = bool(clock.running_since and clock.share(calendar, now) >= 1 and not row.resolution_breached_at)
            if grace:
                clock = clock.retarget(clock.elapsed(calendar, now) + target.response.total_seconds())
            if row.resolution_warned_at and clock.share(calendar, now) < self._policy.warning_share:
                row.resolution_warned_at = None
            old, row.priority = row.priority, priority
            store_clock(row, clock, self._policy, now)
            self._event(session, row, actor, "priority_changed", now, before=old, after=priority, reason=reason,
                        grace=grace)
            await session.flush()
            return to_ticket(row)

    async def escalate(self, number: str, actor: Actor, *, reason: str) -> Ticket:
        """One level up the hierarchy (county → city → province → group)."""
        async with self._tx() as session:
            row = await self._ticket_row(session, number, actor, lock=True)
            if S(row.status) in STOPPED:
                raise Conflict("escalation.ticket_closed", f"ticket {number} is {row.status}")
            current = self._current_group(row)
            above = self._policy.above(current, region_of(row))
            if above is None or above.id == current.id:
                raise Conflict("escalation.top_reached", f"ticket {number} is already at {current.name}")
            self._escalate_to(session, row, current, above, actor, self._now(), reason)
            await session.flush()
            return to_ticket(row)

    async def reassign(self, number: str, group_id: str, actor: Actor, *, reason: str) -> Ticket:
        """Functional reassignment to another support group (same or another level)."""
        self._require_staff(actor, "reassign a ticket")
        group = self._policy.group(group_id)
        async with self._tx() as session:
            row = await self._ticket_row(session, number, actor, lock=True)
            now = self._now()
            before = row.assigned_group
            row.assigned_group, row.assigned_tier = group.id, group.level
            self._event(session, row, actor, "reassigned", now, before=before, after=group.id, reason=reason)
            self._notify_group(session, row, group.id, "assigned", now, reason=reason)
            await session.flush()
            return to_ticket(row)

    async def _apply_status(self, session: AsyncSession, row: TicketRow, target: S, actor: Actor, now: datetime,
                            note: str | None) -> None:
        current = S(row.status)
        lifecycle.check(current, target)
        if not actor.is_staff and target not in lifecycle.CUSTOMER_MAY_SET:
            raise Forbidden(f"a customer cannot set a ticket to {target.value}")
        clock = clock_of(row)
        calendar = calendar_of(row, self._policy)
        clock = clock.pause(calendar, now) if target in lifecycle.PAUSED or target in STOPPED else clock.resume(now)
        if target in (S.IN_PROGRESS, S.RESOLVED) and row.responded_at is None:
            row.responded_at = now
        if target is S.RESOLVED:
            row.resolved_at, row.resolution_note, row.resolved_group = now, note, row.assigned_group
            await self._ask_for_survey(session, row, now)
        if target is S.REOPENED:
            row.resolved_at = None
        row.status = target.value
        store_clock(row, clock, self._policy, now)
        self._event(session, row, actor, "status_changed", now, before=current.value, after=target.value, note=note)

    async def _ask_for_survey(self, session: AsyncSession, row: TicketRow, now: datetime) -> None:
        """On resolution the customer is told, and asked how satisfied they are (once per ticket)."""
        exists = (await session.scalars(select(SurveyRow.id).where(SurveyRow.ticket_id == row.id))).first()
        if exists is None:
            session.add(SurveyRow(ticket_id=row.id, contact_id=row.contact_id, reporter_channel=row.reporter_channel,
                                  reporter_user_id=row.reporter_user_id, group_id=row.assigned_group,
                                  status="pending", created_at=now))
        self._notify_reporter(session, row, "ticket_resolved", now, note=row.resolution_note or "", survey=True)

    def _escalate_to(self, session: AsyncSession, row: TicketRow, current: SupportGroup, above: SupportGroup,
                     actor: Actor, now: datetime, reason: str) -> None:
        row.assigned_group, row.assigned_tier = above.id, above.level
        row.escalation_level += 1
        row.next_check_at = next_check(row, self._policy, now)
        self._event(session, row, actor, "escalated", now, before=current.id, after=above.id, reason=reason,
                    level=row.escalation_level)
        for group in {row.owner_group, above.id}:
            self._notify_group(session, row, group, "escalated", now, group_from=current.id, group_to=above.id,
                               reason=reason)

    def _current_group(self, row: TicketRow) -> SupportGroup:
        try:
            return self._policy.group(row.assigned_group)
        except Invalid:
            return self._policy.group_at(row.assigned_tier or "county", region_of(row))

    @staticmethod
    def _require_staff(actor: Actor, what: str) -> None:
        if not actor.is_staff:
            raise Forbidden(f"only the desk may {what}")

