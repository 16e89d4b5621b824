"""What every part of the local desk shares: sessions, policy, transactions with error mapping, history, outbox."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from backend_client.errors import BackendError, BackendUnavailable, Conflict, Forbidden, Invalid, NotFound
from servicedesk import database
from servicedesk.models import NoticeRow, NotificationRow, ProblemRow, TicketEvent, TicketRow
from servicedesk.numbering import Numbers
from servicedesk.policy import DeskPolicy
from servicedesk.records import to_ticket
from servicedesk.sms import LogOtpSender, OtpSender
from servicedesk.stamps import LocalStamps, Stamps
from backend_client.types import Actor, Role, Ticket

log = logging.getLogger(__name__)


class DuplicateRecord(Conflict):
    """Two writers raced for one unique row (the database refused the second): a conflict, never an outage."""

    def __init__(self) -> None:
        super().__init__("record.duplicate", "the record was created at the same moment by another request; retry")


def utcnow() -> datetime:
    """Aware UTC now."""
    return datetime.now(timezone.utc)


class DeskBase:
    """Shared plumbing of the local desk's parts (tickets, problems, notices, outbox, surveys, identities, SLA)."""

    def __init__(self, engine: AsyncEngine, policy: DeskPolicy, *, otp_sender: OtpSender | None = None,
                 clock: Callable[[], datetime] = utcnow, stamps: Stamps | None = None):
        self._engine = engine
        self._sessions = database.sessions(engine)
        self._numbers = Numbers(engine)
        self._policy = policy
        self._otp_sender = otp_sender or LogOtpSender()
        self._now = clock
        self._stamps: Stamps = stamps or LocalStamps()

    @property
    def _locks_rows(self) -> bool:
        """PostgreSQL takes row locks (FOR UPDATE SKIP LOCKED); SQLite serialises writers anyway."""
        return self._engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncSession]:
        """One transaction; database failures become BackendUnavailable, lost races Conflict, unfit data Invalid."""
        try:
            async with self._sessions.begin() as session:
                yield session
        except BackendError:
            raise
        except IntegrityError as exc:
            raise DuplicateRecord() from exc
        except StaleDataError as exc:
            raise Conflict("version.stale", "the record was changed by someone else; reload and retry") from exc
        except database.DB_ERRORS as exc:
            if database.refused_data(exc):
                log.info("desk.database.data_refused error=%s", type(getattr(exc, "orig", exc)).__name__)
                raise Invalid("a value does not fit the database (too long, out of range or not text)") from exc
            log.error("desk.database.error error=%s", type(exc).__name__)
            raise BackendUnavailable(f"database: {type(exc).__name__}") from exc

    async def ping(self) -> None:
        """Raise BackendUnavailable when the database is down."""
        await database.ping(self._engine)

    async def _ticket_row(self, session: AsyncSession, number: str, actor: Actor, *, lock: bool = False) -> TicketRow:
        query = select(TicketRow).where(TicketRow.number == number)
        if lock and self._locks_rows:
            query = query.with_for_update()
        row = (await session.scalars(query)).first()
        if row is None:
            raise NotFound(f"ticket {number}")
        check_visible(actor, row)
        return row

    @staticmethod
    async def _with_links(session: AsyncSession, row: TicketRow) -> Ticket:
        """The ticket with the numbers of its problem and notice."""
        problem = await session.get(ProblemRow, row.problem_id) if row.problem_id else None
        notice = await session.get(NoticeRow, row.notice_id) if row.notice_id else None
        return to_ticket(row, problem.number if problem else None, notice.number if notice else None)

    @staticmethod
    def _event(session: AsyncSession, row: TicketRow, actor: Actor, kind: str, at: datetime, **detail: Any) -> None:
        session.add(TicketEvent(ticket_id=row.id, at=at, actor=actor.id, channel=actor.channel, kind=kind,
                                detail=detail))

    @staticmethod
    def _notify(session: AsyncSession, kind: str, channel: str, user_id: str, payload: dict[str, Any], at: datetime,
                *, contact_id: int | None = None, ticket_id: int | None = None) -> None:
        session.add(NotificationRow(kind=kind, channel=channel, user_id=user_id, contact_id=contact_id,
                                    ticket_id=ticket_id, payload=payload, state="pending", attempts=0,
                                    next_attempt_at=at, created_at=at))

    def _notify_reporter(self, session: AsyncSession, row: TicketRow, kind: str, at: datetime, **payload: Any) -> None:
        """A message to the customer who reported the ticket, on the channel they used."""
        self._notify(session, kind, row.reporter_channel, row.reporter_user_id, {"ticket": row.number, **payload},
                     at, contact_id=row.contact_id, ticket_id=row.id)

    def _notify_group(self, session: AsyncSession, row: TicketRow, group_id: str, kind: str, at: datetime,
                      **payload: Any) -> None:
        """A message to a support group's desk (delivered by the agent desk)."""
        self._notify(session, kind, "desk", group_id, {"ticket": row.number, **payload}, at, ticket_id=row.id)


def check_visible(actor: Actor, row: TicketRow) -> None:
    """Staff see everything; a contact their account's tickets; anyone the tickets they reported."""
    if actor.is_staff:
        return
    if actor.role is Role.CONTACT and row.customer_id is not None and row.customer_id == actor.customer_id:
        return
    reporter = actor.reporter
    if reporter and (row.reporter_channel, row.reporter_user_id) == (reporter.channel, reporter.user_id):
        return
    raise Forbidden(f"ticket {row.number} belongs to another account")
