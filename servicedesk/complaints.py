"""Complaints: a complaint ticket routed to the complaint group under its own SLA, linked to what it is about."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend_client.errors import Invalid
from backend_client.types import Actor, Level, NewComplaint, NewTicket, OpenOutcome, Role, TicketKind, TicketOpened
from servicedesk.models import Customer, TicketRow
from servicedesk.records import region_of
from servicedesk.tickets import TicketOpening

SUMMARY_CHARS = 60
WHOM_CHARS = 100
"""Whom a complaint names, as the customer put it, cut to the column."""


def complainant(complaint: NewComplaint) -> Actor:
    """The customer behind the complaint, as the desk checks what they may see."""
    reporter = complaint.reporter
    if complaint.customer_id is None:
        return Actor.customer(reporter, None)
    return Actor(Role.CONTACT, f"{reporter.channel}:{reporter.user_id}", reporter.channel, complaint.customer_id,
                 complaint.contact_id, reporter)


class Complaints(TicketOpening):
    """`open_complaint`: idempotent like `open_ticket`; the complained-about ticket must be the customer's own."""

    async def open_complaint(self, complaint: NewComplaint) -> TicketOpened:
        """Open (or find, for a repeated key) the complaint ticket."""
        if self._policy.complaints is None:
            raise Invalid("complaints are not configured (servicedesk.complaints)")
        return await self._once(complaint.idempotency_key, lambda session: self._complain(session, complaint))

    async def _complain(self, session: AsyncSession, complaint: NewComplaint) -> TicketOpened:
        now, actor = self._now(), complainant(complaint)
        related = await self._ticket_row(session, complaint.ticket, actor) if complaint.ticket else None
        customer = await session.get(Customer, complaint.customer_id) if complaint.customer_id else None
        region = region_of(customer) if customer else region_of(related)
        request = NewTicket(TicketKind.COMPLAINT, complaint.reporter, complaint.text[:SUMMARY_CHARS], complaint.text,
                            Level.MEDIUM, complaint.idempotency_key, customer_id=complaint.customer_id,
                            contact_id=complaint.contact_id, contact_phone=complaint.contact_phone,
                            service_type=related.service_type if related else None,
                            circuit_id=related.circuit_id if related else None)
        row = await self._insert(session, request, customer, region, request.service_type, now,
                                 self._kind_route(request))
        row.about, row.about_whom = complaint.about.value, (complaint.whom or "")[:WHOM_CHARS] or None
        self._event(session, row, actor, "created", now, outcome=OpenOutcome.OPENED.value, priority=row.priority,
                    group=row.assigned_group, owner=row.owner_group, about=row.about, whom=row.about_whom)
        if related is not None:
            self._link_complaint(session, row, related, actor, now)
        self._notify_group(session, row, row.assigned_group, "assigned", now, reason="complaint")
        return TicketOpened(await self._with_links(session, row), OpenOutcome.OPENED)

    def _link_complaint(self, session: AsyncSession, row: TicketRow, related: TicketRow, actor: Actor,
                        now: datetime) -> None:
        """Both tickets name each other in their history; the agent on the old one sees the complaint."""
        row.related_number = related.number
        self._event(session, related, actor, "complained_about", now, complaint=row.number)
        self._notify_group(session, related, related.assigned_group, "complained_about", now, complaint=row.number)
