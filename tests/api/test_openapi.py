"""The OpenAPI document is valid, lists every route, and describes what the API really sends."""
from __future__ import annotations

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from servicedesk.api import ROUTES
from tests.api.conftest import as_agent


async def spec(api) -> dict:
    response = await api.get("/api/v1/openapi.json")
    assert response.status == 200
    return await response.json()


async def test_the_document_is_valid_openapi_3_1(api):
    document = await spec(api)
    validate(document)
    assert document["openapi"].startswith("3.1")


async def test_every_route_is_documented_with_its_scopes(api):
    paths = (await spec(api))["paths"]
    for route in ROUTES:
        path = route.path.replace(r"{id:\d+}", "{id}")
        operation = paths[path][route.method.lower()]
        assert operation["x-scopes"] == sorted(route.scopes) and "admin" in operation["x-scopes"]


async def test_real_responses_match_their_schemas(api, open_ticket):
    document = await spec(api)
    ticket = await open_ticket("schema-1")
    page = await (await api.get("/api/v1/tickets", headers=as_agent())).json()
    error = await (await api.get("/api/v1/tickets/GD0", headers=as_agent())).json()
    for name, value in (("Ticket", ticket), ("TicketPage", page), ("ErrorBody", error)):
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        assert not list(Draft202012Validator(schema).iter_errors(value)), name
    broken = {**ticket, "status": "lost"}
    schema = {"$ref": "#/components/schemas/Ticket", "components": document["components"]}
    assert list(Draft202012Validator(schema).iter_errors(broken))


async def test_the_ticket_request_takes_its_key_from_the_header(api):
    document = await spec(api)
    body = document["components"]["schemas"]["NewTicket"]
    assert "idempotency_key" not in body["properties"] and "reporter" not in body["required"]
    parameters = document["paths"]["/tickets"]["post"]["parameters"]
    assert any(p.get("name") == "Idempotency-Key" and p["in"] == "header" and p["required"] for p in parameters)
