"""The OpenAPI 3.1 document of /api/v1, built as data from the route declarations and the contract types."""
from __future__ import annotations

import re
from typing import Any, Iterable

from backend_client.http.wire import (
    ACTOR_CHANNEL,
    ACTOR_ID,
    ACTOR_ROLE,
    IDEMPOTENCY_KEY,
    ON_BEHALF_CHANNEL,
    ON_BEHALF_USER,
    PREFIX,
    ErrorBody,
)
from backend_client.types import NewTicket
from servicedesk.api.routes import Route
from servicedesk.api.schema import Schemas

DESCRIPTION = (
    "The front door's service desk: tickets, customers, problems, notices, surveys, the notification outbox and "
    "the knowledge base. "
    "Authenticate with `Authorization: Bearer <token>`; each token has scopes (bot, agent, admin; admin may call "
    "everything). A bot token acts on behalf of a customer named by X-On-Behalf-Of-Channel and "
    "X-On-Behalf-Of-User (the desk resolves the verified binding); a staff token acts as X-Actor-Id in the role "
    "X-Actor-Role. Errors are `{\"error\": code, \"detail\": text, \"field\": name|null}`. Request bodies are "
    "strict: an unknown field is a 400."
)
ERROR_STATUSES = {
    "400": "malformed body, parameter or header (the field is named)",
    "401": "missing or unknown bearer token",
    "403": "the token's scopes, or the customer acted for, may not do this",
    "404": "no such record",
    "409": "the change breaks a rule (the code names it) or the version is stale",
    "422": "a value the desk refuses",
    "503": "the desk's database is unreachable; retry later",
}
ACTOR_HEADERS = {
    "OnBehalfOfChannel": (ON_BEHALF_CHANNEL, "bot tokens: the customer's channel (wechat, app, voice)"),
    "OnBehalfOfUser": (ON_BEHALF_USER, "bot tokens: the customer's user id on that channel"),
    "ActorId": (ACTOR_ID, "staff tokens: who acts (required without On-Behalf-Of headers)"),
    "ActorRole": (ACTOR_ROLE, "staff tokens: agent, admin or system (default: the token's highest)"),
    "ActorChannel": (ACTOR_CHANNEL, "staff tokens: where the staff member works (default api)"),
}
PATH_PARAM = re.compile(r"\{(\w+)(?::[^}]+)?\}")


def document(routes: Iterable[Route]) -> dict[str, Any]:
    """The whole OpenAPI document."""
    schemas = Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(PATH_PARAM.sub(r"{\1}", route.path), {})[route.method.lower()] = _operation(route, schemas)
    paths["/openapi.json"] = {"get": {"operationId": "openapi", "summary": "This document", "security": [],
                                      "responses": {"200": {"description": "the OpenAPI document"}}}}
    _ticket_request(schemas.components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "frontdoor service desk API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": PREFIX}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "parameters": {key: _header(name, text) for key, (name, text) in ACTOR_HEADERS.items()},
            "responses": {"Error": {"description": "an error",
                                    "content": {"application/json": {"schema": schemas.of(ErrorBody)}}}},
        },
    }


def _operation(route: Route, schemas: Schemas) -> dict[str, Any]:
    scopes = sorted(route.scopes)
    operation: dict[str, Any] = {
        "operationId": route.name,
        "summary": route.summary,
        "description": f"Scopes: {', '.join(scopes)}.",
        "x-scopes": scopes,
        "parameters": _parameters(route, schemas),
        "responses": {str(route.status): _success(route, schemas),
                      **{status: {"$ref": "#/components/responses/Error"} for status in ERROR_STATUSES}},
    }
    if route.body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": schemas.of(route.body)}}}
    return operation


def _parameters(route: Route, schemas: Schemas) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "integer"} if pattern else {"type": "string"}}
        for name, pattern in re.findall(r"\{(\w+)(:[^}]+)?\}", route.path)
    ]
    params += [{"name": p.name, "in": "query", "required": False, "description": p.description,
                "schema": schemas.of(p.hint)} for p in route.query]
    if route.idempotent_key:
        params.append({"name": IDEMPOTENCY_KEY, "in": "header", "required": True, "schema": {"type": "string"},
                       "description": "a retried request with the same key returns the same ticket"})
    if route.acts:
        params += [{"$ref": f"#/components/parameters/{key}"} for key in ACTOR_HEADERS]
    return params


def _success(route: Route, schemas: Schemas) -> dict[str, Any]:
    if route.returns is None:
        return {"description": "done"}
    return {"description": route.summary, "content": {"application/json": {"schema": schemas.of(route.returns)}}}


def _header(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "description": description,
            "schema": {"type": "string"}}


def _ticket_request(components: dict[str, dict[str, Any]]) -> None:
    """A ticket request's key travels in its header; a bot's reporter and account come from On-Behalf-Of."""
    schema = components.get(NewTicket.__name__)
    if schema is None:
        return
    schema["properties"].pop("idempotency_key")
    schema["required"] = [name for name in schema["required"] if name not in ("idempotency_key", "reporter")]
