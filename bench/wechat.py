"""Encrypted (safe-mode) WeChat text messages through POST /wechat over loopback: messages/s, p50/p99 and the
share of passive replies; then a run with the backend stalled, where every callback must still be answered
within 5 s and every reply arrive later through the customer-service API (the fake one, on loopback).

Usage: python bench/wechat.py [--conversations 20] [--rounds 3] [--stall-s 10] [--stalled-messages 20]
Self-contained: a scratch SQLite desk, the shipped config, the built-in NLU, the fake WeChat API.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Awaitable, Callable

import aiohttp
import xmltodict
from aiohttp import web
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.components import open_components  # noqa: E402
from bot.config import load_config  # noqa: E402
from channels.wechat import WeChatChannel, settings_from  # noqa: E402
from channels.wechat.fake_api import FakeWeChatApi  # noqa: E402
from dialogue.types import InboundMessage, Reply  # noqa: E402

TOKEN, APP_ID, SECRET = "bench-token", "wx-fake-app", "fake-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SCRIPT = ["你好，我们公司专线断了", "电路编号 GZ-MSTP-000123", "13800138000", "确认"]
TEXT = ("<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        "<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
        "<MsgId>{msg_id}</MsgId></xml>")


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Sender:
    """Plays the WeChat server: seals and signs each message with wechatpy, times the answer."""

    def __init__(self, session: aiohttp.ClientSession, url: str):
        self._session, self.url = session, url
        self._crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
        self._ids = iter(range(10**9, 2 * 10**9))
        self.latencies: list[float] = []
        self.passive = 0
        self.errors = 0

    async def send(self, openid: str, text: str) -> None:
        """One encrypted text message."""
        now, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
        xml = TEXT.format(openid=openid, now=now, text=text, msg_id=next(self._ids))
        sealed = xmltodict.parse(self._crypto.encrypt_message(xml, nonce, now))["xml"]
        signer = WeChatSigner()
        signer.add_data(TOKEN, now, nonce)
        query = {"signature": signer.signature, "timestamp": now, "nonce": nonce, "encrypt_type": "aes",
                 "msg_signature": sealed["MsgSignature"]}
        body = f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>"
        started = time.perf_counter()
        async with self._session.post(self.url, params=query, data=body.encode()) as response:
            answer = await response.text()
        self.latencies.append(time.perf_counter() - started)
        self.errors += response.status != 200
        self.passive += response.status == 200 and answer != "success"

    async def conversation(self, lines: list[str]) -> None:
        """One customer saying ``lines`` in order."""
        openid = f"oBench{uuid.uuid4().hex[:16]}"
        for line in lines:
            await self.send(openid, line)


async def serve(stall_s: float, scratch: Path, fake: FakeWeChatApi, api_url: str,
                drive: Callable[[str], Awaitable[None]]) -> None:
    """The WeChat channel on the real engine (optionally stalled), on loopback, while ``drive`` runs."""
    config = load_config(ROOT / "config.yaml", {
        "FRONTDOOR_STORAGE__URL": f"sqlite+aiosqlite:///{scratch / f'desk-{stall_s}.db'}",
        "FRONTDOOR_CHANNELS__WECHAT__TOKEN": TOKEN, "FRONTDOOR_CHANNELS__WECHAT__APP_ID": APP_ID,
        "FRONTDOOR_CHANNELS__WECHAT__APP_SECRET": SECRET, "FRONTDOOR_CHANNELS__WECHAT__ENCODING_AES_KEY": AES_KEY,
        "FRONTDOOR_CHANNELS__WECHAT__API_BASE_URL": api_url, "FRONTDOOR_LOGGING__LEVEL": "WARNING"})
    async with open_components(config) as components:
        async def on_message(message: InboundMessage) -> list[Reply]:
            await asyncio.sleep(stall_s)
            return await components.engine.handle(message)

        app = web.Application()
        channel = WeChatChannel(on_message, settings_from(config))
        channel.setup(app)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            await drive(f"http://127.0.0.1:{port}/wechat")
        finally:
            await runner.cleanup()


def report(title: str, sender: Sender, elapsed: float) -> None:
    """Print one run's figures."""
    ms = [v * 1000 for v in sender.latencies]
    print(f"{title}: {len(ms)} messages in {elapsed:.1f} s = {len(ms) / elapsed:.1f} messages/s, errors {sender.errors}")
    print(f"  latency p50 {percentile(ms, 0.5):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms; "
          f"passive replies {sender.passive}/{len(ms)} ({100 * sender.passive / len(ms):.0f}%)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20, help="concurrent conversations per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stall-s", type=float, default=10.0, help="backend stall of the second run (0: skip)")
    parser.add_argument("--stalled-messages", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    fake = FakeWeChatApi(APP_ID, SECRET)
    fake_runner = web.AppRunner(fake.app())
    await fake_runner.setup()
    api_port = free_port()
    await web.TCPSite(fake_runner, "127.0.0.1", api_port).start()
    api_url = f"http://127.0.0.1:{api_port}"
    try:
        with tempfile.TemporaryDirectory() as scratch:
            async with aiohttp.ClientSession() as session:
                await healthy(session, args, fake, api_url, Path(scratch))
                if args.stall_s > 0:
                    await stalled(session, args, fake, api_url, Path(scratch))
    finally:
        await fake_runner.cleanup()


async def healthy(session: aiohttp.ClientSession, args: argparse.Namespace, fake: FakeWeChatApi, api_url: str,
                  scratch: Path) -> None:
    """Healthy backend: all passive within the deadline is the target."""
    sender = Sender(session, "")

    async def drive(url: str) -> None:
        sender.url = url
        await sender.conversation(["你好"])
        sender.latencies.clear()
        sender.passive = 0
        started = time.perf_counter()
        for _ in range(args.rounds):
            await asyncio.gather(*(sender.conversation(SCRIPT) for _ in range(args.conversations)))
        report("healthy backend", sender, time.perf_counter() - started)

    await serve(0, scratch, fake, api_url, drive)


async def stalled(session: aiohttp.ClientSession, args: argparse.Namespace, fake: FakeWeChatApi, api_url: str,
                  scratch: Path) -> None:
    """Backend stalled: every callback answered within 5 s, every reply delivered later by customer-service API."""
    sender = Sender(session, "")
    before = len(fake.custom)

    async def drive(url: str) -> None:
        sender.url = url
        started = time.perf_counter()
        await asyncio.gather(*(sender.conversation(["我们公司专线断了"]) for _ in range(args.stalled_messages)))
        report(f"backend stalled {args.stall_s:.0f} s", sender, time.perf_counter() - started)
        await fake.wait_custom(before + args.stalled_messages, timeout_s=args.stall_s + 30)
        within = sum(v < 5.0 for v in sender.latencies)
        print(f"  answered within 5 s: {within}/{len(sender.latencies)}; delivered later by customer-service API: "
              f"{len(fake.custom) - before}/{args.stalled_messages}")

    await serve(args.stall_s, scratch, fake, api_url, drive)


if __name__ == "__main__":
    asyncio.run(main())
