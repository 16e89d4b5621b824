"""Satisfaction surveys: asked on resolution, answered once, kept against the group that resolved the ticket."""
from __future__ import annotations

from sqlalchemy import or_, select

from backend_client.errors import Conflict, Invalid, NotFound
from servicedesk.base import DeskBase
from servicedesk.models import SurveyRow, TicketRow
from servicedesk.records import to_survey
from backend_client.types import Actor, Role, Survey


class Surveys(DeskBase):
    """Answers and pending surveys."""

    async def answer_survey(self, ticket: str, score: int, comment: str | None, actor: Actor) -> Survey:
        """Store 1–5 and an optional comment; a second answer is a Conflict."""
        if not 1 <= score <= 5:
            raise Invalid("score must be between 1 and 5")
        async with self._tx() as session:
            row = await self._ticket_row(session, ticket, actor, lock=True)
            survey = (await session.scalars(select(SurveyRow).where(SurveyRow.ticket_id == row.id))).first()
            if survey is None:
                raise NotFound(f"no survey for ticket {ticket}")
            if survey.status == "answered":
                raise Conflict("survey.already_answered", f"the survey of {ticket} was already answered")
            now = self._now()
            survey.status, survey.score, survey.comment, survey.answered_at = "answered", score, comment, now
            self._event(session, row, actor, "survey_answered", now, score=score, group=survey.group_id)
            return to_survey(survey, ticket)

    async def pending_survey(self, actor: Actor) -> Survey | None:
        """The newest unanswered survey of the customer (their own reports, or their account when a contact)."""
        conditions = []
        if actor.reporter is not None:
            conditions.append((SurveyRow.reporter_channel == actor.reporter.channel)
                              & (SurveyRow.reporter_user_id == actor.reporter.user_id))
        if actor.role is Role.CONTACT and actor.contact_id is not None:
            conditions.append(SurveyRow.contact_id == actor.contact_id)
        if not conditions:
            return None
        query = (select(SurveyRow, TicketRow.number).join(TicketRow, TicketRow.id == SurveyRow.ticket_id)
                 .where(SurveyRow.status == "pending", or_(*conditions))
                 .order_by(SurveyRow.created_at.desc(), SurveyRow.id.desc()).limit(1))
        async with self._tx() as session:
            found = (await session.execute(query)).first()
            return to_survey(found[0], found[1]) if found else None
