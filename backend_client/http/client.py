"""HttpServiceDesk: the ServiceDesk contract over the front door's REST API (aiohttp client).

Retries, with exponential back-off, only what is safe to repeat (GETs, and opening a ticket, which
carries an idempotency key) and only on failures worth repeating (connection errors, timeouts, 502,
503, 504). API errors come back as the contract's exceptions; an unreachable API is BackendUnavailable.
"""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from typing import Any, Iterable
from urllib.parse import quote

import aiohttp

from backend_client.codec import CodecError, decode, dumps, encode
from backend_client.errors import ERRORS_BY_STATUS, BackendError, BackendUnavailable, Conflict
from backend_client.http import wire
from backend_client.kb import Article, ArticleVersion, ImportReport, KbGap, SearchResult
from backend_client.types import (
    Actor,
    ContactBinding,
    Customer,
    NewComplaint,
    NewNotice,
    NewTicket,
    Notice,
    Notification,
    Page,
    Problem,
    Reopened,
    Role,
    Scope,
    SlaJobReport,
    Survey,
    Ticket,
    TicketEvent,
    TicketOpened,
    TicketStatus,
    Urged,
)

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({502, 503, 504})
CUSTOMER_ROLES = (Role.CONTACT, Role.REPORTER)


def actor_headers(actor: Actor) -> dict[str, str]:
    """A customer travels as the channel identity the desk resolves; staff as id, role and channel."""
    if actor.role in CUSTOMER_ROLES:
        if actor.reporter is None:
            raise ValueError("a customer actor needs its channel identity (reporter) to act over HTTP")
        return {wire.ON_BEHALF_CHANNEL: actor.reporter.channel, wire.ON_BEHALF_USER: actor.reporter.user_id}
    return {wire.ACTOR_ID: actor.id, wire.ACTOR_ROLE: actor.role.value, wire.ACTOR_CHANNEL: actor.channel}


def error_from(status: int, body: Any, reason: str) -> BackendError:
    """The contract exception for an API error response."""
    code = body.get("error") if isinstance(body, dict) else None
    detail = body.get("detail") if isinstance(body, dict) else None
    detail = detail if isinstance(detail, str) else reason
    if status == 409:
        return Conflict(code if isinstance(code, str) else "conflict", detail)
    if status in ERRORS_BY_STATUS:
        return ERRORS_BY_STATUS[status](detail)
    if status in RETRYABLE_STATUSES:
        return BackendUnavailable(detail)
    return BackendError(code if isinstance(code, str) else f"http_{status}", detail)


class HttpServiceDesk:
    """ServiceDesk over HTTP; open it in an async context (or call ``close``) so its session is released."""

    def __init__(self, base_url: str, token: str, *, timeout_s: float = 10.0, connect_timeout_s: float = 3.0,
                 retries: int = 2, backoff_s: float = 0.2):
        self._base = base_url.rstrip("/") + wire.PREFIX
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=connect_timeout_s)
        self._retries = retries
        self._backoff_s = backoff_s
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "HttpServiceDesk":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Release the connection pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    # tickets
    async def open_ticket(self, request: NewTicket) -> TicketOpened:
        """POST /tickets with the idempotency key as header, so a retry returns the same ticket."""
        data = {k: v for k, v in encode(request).items() if k != "idempotency_key"}
        headers = {wire.IDEMPOTENCY_KEY: request.idempotency_key, wire.ON_BEHALF_CHANNEL: request.reporter.channel,
                   wire.ON_BEHALF_USER: request.reporter.user_id}
        return await self._call("POST", "/tickets", TicketOpened, body=data, headers=headers, retry=True)

    async def get_ticket(self, number: str, actor: Actor) -> Ticket:
        """GET /tickets/{number}."""
        return await self._call("GET", f"/tickets/{_q(number)}", Ticket, actor=actor)

    async def list_tickets(self, actor: Actor, *, customer_id: int | None = None,
                           status: TicketStatus | None = None, offset: int = 0, limit: int = 20) -> Page[Ticket]:
        """GET /tickets, one page."""
        query = _query(customer_id=customer_id, status=status, offset=offset, limit=limit)
        return await self._call("GET", "/tickets", Page[Ticket], actor=actor, query=query)

    async def ticket_events(self, number: str, actor: Actor) -> list[TicketEvent]:
        """GET /tickets/{number}/events."""
        found = await self._call("GET", f"/tickets/{_q(number)}/events", wire.Items[TicketEvent], actor=actor)
        return found.items

    async def transition(self, number: str, status: TicketStatus, actor: Actor, *, note: str | None = None,
                         expected_version: int | None = None) -> Ticket:
        """POST /tickets/{number}/transition."""
        return await self._call("POST", f"/tickets/{_q(number)}/transition", Ticket, actor=actor,
                                body=wire.Transition(status, note, expected_version))

    async def change_priority(self, number: str, priority: str, actor: Actor, *, reason: str = "") -> Ticket:
        """POST /tickets/{number}/priority."""
        return await self._call("POST", f"/tickets/{_q(number)}/priority", Ticket, actor=actor,
                                body=wire.PriorityChange(priority, reason))

    async def escalate(self, number: str, actor: Actor, *, reason: str) -> Ticket:
        """POST /tickets/{number}/escalate."""
        return await self._call("POST", f"/tickets/{_q(number)}/escalate", Ticket, actor=actor,
                                body=wire.Escalation(reason))

    async def urge(self, number: str, actor: Actor, *, reason: str) -> Urged:
        """POST /tickets/{number}/urge."""
        return await self._call("POST", f"/tickets/{_q(number)}/urge", Urged, actor=actor, body=wire.Urge(reason))

    async def reopen_or_relink(self, number: str, actor: Actor, *, reason: str) -> Reopened:
        """POST /tickets/{number}/fault-back."""
        return await self._call("POST", f"/tickets/{_q(number)}/fault-back", Reopened, actor=actor,
                                body=wire.FaultBack(reason))

    async def open_complaint(self, complaint: NewComplaint) -> TicketOpened:
        """POST /complaints with the idempotency key as header, so a retry returns the same complaint ticket."""
        data = {k: v for k, v in encode(complaint).items() if k != "idempotency_key"}
        headers = {wire.IDEMPOTENCY_KEY: complaint.idempotency_key, wire.ON_BEHALF_CHANNEL: complaint.reporter.channel,
                   wire.ON_BEHALF_USER: complaint.reporter.user_id}
        return await self._call("POST", "/complaints", TicketOpened, body=data, headers=headers, retry=True)

    async def reassign(self, number: str, group_id: str, actor: Actor, *, reason: str) -> Ticket:
        """POST /tickets/{number}/reassign."""
        return await self._call("POST", f"/tickets/{_q(number)}/reassign", Ticket, actor=actor,
                                body=wire.Reassignment(group_id, reason))

    # customers and identities
    async def find_binding(self, channel: str, user_id: str) -> ContactBinding | None:
        """GET /bindings/{channel}/{user_id} (null when unbound)."""
        return await self._call("GET", f"/bindings/{_q(channel)}/{_q(user_id)}", ContactBinding | None)

    async def get_customer(self, code: str, actor: Actor) -> Customer:
        """GET /customers/{code}."""
        return await self._call("GET", f"/customers/{_q(code)}", Customer, actor=actor)

    async def start_verification(self, channel: str, user_id: str, customer_code: str, mobile: str) -> bool:
        """POST /verifications."""
        sent = await self._call("POST", "/verifications", wire.VerificationSent,
                                body=wire.VerificationStart(channel, user_id, customer_code, mobile))
        return sent.sent

    async def confirm_verification(self, channel: str, user_id: str, code: str) -> ContactBinding | None:
        """POST /verifications/confirm."""
        return await self._call("POST", "/verifications/confirm", ContactBinding | None,
                                body=wire.VerificationConfirm(channel, user_id, code))

    async def unbind(self, channel: str, user_id: str) -> ContactBinding | None:
        """DELETE /bindings/{channel}/{user_id} (null when it was unbound; safe to retry)."""
        return await self._call("DELETE", f"/bindings/{_q(channel)}/{_q(user_id)}", ContactBinding | None,
                                retry=True)

    # problems and notices
    async def create_problem(self, title: str, scope: Scope, actor: Actor, *, cause: str = "") -> Problem:
        """POST /problems."""
        return await self._call("POST", "/problems", Problem, actor=actor, body=wire.NewProblem(title, scope, cause))

    async def get_problem(self, number: str) -> Problem:
        """GET /problems/{number}."""
        return await self._call("GET", f"/problems/{_q(number)}", Problem)

    async def link_incident(self, problem: str, ticket: str, actor: Actor) -> Ticket:
        """POST /problems/{number}/incidents."""
        return await self._call("POST", f"/problems/{_q(problem)}/incidents", Ticket, actor=actor,
                                body=wire.IncidentLink(ticket))

    async def resolve_problem(self, problem: str, note: str, actor: Actor) -> Problem:
        """POST /problems/{number}/resolve."""
        return await self._call("POST", f"/problems/{_q(problem)}/resolve", Problem, actor=actor,
                                body=wire.Resolution(note))

    async def create_notice(self, notice: NewNotice, actor: Actor) -> Notice:
        """POST /notices."""
        return await self._call("POST", "/notices", Notice, actor=actor, body=notice)

    async def publish_notice(self, number: str, actor: Actor) -> int:
        """POST /notices/{number}/publish."""
        published = await self._call("POST", f"/notices/{_q(number)}/publish", wire.Published, actor=actor)
        return published.queued

    async def notices_affecting(self, *, customer_id: int | None = None, circuit_id: str | None = None,
                                region: str | None = None, service_type: str | None = None,
                                at: datetime | None = None) -> list[Notice]:
        """GET /notices with the scope to match."""
        query = _query(customer_id=customer_id, circuit_id=circuit_id, region=region, service_type=service_type,
                       at=at)
        return (await self._call("GET", "/notices", wire.Items[Notice], query=query)).items

    # surveys
    async def answer_survey(self, ticket: str, score: int, comment: str | None, actor: Actor) -> Survey:
        """POST /tickets/{number}/survey."""
        return await self._call("POST", f"/tickets/{_q(ticket)}/survey", Survey, actor=actor,
                                body=wire.SurveyAnswer(score, comment))

    async def pending_survey(self, actor: Actor) -> Survey | None:
        """GET /surveys/pending (null when none)."""
        return await self._call("GET", "/surveys/pending", Survey | None, actor=actor)

    async def request_survey(self, number: str, actor: Actor) -> Survey:
        """POST /tickets/{number}/survey/request."""
        return await self._call("POST", f"/tickets/{_q(number)}/survey/request", Survey, actor=actor, body={})

    async def text_contact(self, contact_id: int, text: str, actor: Actor) -> None:
        """POST /contacts/{contact_id}/sms."""
        await self._call("POST", f"/contacts/{contact_id}/sms", None, actor=actor, body=wire.ContactText(text))

    async def record_event(self, number: str, kind: str, actor: Actor, *, detail: dict[str, str]) -> TicketEvent:
        """POST /tickets/{number}/events."""
        return await self._call("POST", f"/tickets/{_q(number)}/events", TicketEvent, actor=actor,
                                body=wire.DeskEvent(kind, detail))

    # notification outbox
    async def claim_notifications(self, channel: str, *, limit: int = 50, lease_s: float = 60) -> list[Notification]:
        """POST /outbox/claim."""
        claimed = await self._call("POST", "/outbox/claim", wire.Items[Notification],
                                   body=wire.Claim(channel, limit, lease_s))
        return claimed.items

    async def notification_delivered(self, notification_id: int, detail: str = "") -> None:
        """POST /outbox/{id}/delivered."""
        await self._call("POST", f"/outbox/{notification_id}/delivered", None, body=wire.Delivered(detail))

    async def notification_failed(self, notification_id: int, error: str, *, retry: bool) -> None:
        """POST /outbox/{id}/failed."""
        await self._call("POST", f"/outbox/{notification_id}/failed", None, body=wire.Failed(error, retry))

    # knowledge base
    async def search_kb(self, query: str, actor: Actor, *, limit: int = 3) -> SearchResult:
        """POST /kb/search (the question travels in the body; a search records gaps, so it is not retried)."""
        return await self._call("POST", "/kb/search", SearchResult, actor=actor, body=wire.KbQuery(query, limit))

    async def kb_article(self, key: str, actor: Actor | None = None) -> Article:
        """GET /kb/articles/{key}, as the customer when ``actor`` is given (the server applies their scope)."""
        return await self._call("GET", f"/kb/articles/{_q(key)}", Article, actor=actor)

    async def kb_feedback(self, article_key: str, query: str, solved: bool, actor: Actor) -> None:
        """POST /kb/feedback."""
        await self._call("POST", "/kb/feedback", None, actor=actor, body=wire.KbVerdict(article_key, query, solved))

    async def import_articles(self, articles: Iterable[Article], actor: Actor, *,
                              retire_missing: bool = False) -> ImportReport:
        """POST /kb/articles (all or nothing)."""
        return await self._call("POST", "/kb/articles", ImportReport, actor=actor,
                                body=wire.ArticleImport(list(articles), retire_missing))

    async def export_articles(self, actor: Actor, status: str | None = None) -> list[Article]:
        """GET /kb/articles."""
        return (await self._call("GET", "/kb/articles", wire.Items[Article], actor=actor,
                                 query=_query(status=status))).items

    async def article_versions(self, key: str, actor: Actor) -> list[ArticleVersion]:
        """GET /kb/articles/{key}/versions."""
        return (await self._call("GET", f"/kb/articles/{_q(key)}/versions", wire.Items[ArticleVersion],
                                 actor=actor)).items

    async def kb_gaps(self, actor: Actor, limit: int = 20, days: int = 30) -> list[KbGap]:
        """GET /kb/gaps."""
        return (await self._call("GET", "/kb/gaps", wire.Items[KbGap], actor=actor,
                                 query=_query(limit=limit, days=days))).items

    async def draft_from_ticket(self, number: str, actor: Actor) -> Article:
        """POST /kb/drafts."""
        return await self._call("POST", "/kb/drafts", Article, actor=actor, body=wire.DraftRequest(number))

    async def publish_article(self, key: str, actor: Actor) -> Article:
        """POST /kb/articles/{key}/publish (admin token)."""
        return await self._call("POST", f"/kb/articles/{_q(key)}/publish", Article, actor=actor)

    # jobs and health
    async def run_sla_job(self, now: datetime | None = None) -> SlaJobReport:
        """POST /jobs/sla (admin token)."""
        return await self._call("POST", "/jobs/sla", SlaJobReport, body=wire.SlaRun(now))

    async def ping(self) -> None:
        """GET /ping: the API and the desk's database answer."""
        await self._call("GET", "/ping", None)

    async def _call(self, method: str, path: str, target: Any, *, actor: Actor | None = None, body: Any = None,
                    query: dict[str, str] | None = None, headers: dict[str, str] | None = None,
                    retry: bool = False) -> Any:
        headers = {**self._headers, **(actor_headers(actor) if actor else {}), **(headers or {})}
        data = None if body is None else dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        attempts = 1 + (self._retries if retry or method == "GET" else 0)
        for attempt in range(1, attempts + 1):
            try:
                return await self._once(method, path, target, headers, data, query)
            except BackendUnavailable as exc:
                if attempt == attempts:
                    raise
                log.warning("desk.http.retry method=%s path=%s attempt=%d error=%s", method, path, attempt,
                            exc.message)
                await asyncio.sleep(self._backoff_s * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def _once(self, method: str, path: str, target: Any, headers: dict[str, str], data: bytes | None,
                    query: dict[str, str] | None) -> Any:
        try:
            async with self._client().request(method, self._base + path, data=data, params=query,
                                              headers=headers) as response:
                return await self._result(response, target)
        except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as exc:
            raise BackendUnavailable(f"{method} {path}: {type(exc).__name__}") from exc

    @staticmethod
    async def _result(response: aiohttp.ClientResponse, target: Any) -> Any:
        payload = _json(await response.read())
        if response.status >= 400:
            raise error_from(response.status, payload, response.reason or str(response.status))
        if target is None:
            return None
        try:
            return decode(target, payload)
        except CodecError as exc:
            raise BackendError("bad_response", f"{response.method} {response.url.path}: {exc}") from exc

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session


def _json(raw: bytes) -> Any:
    """The body as JSON; None when empty or not JSON (a proxy's HTML error page)."""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _q(segment: str) -> str:
    return quote(segment, safe="")


def _query(**params: Any) -> dict[str, str]:
    return {name: _text(value) for name, value in params.items() if value is not None}


def _text(value: Any) -> str:
    encoded = encode(value)
    return encoded if isinstance(encoded, str) else str(encoded)
