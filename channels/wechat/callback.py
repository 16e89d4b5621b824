"""`GET|POST /wechat`: the official account's callback. Genuine requests only, a passive reply within the
deadline, `success` and a customer-service message when the turn is late, and never one message twice.

See https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Passive_user_reply_message.html
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import AsyncIterator, Coroutine

from aiohttp import web
from redis.exceptions import RedisError

from channels.wechat import render
from channels.wechat.inbound import CHANNEL, Action, Decision, load_root, parse
from channels.wechat.push import mask
from channels.wechat.runtime import RUNTIME, Runtime, open_runtime
from channels.wechat.security import Rejected, check_fresh, verify
from channels.wechat.settings import WeChatSettings
from dialogue.types import InboundMessage, OnMessage, Reply, TurnFailed

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 10.0
"""How long shutdown waits for late turns to finish and deliver before cancelling them."""
SUCCESS = "success"


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
        """Register the callback routes and open the channel's parts with the application."""
        app.router.add_get("/wechat", self.verify_server)
        app.router.add_post("/wechat", self.callback)
        app.cleanup_ctx.append(self._lifetime)

    async def _lifetime(self, app: web.Application) -> AsyncIterator[None]:
        async with open_runtime(self._settings) as runtime:
            self._runtime = app[RUNTIME] = runtime
            yield
            await self.drain(SHUTDOWN_GRACE_S)
            self._runtime = None

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
        try:
            decision, encrypted = await self._accept(request)
        except Rejected as exc:
            log.warning("wechat.callback.rejected reason=%s", exc.reason)
            return web.Response(status=exc.status, text=exc.reason)
        try:
            text = await self._answer(decision)
        except (RedisError, OSError) as exc:
            log.error("wechat.callback.unavailable conversation_id=%s error=%s", _cid(decision), type(exc).__name__)
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

    async def _answer(self, decision: Decision) -> str:
        """The passive reply text ("" answers `success`), running the turn at most once per message."""
        if decision.action == Action.IGNORE:
            log.info("wechat.event.ignored conversation_id=%s kind=%s", _cid(decision), decision.message.kind.value)
            return ""
        runtime = self.runtime
        if not await runtime.dedup.claim(decision.dedup_key):
            outcome = await runtime.dedup.outcome(decision.dedup_key, self._settings.deadline_s)
            log.info("wechat.callback.retry conversation_id=%s known=%s", _cid(decision), outcome is not None)
            return outcome or ""
        if decision.window is not None:
            await runtime.windows.open(decision.message.user_id, decision.window)
        if decision.action == Action.TEMPLATE:
            text = runtime.templates.text(decision.template or "", CHANNEL)
        else:
            text = await self._run_turn(decision)
        await runtime.dedup.finish(decision.dedup_key, text)
        return text

    async def _run_turn(self, decision: Decision) -> str:
        turn = self._spawn(self._turn(decision.message))
        deadline = self._settings.deadline_s
        done, _ = await asyncio.wait({turn}, timeout=deadline) if deadline > 0 else (set(), set())
        if turn not in done:
            log.warning("wechat.reply.deadline_missed conversation_id=%s", _cid(decision))
            self._spawn(self._deliver_late(decision, turn))
            return ""
        pieces = render.split_text(render.passive_text(turn.result()))
        if len(pieces) > 1:
            self._spawn(self._push(decision, [Reply(piece) for piece in pieces[1:]]))
        return pieces[0] if pieces else ""

    async def _turn(self, message: InboundMessage) -> list[Reply]:
        try:
            return await self._on_message(message)
        except TurnFailed as exc:
            return exc.replies
        except Exception:
            log.exception("wechat.turn.failed conversation_id=%s:%s", CHANNEL, mask(message.user_id))
            return [self.runtime.templates.reply("internal_error", CHANNEL)]

    async def _deliver_late(self, decision: Decision, turn: asyncio.Task) -> None:
        await self._push(decision, await turn)

    async def _push(self, decision: Decision, replies: list[Reply]) -> None:
        result = await self.runtime.pusher.push(decision.message.user_id, replies)
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
