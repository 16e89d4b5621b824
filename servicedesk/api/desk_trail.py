"""The agent desk's calls on a ticket: an action recorded in its history, a survey asked at a chat's close."""
from __future__ import annotations

from aiohttp import web

from backend_client.http.wire import ContactText, DeskEvent
from backend_client.types import Survey, TicketEvent
from servicedesk.api.auth import acting
from servicedesk.api.context import desk
from servicedesk.api.errors import respond
from servicedesk.api.errors import ApiError
from servicedesk.api.inputs import ID_LIMIT, body
from servicedesk.api.routes import AGENT, Route, scopes


async def record_event(request: web.Request) -> web.Response:
    """Append desk_<kind> with its detail to the ticket's history."""
    event = await body(request, DeskEvent)
    recorded = await desk(request).record_event(request.match_info["number"], event.kind, await acting(request),
                                                detail=event.detail)
    return respond(recorded, 201)


async def request_survey(request: web.Request) -> web.Response:
    """A pending survey for the ticket (or the one already asked)."""
    return respond(await desk(request).request_survey(request.match_info["number"], await acting(request)))


async def text_contact(request: web.Request) -> web.Response:
    """An SMS to the contact's registered mobile (the number never leaves the desk)."""
    message = await body(request, ContactText)
    raw = request.match_info["contact_id"]
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= ID_LIMIT:
        raise ApiError(f"contact id must be a number between 1 and {ID_LIMIT}", "contact_id")
    await desk(request).text_contact(int(raw), message.text, await acting(request))
    return web.Response(status=204)


ROUTES = (
    Route("POST", "/tickets/{number}/events", record_event, scopes(AGENT), "Record an agent desk action",
          body=DeskEvent, returns=TicketEvent, status=201),
    Route("POST", "/tickets/{number}/survey/request", request_survey, scopes(AGENT),
          "Ask the customer's satisfaction survey for the ticket", returns=Survey),
    Route("POST", "/contacts/{contact_id}/sms", text_contact, scopes(AGENT),
          "Text a contact's registered mobile", body=ContactText, status=204),
)
