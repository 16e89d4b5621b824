"""Signed-in agents: opaque session ids in an HttpOnly cookie, a CSRF token per session, idle expiry, and a
sign-in limiter (per login and per address). In Redis when configured, so any process knows the session."""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class AgentSession:
    """One signed-in agent."""

    login: str
    name: str
    group_id: str
    role: str
    csrf: str
    created: float
    seen: float


class SessionStore:
    """Sessions with idle expiry: in this process, or in Redis (``redis`` given) shared by every process."""

    def __init__(self, idle_s: int, redis: Any = None, prefix: str = "frontdoor:"):
        self._idle_s, self._redis, self._prefix = idle_s, redis, prefix
        self._memory: dict[str, tuple[float, str]] = {}

    async def create(self, login: str, name: str, group_id: str, role: str) -> tuple[str, AgentSession]:
        """A fresh session id (256 bits) and its session."""
        sid = secrets.token_urlsafe(32)
        now = time.time()
        session = AgentSession(login, name, group_id, role, secrets.token_urlsafe(32), now, now)
        await self._put(sid, session)
        return sid, session

    async def get(self, sid: str) -> AgentSession | None:
        """The session, its idle clock restarted; None when unknown or idle too long."""
        if not sid or len(sid) > 100:
            return None
        raw = await self._get(sid)
        if raw is None:
            return None
        session = AgentSession(**json.loads(raw))
        if time.time() - session.seen > self._idle_s:
            await self.delete(sid)
            return None
        session.seen = time.time()
        await self._put(sid, session)
        return session

    async def peek(self, sid: str) -> AgentSession | None:
        """The session without restarting its idle clock (an open page must not keep it alive forever)."""
        raw = await self._get(sid) if sid and len(sid) <= 100 else None
        if raw is None:
            return None
        session = AgentSession(**json.loads(raw))
        return session if time.time() - session.seen <= self._idle_s else None

    async def delete(self, sid: str) -> None:
        """Sign out."""
        if self._redis is not None:
            await self._redis.delete(self._key(sid))
        self._memory.pop(sid, None)

    def _key(self, sid: str) -> str:
        return f"{self._prefix}agentdesk:session:{sid}"

    async def _put(self, sid: str, session: AgentSession) -> None:
        raw = json.dumps(asdict(session))
        if self._redis is not None:
            await self._redis.set(self._key(sid), raw, ex=self._idle_s)
            return
        self._memory = {k: v for k, v in self._memory.items() if v[0] > time.time()} if len(self._memory) > 5000 \
            else self._memory
        self._memory[sid] = (time.time() + self._idle_s, raw)

    async def _get(self, sid: str) -> str | None:
        if self._redis is not None:
            raw = await self._redis.get(self._key(sid))
            return raw.decode() if isinstance(raw, bytes) else raw
        entry = self._memory.get(sid)
        return entry[1] if entry and entry[0] > time.time() else None


class LoginLimiter:
    """Counts failed sign-ins per key in a fixed window; past the limit the key must wait for the window to end."""

    def __init__(self, attempts: int, window_s: int, redis: Any = None, prefix: str = "frontdoor:"):
        self._attempts, self._window_s, self._redis, self._prefix = attempts, window_s, redis, prefix
        self._memory: dict[str, tuple[float, int]] = {}

    async def blocked(self, *keys: str) -> bool:
        """Whether any of ``keys`` used up its attempts."""
        for key in keys:
            if await self._count(key) >= self._attempts:
                return True
        return False

    async def failed(self, *keys: str) -> None:
        """Record a failed attempt for each key."""
        for key in keys:
            if self._redis is not None:
                name = f"{self._prefix}agentdesk:login:{key}"
                if await self._redis.incr(name) == 1:
                    await self._redis.expire(name, self._window_s)
                continue
            until, count = self._memory.get(key, (0.0, 0))
            if until < time.time():
                until, count = time.time() + self._window_s, 0
            self._memory[key] = (until, count + 1)

    async def _count(self, key: str) -> int:
        if self._redis is not None:
            value = await self._redis.get(f"{self._prefix}agentdesk:login:{key}")
            return int(value or 0)
        until, count = self._memory.get(key, (0.0, 0))
        return count if until >= time.time() else 0
