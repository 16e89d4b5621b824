"""The operator's app: chat over `POST /webhooks/rest/webhook` (Rasa REST shape), pushed messages over the
WebSocket `GET /app/ws`, and `GET /app/messages?since=` for clients that cannot hold a socket.

See https://rasa.com/docs/rasa/connectors/your-own-website/#rest-channels and
https://docs.aiohttp.org/en/stable/web_quickstart.html#websockets
"""
from __future__ import annotations

import asyncio
import json
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Mapping

from aiohttp import WSMsgType, web
from redis.exceptions import RedisError

from channels.app.auth import ANONYMOUS_PREFIX, AppAuth, AuthFailed, AuthSettings, Identity, anonymous
from channels.app.mailbox import InMemoryMailbox, Mailbox, RedisMailbox
from channels.app.replay import InMemorySeenSignatures, RedisSeenSignatures, SeenSignatures
from channels.app.rest import RequestError, dumps, parse_body, render
from channels.base import ChannelDeps, Delivery
from dialogue.types import InboundMessage, OnMessage, Reply, TurnFailed

log = logging.getLogger(__name__)

CHANNEL = "app"
MAX_CURSOR = 2**53
HEARTBEAT_S = 30.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class AppSettings:
    """The app channel's limits, its proof of identity and how many pushed messages wait per user."""

    max_text_chars: int = 2000
    auth: AuthSettings = AuthSettings()
    mailbox_max_messages: int = 100
    mailbox_ttl_s: int = 7 * 24 * 3600


class AppChannel:
    """The app and web chat: requests in, replies back, and messages pushed later through `send`."""

    name = CHANNEL

    def __init__(self, on_message: OnMessage, settings: AppSettings):
        self._on_message = on_message
        self._settings = settings
        self._auth = AppAuth(settings.auth)
        self._mailbox: Mailbox | None = None
        self._seen: SeenSignatures = InMemorySeenSignatures()

    def setup(self, app: web.Application) -> None:
        """Register the webhook, the WebSocket and the poll routes."""
        app.router.add_post("/webhooks/rest/webhook", _unavailable_as_503(self.webhook))
        app.router.add_get("/app/ws", _unavailable_as_503(self.websocket))
        app.router.add_get("/app/messages", _unavailable_as_503(self.poll))

    @asynccontextmanager
    async def open(self, deps: ChannelDeps) -> AsyncIterator[None]:
        """Keep pushed messages and seen signatures in Redis when `bot/` has a client, else in this process."""
        settings = self._settings
        if deps.redis is not None:
            self._seen = RedisSeenSignatures(deps.redis, deps.key_prefix)
            self._mailbox = RedisMailbox(deps.redis, deps.key_prefix, settings.mailbox_max_messages,
                                         settings.mailbox_ttl_s)
        else:
            self._mailbox = InMemoryMailbox(settings.mailbox_max_messages, ttl_s=settings.mailbox_ttl_s)
        try:
            yield
        finally:
            self._mailbox = None

    @property
    def mailbox(self) -> Mailbox:
        """Where pushed messages wait (after start-up)."""
        if self._mailbox is None:
            raise RuntimeError("the app channel is not started")
        return self._mailbox

    async def send(self, recipient: str, replies: list[Reply], *, kind: str = "message",
                   payload: Mapping[str, Any] | None = None) -> Delivery:
        """Queue ``replies`` for the user's socket or next poll; an anonymous sender has neither."""
        if not replies:
            return Delivery(True, "app:nothing")
        if recipient.startswith(ANONYMOUS_PREFIX):
            return Delivery(False, "app:anonymous")
        try:
            cursor = await self.mailbox.put(recipient, render(recipient, replies))
        except (RedisError, OSError) as exc:
            log.warning("app.send.failed error=%s", type(exc).__name__)
            return Delivery(False, "app:unavailable", retry=True)
        return Delivery(True, f"app:{cursor}")

    async def webhook(self, request: web.Request) -> web.Response:
        """One chat message in, the bot's replies out (503 with an apology when the turn failed)."""
        try:
            raw = await request.read()
            sender, text, metadata = parse_body(raw, self._settings.max_text_chars)
        except RequestError as exc:
            return web.json_response({"error": "bad_request", "detail": str(exc)}, status=400)
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"error": "too_large", "detail": "body exceeds server.max_body_bytes"},
                                     status=413)
        try:
            identity = await self._identify(request, raw, sender) or anonymous(sender)
        except AuthFailed as exc:
            return _unauthorized(exc)
        message_id = metadata.get("message_id")
        message = InboundMessage(
            channel=CHANNEL, user_id=identity.user_id, conversation_id=f"{CHANNEL}:{identity.user_id}", text=text,
            message_id=message_id if isinstance(message_id, str) else None,
            metadata={**metadata, "verified": identity.verified},
        )
        try:
            replies = await self._on_message(message)
        except TurnFailed as exc:
            return web.json_response(render(sender, exc.replies), status=503, dumps=dumps)
        return web.json_response(render(sender, replies), dumps=dumps)

    async def poll(self, request: web.Request) -> web.Response:
        """Messages after `since` (which acknowledges everything up to it) and the cursor to send next time."""
        try:
            user_id, since = await self._subscriber(request)
        except AuthFailed as exc:
            return _unauthorized(exc)
        except RequestError as exc:
            return web.json_response({"error": "bad_request", "detail": str(exc)}, status=400)
        await self.mailbox.ack(user_id, since)
        posted = await self.mailbox.since(user_id, since)
        messages = [{"cursor": p.cursor, **p.message} for p in posted]
        return web.json_response({"messages": messages, "cursor": posted[-1].cursor if posted else since},
                                 dumps=dumps)

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        """Push each waiting message as `{"cursor", "recipient_id", "text", …}`; the client sends `{"ack": N}`."""
        try:
            user_id, since = await self._subscriber(request)
        except AuthFailed as exc:
            return _unauthorized(exc)
        except RequestError as exc:
            return web.json_response({"error": "bad_request", "detail": str(exc)}, status=400)
        socket = web.WebSocketResponse(heartbeat=HEARTBEAT_S)
        await socket.prepare(request)
        mailbox = self.mailbox
        await mailbox.ack(user_id, since)
        pusher = asyncio.create_task(self._push(socket, mailbox, user_id, since))
        try:
            async for frame in socket:
                if frame.type == WSMsgType.TEXT:
                    await _acknowledge(mailbox, user_id, frame.data)
        finally:
            pusher.cancel()
            await asyncio.gather(pusher, return_exceptions=True)
        return socket

    async def _push(self, socket: web.WebSocketResponse, mailbox: Mailbox, user_id: str, cursor: int) -> None:
        with mailbox.listen(user_id) as bell:
            while not socket.closed:
                bell.clear()
                for posted in await mailbox.since(user_id, cursor):
                    await socket.send_str(dumps({"cursor": posted.cursor, **posted.message}))
                    cursor = posted.cursor
                try:
                    await asyncio.wait_for(bell.wait(), mailbox.recheck_s)
                except asyncio.TimeoutError:
                    pass

    async def _identify(self, request: web.Request, body: bytes, sender: str | None,
                        token: str | None = None) -> Identity | None:
        identity = self._auth.identify(request.headers, request.method, request.path_qs, body, sender, token)
        if identity is not None and identity.signature is not None:
            if not await self._seen.first(identity.signature, self._settings.auth.signature_ttl_s):
                raise AuthFailed("signature_replayed")
        return identity

    async def _subscriber(self, request: web.Request) -> tuple[str, int]:
        """The vouched user of a socket or poll request (a JWT in the header or `token`, or a signature)."""
        query = request.query
        identity = await self._identify(request, b"", query.get("sender"), query.get("token"))
        if identity is None:
            raise AuthFailed("credentials_required")
        raw = query.get("since", "0")
        if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_CURSOR:
            raise RequestError("'since' must be a cursor (a whole number)")
        return identity.user_id, int(raw)


async def _acknowledge(mailbox: Mailbox, user_id: str, data: str) -> None:
    try:
        frame = json.loads(data)
    except ValueError:
        return
    cursor = frame.get("ack") if isinstance(frame, dict) else None
    if isinstance(cursor, int) and not isinstance(cursor, bool) and 0 <= cursor <= MAX_CURSOR:
        await mailbox.ack(user_id, cursor)


def _unavailable_as_503(handler: Handler) -> Handler:
    """Redis (signatures, mailboxes) out of reach is a 503 the client may retry, never a 500."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except (RedisError, OSError) as exc:
            log.error("app.unavailable path=%s error=%s", request.path, type(exc).__name__)
            return web.json_response({"error": "unavailable", "detail": "try again shortly"}, status=503,
                                     headers={"Retry-After": "5"})

    return guarded


def _unauthorized(exc: AuthFailed) -> web.Response:
    log.info("app.auth.refused reason=%s", exc.reason)
    return web.json_response({"error": "unauthorized", "detail": exc.reason}, status=401,
                             headers={"WWW-Authenticate": 'Bearer realm="frontdoor-app"'})
