"""Tickets: list (paged), get, history, open (idempotent), transition, priority, escalation, reassignment."""
from __future__ import annotations

import hashlib
from typing import Any

from aiohttp import web

from backend_client.codec import decode, encode
from backend_client.errors import Forbidden
from backend_client.http.wire import IDEMPOTENCY_KEY, Escalation, Items, PriorityChange, Reassignment, Transition
from backend_client.types import (
    Actor,
    ContactBinding,
    NewTicket,
    OpenOutcome,
    Page,
    Role,
    Ticket,
    TicketEvent,
    TicketOpened,
    TicketStatus,
)
from servicedesk.api.auth import BINDING, CALLER, acting
from servicedesk.api.context import desk, max_page
from servicedesk.api.errors import ApiError, respond
from servicedesk.api.inputs import ID_LIMIT, body, header, json_object, query_enum, query_int
from servicedesk.api.masking import mask_phone
from servicedesk.api.routes import AGENT, BOT, Param, Route, scopes
from servicedesk.api.tokens import Caller

CUSTOMER_FIELDS = ("reporter", "customer_id", "contact_id")
ID_FIELDS = ("customer_id", "contact_id")
OWNER_CHARS = 24
MAX_KEY = 100
"""The stored key (owner digest, colon, key) fits the 128-character column."""


async def list_tickets(request: web.Request) -> web.Response:
    """Newest first; a customer sees their account (or, unbound, their own reports)."""
    actor = await acting(request)
    page = await desk(request).list_tickets(
        actor,
        customer_id=query_int(request, "customer_id", None, 1),
        status=query_enum(request, "status", TicketStatus),
        offset=query_int(request, "offset", 0, 0),
        limit=query_int(request, "limit", 20, 1, max_page(request)),
    )
    return respond(page)


async def get_ticket(request: web.Request) -> web.Response:
    """One ticket."""
    return respond(await desk(request).get_ticket(request.match_info["number"], await acting(request)))


async def ticket_events(request: web.Request) -> web.Response:
    """A ticket's history, oldest first."""
    events = await desk(request).ticket_events(request.match_info["number"], await acting(request))
    return respond(Items(events))


async def keyed_request(request: web.Request) -> tuple[str, Actor, dict[str, Any]]:
    """A creating request's Idempotency-Key (only in its header), who acts, and its JSON body (record ids in range)."""
    key = header(request, IDEMPOTENCY_KEY, max_length=MAX_KEY)
    if key is None:
        raise ApiError(f"header {IDEMPOTENCY_KEY} is required (e.g. the channel's message id)", IDEMPOTENCY_KEY)
    actor = await acting(request)
    data = await json_object(request)
    if "idempotency_key" in data:
        raise ApiError(f"the idempotency key travels in the {IDEMPOTENCY_KEY} header", "idempotency_key")
    for name in ID_FIELDS:
        if isinstance(data.get(name), int) and not 0 < data[name] <= ID_LIMIT:
            raise ApiError(f"'{name}' must be between 1 and {ID_LIMIT}", name)
    return key, actor, data


async def open_ticket(request: web.Request) -> web.Response:
    """Open a ticket; the Idempotency-Key header makes a retried request return the same ticket."""
    key, actor, data = await keyed_request(request)
    if actor.role in (Role.CONTACT, Role.REPORTER):
        data = _as_customer(data, actor, request.get(BINDING))
    scoped = scoped_key(request[CALLER], actor, key)
    opened = await desk(request).open_ticket(decode(NewTicket, {**data, "idempotency_key": scoped}, strict=True))
    return respond(opened, 200 if opened.outcome is OpenOutcome.DUPLICATE else 201)


def scoped_key(caller: Caller, actor: Actor, key: str) -> str:
    """The key as stored: one client acting for one person can only ever replay its own tickets, never another's."""
    owner = hashlib.sha256(f"{caller.name}\x1f{actor.role.value}\x1f{actor.id}".encode()).hexdigest()
    return f"{owner[:OWNER_CHARS]}:{key}"


def _as_customer(data: dict[str, Any], actor: Actor, binding: ContactBinding | None) -> dict[str, Any]:
    """A bot opens tickets only as the customer it acts for: the account comes from the binding, not the body.

    The bot saw the contact's mobile masked; sent back as the callback number, it is the registered one.
    """
    own = {"reporter": encode(actor.reporter), "customer_id": actor.customer_id, "contact_id": actor.contact_id}
    for name in CUSTOMER_FIELDS:
        if data.get(name) is not None and data[name] != own[name]:
            raise Forbidden(f"'{name}' must be the customer the request acts for")
    if binding is not None and data.get("contact_phone") == mask_phone(binding.mobile):
        own["contact_phone"] = binding.mobile
    return {**data, **own}


async def transition(request: web.Request) -> web.Response:
    """Move the ticket; with expected_version the move fails (409) if someone changed it meanwhile."""
    change = await body(request, Transition)
    ticket = await desk(request).transition(request.match_info["number"], change.status, await acting(request),
                                            note=change.note, expected_version=change.expected_version)
    return respond(ticket)


async def change_priority(request: web.Request) -> web.Response:
    """Re-prioritise; SLA deadlines are recomputed."""
    change = await body(request, PriorityChange)
    ticket = await desk(request).change_priority(request.match_info["number"], change.priority,
                                                 await acting(request), reason=change.reason)
    return respond(ticket)


async def escalate(request: web.Request) -> web.Response:
    """One level up (county → city → province)."""
    change = await body(request, Escalation)
    return respond(await desk(request).escalate(request.match_info["number"], await acting(request),
                                                reason=change.reason))


async def reassign(request: web.Request) -> web.Response:
    """To another support group."""
    change = await body(request, Reassignment)
    ticket = await desk(request).reassign(request.match_info["number"], change.group_id, await acting(request),
                                          reason=change.reason)
    return respond(ticket)


LIST_PARAMS = (
    Param("customer_id", int, "staff: only this account's tickets"),
    Param("status", TicketStatus, "only tickets in this state"),
    Param("offset", int, "skip this many (default 0)"),
    Param("limit", int, "page size (default 20, at most api.max_page_size)"),
)

ROUTES = (
    Route("GET", "/tickets", list_tickets, scopes(BOT, AGENT), "List tickets, newest first", returns=Page[Ticket],
          query=LIST_PARAMS),
    Route("POST", "/tickets", open_ticket, scopes(BOT, AGENT), "Open a ticket (idempotent per Idempotency-Key)",
          body=NewTicket, returns=TicketOpened, status=201, idempotent_key=True),
    Route("GET", "/tickets/{number}", get_ticket, scopes(BOT, AGENT), "Get a ticket", returns=Ticket),
    Route("GET", "/tickets/{number}/events", ticket_events, scopes(BOT, AGENT), "A ticket's history",
          returns=Items[TicketEvent]),
    Route("POST", "/tickets/{number}/transition", transition, scopes(BOT, AGENT), "Change a ticket's status",
          body=Transition, returns=Ticket),
    Route("POST", "/tickets/{number}/priority", change_priority, scopes(AGENT), "Re-prioritise a ticket",
          body=PriorityChange, returns=Ticket),
    Route("POST", "/tickets/{number}/escalate", escalate, scopes(BOT, AGENT), "Escalate a ticket one level up",
          body=Escalation, returns=Ticket),
    Route("POST", "/tickets/{number}/reassign", reassign, scopes(AGENT), "Reassign a ticket to another group",
          body=Reassignment, returns=Ticket),
)
