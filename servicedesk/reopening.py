"""'The fault is back': reopen a recently resolved ticket with a new resolution clock, or open a linked incident."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend_client.types import (
    Actor,
    Level,
    NewTicket,
    Reopened,
    ReopenOutcome,
    Reporter,
    TicketKind,
    TicketStatus as S,
)
from servicedesk import lifecycle
from servicedesk.models import TicketRow
from servicedesk.sla import Clock
from servicedesk.ticket_clock import clock_of, store_clock
from servicedesk.tickets import OPEN_VALUES, TicketOpening


class Reopening(TicketOpening):
    """`reopen_or_relink`: within `reopen_window` of its resolution the same ticket, after it a new incident."""

    async def reopen_or_relink(self, number: str, actor: Actor, *, reason: str) -> Reopened:
        """The customer says the fault of ``number`` is back: the ticket now handling it, and how it came to."""
        async with self._tx() as session:
            row = await self._ticket_row(session, number, actor, lock=True)
            now = self._now()
            status = S(row.status)
            if status not in (S.RESOLVED, S.CLOSED):
                self._event(session, row, actor, "fault_persists", now, reason=reason)
                self._notify_group(session, row, row.assigned_group, "fault_persists", now, reason=reason)
                return Reopened(await self._with_links(session, row), ReopenOutcome.STILL_OPEN, number)
            if status is S.RESOLVED and row.resolved_at and now - row.resolved_at <= self._policy.reopen_window:
                self._reopen(session, row, actor, now, reason)
                await session.flush()
                return Reopened(await self._with_links(session, row), ReopenOutcome.REOPENED, number)
            linked = await self._relink(session, row, actor, now, reason)
            return Reopened(await self._with_links(session, linked), ReopenOutcome.RELINKED, number)

    def _reopen(self, session: AsyncSession, row: TicketRow, actor: Actor, now: datetime, reason: str) -> None:
        """Back to work with a fresh resolution clock (ITIL: a reopened incident gets a new resolution target)."""
        lifecycle.check(S(row.status), S.REOPENED)
        before = clock_of(row)
        target = self._policy.target(row.service_plan, row.priority).resolution.total_seconds()
        row.status = S.REOPENED.value
        row.resolved_at = row.resolution_note = None
        row.resolution_warned_at = row.resolution_breached_at = None
        store_clock(row, Clock(target, 0.0, now), self._policy, now)
        self._event(session, row, actor, "status_changed", now, before=S.RESOLVED.value, after=S.REOPENED.value,
                    note=reason)
        self._event(session, row, actor, "sla_restarted", now, previous_consumed_s=round(before.consumed_s),
                    resolution_due_at=row.resolution_due_at.isoformat() if row.resolution_due_at else None)
        self._notify_group(session, row, row.assigned_group, "reopened", now, reason=reason)

    async def _relink(self, session: AsyncSession, old: TicketRow, actor: Actor, now: datetime,
                      reason: str) -> TicketRow:
        """A new incident linked to ``old`` (or the open one already linked to it: a repeat opens nothing)."""
        linked = (await session.scalars(select(TicketRow).where(
            TicketRow.related_number == old.number, TicketRow.status.in_(OPEN_VALUES)))).first()
        if linked is not None:
            self._event(session, linked, actor, "duplicate_report", now, reason=reason)
            return linked
        reporter = actor.reporter or Reporter(old.reporter_channel, old.reporter_user_id)
        key = f"relink:{old.number}:{now.timestamp():.6f}"
        opened = await self._open(session, NewTicket(
            TicketKind.INCIDENT, reporter, old.summary, reason, Level(old.urgency), key,
            customer_id=old.customer_id, contact_id=actor.contact_id or old.contact_id,
            contact_phone=old.contact_phone, service_type=old.service_type, circuit_id=old.circuit_id,
            address=old.address, region=old.city or None))
        new = await self._ticket_row(session, opened.ticket.number, actor)
        if new.related_number is None and new.id != old.id:
            new.related_number = old.number
            self._event(session, new, actor, "linked_previous", now, previous=old.number)
            self._event(session, old, actor, "fault_returned", now, new_ticket=new.number)
        await session.flush()
        return new
