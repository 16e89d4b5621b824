"""Satisfaction surveys after resolution: the customer's pending one, and the answer."""
from __future__ import annotations

from aiohttp import web

from backend_client.http.wire import SurveyAnswer
from backend_client.types import Survey
from servicedesk.api.auth import acting
from servicedesk.api.context import desk
from servicedesk.api.errors import respond
from servicedesk.api.inputs import body
from servicedesk.api.routes import AGENT, BOT, Route, scopes


async def answer_survey(request: web.Request) -> web.Response:
    """Store a 1–5 answer against the ticket and the group that resolved it."""
    answer = await body(request, SurveyAnswer)
    survey = await desk(request).answer_survey(request.match_info["number"], answer.score, answer.comment,
                                               await acting(request))
    return respond(survey)


async def pending_survey(request: web.Request) -> web.Response:
    """The customer's newest unanswered survey, or null."""
    return respond(await desk(request).pending_survey(await acting(request)))


ROUTES = (
    Route("POST", "/tickets/{number}/survey", answer_survey, scopes(BOT, AGENT), "Answer a ticket's survey",
          body=SurveyAnswer, returns=Survey),
    Route("GET", "/surveys/pending", pending_survey, scopes(BOT), "The customer's pending survey (or null)",
          returns=Survey | None),
)
