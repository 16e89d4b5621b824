"""The agent desk's side of a ticket: its actions on a linked conversation kept in the ticket's history, and the
satisfaction survey asked when an agent closes that conversation."""
from __future__ import annotations

import re
from sqlalchemy import select

from backend_client.errors import Forbidden, Invalid, NotFound
from backend_client.types import Actor, Role, Survey, TicketEvent
from servicedesk.base import DeskBase
from servicedesk.models import Contact, SurveyRow, TicketEvent as EventRow
from servicedesk.records import to_event, to_survey

DESK_ONLY = "desk_"
"""Kinds the agent desk records; customers never see them in a ticket's history."""
DESK_KIND = re.compile(r"^[a-z][a-z_]{0,30}$")
MAX_DETAIL = 2000
MAX_SMS = 500


class DeskTrail(DeskBase):
    """Agent-desk events on tickets and surveys asked at the close of a conversation."""

    async def record_event(self, number: str, kind: str, actor: Actor, *, detail: dict[str, str]) -> TicketEvent:
        """Append ``desk_<kind>`` (take, transfer, note…) to the ticket's history; staff only."""
        _require_agent(actor)
        if not DESK_KIND.match(kind):
            raise Invalid("kind must be lower-case letters and underscores")
        clean = {str(k)[:32]: str(v)[:MAX_DETAIL] for k, v in list(detail.items())[:10]}
        async with self._tx() as session:
            row = await self._ticket_row(session, number, actor)
            event = EventRow(ticket_id=row.id, at=self._now(), actor=actor.id, channel=actor.channel,
                             kind=DESK_ONLY + kind, detail=clean)
            session.add(event)
            return to_event(event)

    async def request_survey(self, number: str, actor: Actor) -> Survey:
        """A pending survey for the ticket (the customer rates the agent's service); the existing one if asked."""
        _require_agent(actor)
        async with self._tx() as session:
            row = await self._ticket_row(session, number, actor, lock=True)
            survey = (await session.scalars(select(SurveyRow).where(SurveyRow.ticket_id == row.id))).first()
            if survey is None:
                now = self._now()
                survey = SurveyRow(ticket_id=row.id, contact_id=row.contact_id, reporter_channel=row.reporter_channel,
                                   reporter_user_id=row.reporter_user_id, group_id=row.assigned_group,
                                   status="pending", created_at=now)
                session.add(survey)
                self._event(session, row, actor, "survey_asked", now, group=row.assigned_group)
            return to_survey(survey, row.number)


    async def text_contact(self, contact_id: int, text: str, actor: Actor) -> None:
        """Send ``text`` to the contact's registered mobile through the desk's SMS sender; staff only."""
        _require_agent(actor)
        if not text.strip() or len(text) > MAX_SMS:
            raise Invalid(f"an SMS is 1 to {MAX_SMS} characters")
        async with self._tx() as session:
            contact = await session.get(Contact, contact_id)
            if contact is None:
                raise NotFound(f"contact {contact_id}")
            mobile = contact.mobile
        await self._otp_sender.send(mobile, text)


def _require_agent(actor: Actor) -> None:
    if actor.role not in (Role.AGENT, Role.ADMIN, Role.SYSTEM):
        raise Forbidden("only the desk's staff may do this")

