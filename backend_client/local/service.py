"""The service desk in-process, on SQLAlchemy 2 async (SQLite or PostgreSQL)."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend_client.errors import BackendUnavailable, NotFound
from backend_client.local import database
from backend_client.local.models import ChannelIdentity, Contact, Customer, TicketEvent, TicketRow
from backend_client.local.numbering import next_number
from backend_client.local.policy import DeskPolicy
from backend_client.types import (
    ContactBinding,
    NewTicket,
    Reporter,
    Ticket,
    TicketKind,
    TicketStatus,
)

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def to_ticket(row: TicketRow) -> Ticket:
    """The contract's view of a ticket row."""
    return Ticket(
        number=row.number,
        kind=TicketKind(row.kind),
        status=TicketStatus(row.status),
        priority=row.priority,
        summary=row.summary,
        customer_id=row.customer_id,
        reporter=Reporter(row.reporter_channel, row.reporter_user_id),
        assigned_tier=row.assigned_tier,
        created_at=row.created_at,
        response_due_at=row.response_due_at,
        resolution_due_at=row.resolution_due_at,
        responded_at=row.responded_at,
        resolved_at=row.resolved_at,
        service_type=row.service_type,
        circuit_id=row.circuit_id,
    )


class SqlServiceDesk:
    """ServiceDesk on a relational database; every write is one transaction."""

    def __init__(self, engine: AsyncEngine, policy: DeskPolicy):
        self._engine = engine
        self._sessions: async_sessionmaker[AsyncSession] = database.sessions(engine)
        self._policy = policy

    async def open_ticket(self, request: NewTicket) -> Ticket:
        """Open a ticket, or return the one already opened under the same idempotency key."""
        try:
            existing = await self._by_key(request.idempotency_key)
            if existing is not None:
                return to_ticket(existing)
            try:
                return to_ticket(await self._insert(request))
            except IntegrityError:
                existing = await self._by_key(request.idempotency_key)
                if existing is None:
                    raise
                return to_ticket(existing)
        except database.DB_ERRORS as exc:
            raise self._unavailable(exc) from exc

    async def get_ticket(self, number: str) -> Ticket:
        """The ticket with ``number``."""
        row = await self._scalar(select(TicketRow).where(TicketRow.number == number))
        if row is None:
            raise NotFound(f"ticket {number}")
        return to_ticket(row)

    async def list_tickets(
        self, *, customer_id: int | None = None, reporter: Reporter | None = None, limit: int = 10
    ) -> list[Ticket]:
        """Newest first; by account when given, else by who reported."""
        query = select(TicketRow).order_by(TicketRow.created_at.desc(), TicketRow.id.desc()).limit(limit)
        if customer_id is not None:
            query = query.where(TicketRow.customer_id == customer_id)
        elif reporter is not None:
            query = query.where(
                TicketRow.reporter_channel == reporter.channel, TicketRow.reporter_user_id == reporter.user_id
            )
        else:
            raise ValueError("list_tickets needs a customer or a reporter")
        try:
            async with self._sessions() as session:
                return [to_ticket(row) for row in (await session.scalars(query)).all()]
        except database.DB_ERRORS as exc:
            raise self._unavailable(exc) from exc

    async def find_binding(self, channel: str, user_id: str) -> ContactBinding | None:
        """The contact this channel identity was verified as."""
        query = (
            select(Contact, Customer)
            .join(ChannelIdentity, ChannelIdentity.contact_id == Contact.id)
            .join(Customer, Customer.id == Contact.customer_id)
            .where(ChannelIdentity.channel == channel, ChannelIdentity.user_id == user_id)
        )
        try:
            async with self._sessions() as session:
                found = (await session.execute(query)).first()
        except database.DB_ERRORS as exc:
            raise self._unavailable(exc) from exc
        if found is None:
            return None
        contact, customer = found
        return ContactBinding(
            customer.id, customer.code, customer.name, customer.tier, contact.id, contact.name, contact.mobile
        )

    async def ping(self) -> None:
        """Raise BackendUnavailable when the database is down."""
        await database.ping(self._engine)

    async def _insert(self, request: NewTicket) -> TicketRow:
        now = _now()
        async with self._sessions.begin() as session:
            tier = await self._tier(session, request.customer_id)
            impact = self._policy.impact(tier)
            priority = self._policy.priority(impact, request.urgency)
            response_due, resolution_due = self._policy.deadlines(priority, now)
            row = TicketRow(
                number=await next_number(session, self._policy.ticket_prefix, self._policy.day_key(now)),
                kind=request.kind.value,
                status=TicketStatus.NEW.value,
                priority=priority,
                impact=impact.value,
                urgency=request.urgency.value,
                summary=request.summary[:200],
                description=request.description,
                customer_id=request.customer_id,
                contact_id=request.contact_id,
                reporter_channel=request.reporter.channel,
                reporter_user_id=request.reporter.user_id,
                contact_phone=request.contact_phone,
                service_type=request.service_type,
                circuit_id=request.circuit_id,
                address=request.address,
                assigned_tier=self._policy.first_line(tier),
                created_at=now,
                response_due_at=response_due,
                resolution_due_at=resolution_due,
                idempotency_key=request.idempotency_key,
            )
            session.add(row)
            await session.flush()
            session.add(self._created_event(row, request))
        log.info("desk.ticket.opened number=%s priority=%s", row.number, row.priority)
        return row

    @staticmethod
    def _created_event(row: TicketRow, request: NewTicket) -> TicketEvent:
        detail = {"priority": row.priority, "assigned_tier": row.assigned_tier, "kind": row.kind}
        return TicketEvent(
            ticket_id=row.id, at=row.created_at, actor=f"{request.reporter.channel}:{request.reporter.user_id}",
            channel=request.reporter.channel, kind="created", detail=detail,
        )

    @staticmethod
    async def _tier(session: AsyncSession, customer_id: int | None) -> str | None:
        if customer_id is None:
            return None
        customer = await session.get(Customer, customer_id)
        if customer is None:
            raise NotFound(f"customer {customer_id}")
        return customer.tier

    async def _by_key(self, key: str) -> TicketRow | None:
        return await self._scalar(select(TicketRow).where(TicketRow.idempotency_key == key))

    async def _scalar(self, query):  # type: ignore[no-untyped-def]
        try:
            async with self._sessions() as session:
                return (await session.scalars(query)).first()
        except database.DB_ERRORS as exc:
            raise self._unavailable(exc) from exc

    @staticmethod
    def _unavailable(exc: Exception) -> BackendUnavailable:
        log.error("desk.database.error error=%s", type(exc).__name__)
        return BackendUnavailable(f"database: {type(exc).__name__}")

