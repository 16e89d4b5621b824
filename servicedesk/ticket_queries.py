"""Reading tickets, scoped to what the actor may see."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from backend_client.errors import Forbidden
from servicedesk.base import DeskBase
from servicedesk.models import TicketEvent as EventRow, TicketRow
from servicedesk.desk_trail import DESK_ONLY
from servicedesk.records import to_event, to_ticket
from backend_client.types import Actor, Page, Role, Ticket, TicketEvent, TicketStatus

MAX_PAGE = 100


class TicketQueries(DeskBase):
    """get, list and history; a contact never reads another account's tickets."""

    async def get_ticket(self, number: str, actor: Actor) -> Ticket:
        """The ticket with its problem and notice numbers."""
        async with self._tx() as session:
            row = await self._ticket_row(session, number, actor)
            return await self._with_links(session, row)

    async def list_tickets(self, actor: Actor, *, customer_id: int | None = None,
                           status: TicketStatus | None = None, offset: int = 0, limit: int = 20) -> Page[Ticket]:
        """Newest first, one page."""
        limit = max(1, min(limit, MAX_PAGE))
        offset = max(0, offset)
        condition = self._visible(actor, customer_id)
        if status is not None:
            condition = condition & (TicketRow.status == status.value) if condition is not None else (
                TicketRow.status == status.value)
        query = select(TicketRow)
        count = select(func.count()).select_from(TicketRow)
        if condition is not None:
            query, count = query.where(condition), count.where(condition)
        query = query.order_by(TicketRow.created_at.desc(), TicketRow.id.desc()).offset(offset).limit(limit)
        async with self._tx() as session:
            rows = (await session.scalars(query)).all()
            total = (await session.execute(count)).scalar_one()
            return Page([to_ticket(r) for r in rows], total, offset, limit)

    async def ticket_events(self, number: str, actor: Actor) -> list[TicketEvent]:
        """Oldest first; the agent desk's own entries (private notes among them) only for staff."""
        async with self._tx() as session:
            row = await self._ticket_row(session, number, actor)
            events = await session.scalars(select(EventRow).where(EventRow.ticket_id == row.id).order_by(EventRow.id))
            return [to_event(e) for e in events if actor.is_staff or not e.kind.startswith(DESK_ONLY)]

    @staticmethod
    def _visible(actor: Actor, customer_id: int | None):  # type: ignore[no-untyped-def]
        """The SQL condition of what ``actor`` may list (None = everything)."""
        if actor.is_staff:
            return TicketRow.customer_id == customer_id if customer_id is not None else None
        if actor.role is Role.CONTACT and customer_id not in (None, actor.customer_id):
            raise Forbidden("a contact lists only their own account's tickets")
        mine = None
        if actor.reporter is not None:
            mine = (TicketRow.reporter_channel == actor.reporter.channel) & (
                TicketRow.reporter_user_id == actor.reporter.user_id)
        if actor.role is Role.CONTACT and actor.customer_id is not None:
            account = TicketRow.customer_id == actor.customer_id
            return or_(account, mine) if mine is not None else account
        if mine is None:
            raise Forbidden("no customer identity given")
        return mine
