"""`GET|POST /wechat`: the official account's callback. Genuine requests only, a passive reply within the
deadline, `success` and a customer-service message when the turn is late, and never one message twice.

See https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Passive_user_reply_message.html
"""
from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Coroutine, Mapping

from aiohttp import web
from redis.exceptions import RedisError

from channels.base import ChannelDeps, Delivery
from channels.wechat import render
from channels.wechat.dedup import Lease
from channels.wechat.errors import RETRYABLE
from channels.wechat.inbound import CHANNEL, Action, Decision, load_root, parse
from channels.wechat.push import PushStatus, mask
from channels.wechat.runtime import Runtime, build_runtime
from channels.wechat.security import Rejected, check_fresh, verify
from channels.wechat.settings import WeChatSettings
from dialogue.types import InboundMessage, OnMessage, Reply, TurnFailed

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 10.0
"""How long shutdown waits for late turns to finish and deliver before cancelling them."""
SUCCESS = "success"
PUSH_RETRY_S = (0.5, 1.0, 2.0)
"""Back-off between attempts of a customer-service push the platform refused for a transient reason."""


class WeChatChannel:
    """The WeChat official-account adapter; it gets an `on_message` callback, never the engine."""

    name = CHANNEL

    def __init__(self, on_message: OnMessage, settings: WeChatSettings):
        self._on_message = on_message
        self._settings = settings
        self._runtime: Runtime | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def runtime(self) -> Runtime:
        """The opened parts (after start-up)."""
        if self._runtime is None:
            raise RuntimeError("the wechat channel is not started")
        return self._runtime

    def setup(self, app: web.Application) -> None:
        """Register the callback routes."""
        app.router.add_get("/wechat", self.verify_server)
        app.router.add_post("/wechat", self.callback)

    @asynccontextmanager
    async def open(self, deps: ChannelDeps) -> AsyncIterator[None]:
        """Build the channel's parts on what `bot/` opened; at shutdown let late turns finish first."""
        self._runtime = build_runtime(self._settings, deps)
        try:
            yield
        finally:
            await self.drain(SHUTDOWN_GRACE_S)
            self._runtime = None

    async def send(self, recipient: str, replies: list[Reply], *, kind: str = "message",
                   payload: Mapping[str, Any] | None = None) -> Delivery:
        """Customer-service messages inside the 48 h window, else the template message configured for ``kind``."""
        return await self.runtime.sender.send(recipient, replies, kind, payload or {})

    async def drain(self, timeout_s: float) -> None:
        """Wait for background turns and deliveries; cancel what is still running after ``timeout_s``."""
        while self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout_s)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("wechat.shutdown.cancelled tasks=%d", len(pending))
                await asyncio.gather(*pending, return_exceptions=True)
                return

    async def verify_server(self, request: web.Request) -> web.Response:
        """Server verification: echo `echostr` when the signature is ours."""
        try:
            self._check_request(request)
        except Rejected as exc:
            log.warning("wechat.verify.rejected reason=%s", exc.reason)
            return web.Response(status=exc.status, text=exc.reason)
        return web.Response(text=request.query.get("echostr", ""))

    async def callback(self, request: web.Request) -> web.Response:
        """One message or event in; a passive reply, or `success`, out."""
        started = time.monotonic()
        try:
            decision, encrypted = await self._accept(request)
            text = await self._answer(decision, started)
        except Rejected as exc:
            log.warning("wechat.callback.rejected reason=%s", exc.reason)
            return web.Response(status=exc.status, text=exc.reason)
        except (RedisError, OSError) as exc:
            log.error("wechat.callback.unavailable error=%s", type(exc).__name__)
            return web.Response(status=503, text="unavailable")
        return self._respond(text, decision, request, encrypted)

    def _check_request(self, request: web.Request) -> None:
        query = request.query
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        verify(query.get("signature"), self._settings.token, timestamp, nonce)
        check_fresh(timestamp, self._settings.replay_window_s, time.time())

    async def _accept(self, request: web.Request) -> tuple[Decision, bool]:
        self._check_request(request)
        body = await self._read(request)
        encrypt_type = request.query.get("encrypt_type", "raw")
        if encrypt_type not in ("raw", "aes"):
            raise Rejected(400, "unknown_encrypt_type")
        if encrypt_type not in self._settings.accepted_encryption:
            raise Rejected(403, "plaintext_refused") if encrypt_type == "raw" else Rejected(400, "aes_not_configured")
        await self.runtime.replays.admit(request.query["timestamp"], request.query["nonce"], body)
        if encrypt_type == "aes":
            body = self._decrypt(body, request)
        runtime = self.runtime
        return parse(body, runtime.click_intents, self._settings.subscribe_intent), encrypt_type == "aes"

    async def _read(self, request: web.Request) -> bytes:
        if (request.content_length or 0) > self._settings.max_body_bytes:
            raise Rejected(413, "body_too_large")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise Rejected(413, "body_too_large") from None
        if len(body) > self._settings.max_body_bytes:
            raise Rejected(413, "body_too_large")
        return body

    def _decrypt(self, body: bytes, request: web.Request) -> bytes:
        envelope = self.runtime.envelope
        if envelope is None:
            raise Rejected(400, "aes_not_configured")
        encrypt = load_root(body).get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise Rejected(400, "no_ciphertext")
        query = request.query
        return envelope.open(encrypt, query.get("msg_signature"), query["timestamp"], query["nonce"]).encode()

    async def _answer(self, decision: Decision, started: float) -> str:
        """The passive reply text ("" answers `success`), running the turn once per message while we hold it."""
        if decision.action == Action.IGNORE:
            log.info("wechat.event.ignored conversation_id=%s kind=%s", _cid(decision), decision.message.kind.value)
            return ""
        runtime = self.runtime
        claim = await runtime.dedup.claim(decision.dedup_key, self._settings.deadline_s)
        if claim.lease is None:
            log.info("wechat.callback.retry conversation_id=%s known=%s", _cid(decision), claim.outcome is not None)
            return claim.outcome or ""
        try:
            if decision.window is not None:
                await runtime.windows.open(decision.message.user_id, decision.window)
        except BaseException:
            await claim.lease.abandon()
            raise
        # a retry that waited for a dead process's lease has only what is left of WeChat's 5 s
        return await self._run_turn(decision, claim.lease, self._settings.deadline_s - (time.monotonic() - started))

    async def _run_turn(self, decision: Decision, lease: Lease, deadline: float) -> str:
        turn = self._spawn(self._turn(decision.message))
        try:
            done, _ = await asyncio.wait({turn}, timeout=deadline) if deadline > 0 else (set(), set())
        except asyncio.CancelledError:  # the request went away (shutdown): the answer still goes, as a message
            self._spawn(self._deliver_late(decision, turn, lease))
            raise
        if turn not in done:
            log.warning("wechat.reply.deadline_missed conversation_id=%s", _cid(decision))
            self._spawn(self._deliver_late(decision, turn, lease))
            return ""
        pieces = render.split_text(render.passive_text(turn.result()))
        await lease.finish(pieces[0] if pieces else "")
        if len(pieces) > 1:
            self._spawn(self._push(decision, [Reply(piece) for piece in pieces[1:]]))
        return pieces[0] if pieces else ""

    async def _turn(self, message: InboundMessage) -> list[Reply]:
        try:
            if self._settings.debug_turn_delay_s:
                await asyncio.sleep(self._settings.debug_turn_delay_s)
            return await self._on_message(message)
        except TurnFailed as exc:
            return exc.replies
        except Exception:
            log.exception("wechat.turn.failed conversation_id=%s:%s", CHANNEL, mask(message.user_id))
            return [self.runtime.templates.reply("internal_error", CHANNEL)]

    async def _deliver_late(self, decision: Decision, turn: asyncio.Task, lease: Lease) -> None:
        """Push a late turn's answer, then record the message done (until then a crash lets a retry take over)."""
        try:
            await self._push(decision, await turn)
        except BaseException:
            await lease.abandon()
            raise
        await lease.finish("")

    async def _push(self, decision: Decision, replies: list[Reply]) -> None:
        """Customer-service messages, retried with back-off on the platform's transient codes (-1, -2, 45011…)."""
        result = await self.runtime.pusher.push(decision.message.user_id, replies)
        for delay in PUSH_RETRY_S:
            if result.status != PushStatus.FAILED or result.code not in RETRYABLE:
                break
            log.info("wechat.push.retry conversation_id=%s code=%s in_s=%.1f", _cid(decision), result.code, delay)
            await asyncio.sleep(delay)
            result = await self.runtime.pusher.push(decision.message.user_id, replies, skip=result.sent)
        log.info("wechat.push.done conversation_id=%s status=%s sent=%d code=%s", _cid(decision),
                 result.status.value, result.sent, result.code)

    def _spawn(self, work: Coroutine) -> asyncio.Task:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("wechat.background.failed error=%r", task.exception())

    def _respond(self, text: str, decision: Decision, request: web.Request, encrypted: bool) -> web.Response:
        if not text:
            return web.Response(text=SUCCESS)
        xml = render.passive_xml(text, decision.message.user_id, decision.account)
        envelope = self.runtime.envelope
        if encrypted and envelope is not None:
            xml = envelope.seal(xml, request.query.get("nonce", ""), str(int(time.time())))
        return web.Response(text=xml, content_type="application/xml")


def _cid(decision: Decision) -> str:
    return f"{CHANNEL}:{mask(decision.message.user_id)}"
