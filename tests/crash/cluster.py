"""Real `frontdoor serve` processes on PostgreSQL and Redis, on free loopback ports, that a test may `kill -9`."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from channels.wechat.settings import DEBUG_DELAY_ENV

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Serve:
    """One `frontdoor serve` process and a client for it (shaped like aiohttp's test client: ``post(path)``)."""

    process: subprocess.Popen
    port: int
    log: Path
    session: aiohttp.ClientSession = field(default_factory=aiohttp.ClientSession)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.session.post(f"http://127.0.0.1:{self.port}{path}", **kwargs)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no drain, nothing flushed."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(5)

    async def ready(self) -> None:
        """Wait until /readyz answers 200 (the database is migrated and the NLU model loaded)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT_S
        while loop.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited: {self.log.read_text()[-3000:]}")
            try:
                async with self.session.get(f"http://127.0.0.1:{self.port}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError(f"serve not ready in {START_TIMEOUT_S}s: {self.log.read_text()[-3000:]}")

    async def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        await self.session.close()


def start(env: dict[str, str], log: Path, turn_delay_s: float = 0.0) -> Serve:
    """Start one process with ``env`` (FRONTDOOR_* overrides); ``turn_delay_s`` slows each WeChat turn."""
    port = free_port()
    environ = {**os.environ, **env, DEBUG_DELAY_ENV: str(turn_delay_s)}
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=ROOT, env=environ, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    return Serve(process, port, log)
