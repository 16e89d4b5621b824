"""Notices (release and information management): planned works and known outages, pushed to affected contacts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend_client.errors import Conflict, Forbidden, Invalid, NotFound
from servicedesk.base import DeskBase
from servicedesk.models import ChannelIdentity, Circuit, Contact, Customer, NoticeRow, ProblemRow
from servicedesk.records import in_scope, region_of, scope_of, to_notice
from servicedesk.policy import Region
from backend_client.types import Actor, NewNotice, Notice, Scope

NOTICE_PREFIX = "GG"
NOTICE_KINDS = frozenset({"planned", "outage"})


@dataclass(frozen=True)
class _Subject:
    """What a notice must cover to answer a question: any of ``regions``, the services (None: any), the circuits."""

    regions: tuple[Region, ...]
    services: set[str] | None
    circuits: set[str]

    def covered_by(self, scope: Scope) -> bool:
        """Whether ``scope`` reaches this subject in one of its regions."""
        services = set(scope.service_types) if self.services is None else self.services
        return any(in_scope(scope, region, services, self.circuits) for region in self.regions)


class Notices(DeskBase):
    """Drafting, publishing and looking up notices."""

    async def create_notice(self, notice: NewNotice, actor: Actor) -> Notice:
        """A draft; nothing is sent until it is published."""
        if not actor.is_staff:
            raise Forbidden("only the desk may write notices")
        if notice.kind not in NOTICE_KINDS:
            raise Invalid(f"notice kind must be one of {sorted(NOTICE_KINDS)}")
        if notice.starts_at.tzinfo is None or notice.ends_at.tzinfo is None:
            raise Invalid("a notice's start and end must carry a time zone offset")
        if notice.ends_at <= notice.starts_at:
            raise Invalid("a notice must end after it starts")
        async with self._tx() as session:
            now = self._now()
            problem = await self._problem_id(session, notice.problem)
            row = NoticeRow(number=await self._numbers.next(session, NOTICE_PREFIX, self._policy.day_key(now)),
                            kind=notice.kind, title=notice.title, text=notice.text, starts_at=notice.starts_at,
                            ends_at=notice.ends_at, status="draft", problem_id=problem, created_at=now,
                            scope_regions=list(notice.scope.regions),
                            scope_service_types=list(notice.scope.service_types),
                            scope_circuit_ids=list(notice.scope.circuit_ids))
            session.add(row)
            await session.flush()
            return to_notice(row, notice.problem)

    async def publish_notice(self, number: str, actor: Actor) -> int:
        """Publish and queue one notification per affected contact with a bound channel identity."""
        if not actor.is_staff:
            raise Forbidden("only the desk may publish notices")
        async with self._tx() as session:
            row = (await session.scalars(select(NoticeRow).where(NoticeRow.number == number))).first()
            if row is None:
                raise NotFound(f"notice {number}")
            if row.status != "draft":
                raise Conflict("notice.already_published", f"notice {number} is {row.status}")
            now = self._now()
            row.status, row.published_at = "published", now
            queued = 0
            for contact, identity in await self._affected_contacts(session, row):
                payload = {"notice": row.number, "kind": row.kind, "title": row.title, "text": row.text,
                           "starts_at": row.starts_at.isoformat(), "ends_at": row.ends_at.isoformat()}
                self._notify(session, "notice", identity.channel, identity.user_id, payload, now,
                             contact_id=contact.id)
                queued += 1
            return queued

    async def notices_affecting(self, *, customer_id: int | None = None, circuit_id: str | None = None,
                                region: str | None = None, service_type: str | None = None,
                                at: datetime | None = None) -> list[Notice]:
        """Published notices in force at ``at`` (default now) whose scope covers what was asked."""
        at = at or self._now()
        async with self._tx() as session:
            subject = await self._subject(session, customer_id, circuit_id, region, service_type)
            rows = (await session.scalars(select(NoticeRow).where(
                NoticeRow.status == "published", NoticeRow.starts_at <= at, NoticeRow.ends_at >= at))).all()
            problems = {p.id: p.number for p in (await session.scalars(select(ProblemRow))).all()} if rows else {}
            return [to_notice(r, problems.get(r.problem_id)) for r in rows if subject.covered_by(scope_of(r))]

    async def _subject(self, session: AsyncSession, customer_id: int | None, circuit_id: str | None,
                       region: str | None, service_type: str | None) -> _Subject:
        """What the notices must reach: an account, a known circuit (as its account's region and service) or a place."""
        services, circuits = {service_type} - {None}, {circuit_id} - {None}
        if customer_id is not None:
            return await self._account(session, customer_id, services, circuits)
        query = select(Circuit).where(Circuit.circuit_id == circuit_id)
        known = (await session.scalars(query)).first() if circuit_id else None
        if known is not None:
            owner = await session.get(Customer, known.customer_id)
            return _Subject((region_of(owner),), services | {known.service_type}, circuits)
        if region:
            return _Subject(self._policy.regions_within(region), services or None, circuits)
        return _Subject((Region(),), services, circuits)

    @staticmethod
    async def _account(session: AsyncSession, customer_id: int, services: set[str], circuits: set[str]) -> _Subject:
        """The account's region with every service and circuit it owns."""
        customer = await session.get(Customer, customer_id)
        if customer is None:
            raise NotFound(f"customer {customer_id}")
        owned = (await session.scalars(select(Circuit).where(Circuit.customer_id == customer_id))).all()
        return _Subject((region_of(customer),), services | {c.service_type for c in owned},
                        circuits | {c.circuit_id for c in owned})

    @staticmethod
    async def _affected_contacts(session: AsyncSession, row: NoticeRow) -> list[tuple[Contact, ChannelIdentity]]:
        """Each contact of an affected account once, on the identity they verified last."""
        scope = scope_of(row)
        owned: dict[int, list[Circuit]] = {}
        for circuit in (await session.scalars(select(Circuit))).all():
            owned.setdefault(circuit.customer_id, []).append(circuit)
        affected = [customer.id for customer in (await session.scalars(select(Customer))).all()
                    if in_scope(scope, region_of(customer), {c.service_type for c in owned.get(customer.id, [])},
                                {c.circuit_id for c in owned.get(customer.id, [])})]
        if not affected:
            return []
        query = (select(Contact, ChannelIdentity).join(ChannelIdentity, ChannelIdentity.contact_id == Contact.id)
                 .where(Contact.customer_id.in_(affected)).order_by(ChannelIdentity.verified_at.desc()))
        latest: dict[int, tuple[Contact, ChannelIdentity]] = {}
        for contact, identity in (await session.execute(query)).all():
            latest.setdefault(contact.id, (contact, identity))
        return list(latest.values())

    @staticmethod
    async def _problem_id(session: AsyncSession, number: str | None) -> int | None:
        if number is None:
            return None
        problem = (await session.scalars(select(ProblemRow).where(ProblemRow.number == number))).first()
        if problem is None:
            raise NotFound(f"problem {number}")
        return problem.id
