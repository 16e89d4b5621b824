"""The desk's board: conversations waiting for or held by an agent, the agents' presence, private notes.

It follows the hand-off events on the bus (every process applies them; each change is idempotent), so the queue
survives an agent's reload and, with Redis, is the same in every process. A change counter lets live pages know
when to refresh.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from dialogue.bus import EventKind, HandoffEvent

PRESENCE = ("online", "away", "offline")
TIER_RANK = {"industry": 0, "cluster": 1}
MAX_NOTES = 200


@dataclass
class Entry:
    """One conversation on the board."""

    conversation_id: str
    channel: str
    user_id: str
    group: str
    state: str = "waiting"          # waiting | agent
    agent: str = ""
    reason: str = ""
    summary: str = ""
    requested_at: str = ""
    last_message: str = ""
    updated_at: float = field(default_factory=time.time)
    customer: str = ""
    tier: str = ""
    transfer_note: str = ""

    def urgency(self) -> tuple[int, str]:
        """Key accounts first, then the longest waiting."""
        return TIER_RANK.get(self.tier, 2), self.requested_at


class Board:
    """Board entries, presence and notes, in this process or in Redis (shared by every process)."""

    def __init__(self, redis: Any = None, prefix: str = "frontdoor:"):
        self._redis, self._prefix = redis, prefix
        self._entries: dict[str, str] = {}
        self._presence: dict[str, str] = {}
        self._notes: dict[str, list[str]] = {}
        self._claims: set[str] = set()
        self._assigned: dict[str, float] = {}
        self._seq = 0

    # entries

    async def apply(self, event: HandoffEvent, customer: str = "", tier: str = "") -> None:
        """Follow one hand-off event."""
        if event.kind == EventKind.REQUESTED:
            await self.put(Entry(event.conversation_id, event.channel, event.user_id, event.group,
                                 reason=event.reason, summary=event.text, requested_at=event.at,
                                 customer=customer, tier=tier))
        elif event.kind in (EventKind.HANDED_BACK, EventKind.ABANDONED):
            await self.remove(event.conversation_id)
        else:
            entry = await self.get(event.conversation_id)
            if entry is None:
                if event.kind != EventKind.ACCEPTED:
                    return
                entry = Entry(event.conversation_id, event.channel, event.user_id, event.group, requested_at=event.at,
                              customer=customer, tier=tier)
            if event.kind == EventKind.ACCEPTED:
                entry.state, entry.agent = "agent", event.agent
            elif event.text:
                entry.last_message = event.text[:200]
            entry.updated_at = time.time()
            await self.put(entry)

    async def put(self, entry: Entry) -> None:
        raw = json.dumps(asdict(entry), ensure_ascii=False)
        if self._redis is not None:
            await self._redis.hset(self._key("board"), entry.conversation_id, raw)
        else:
            self._entries[entry.conversation_id] = raw
        await self._bump()

    async def get(self, conversation_id: str) -> Entry | None:
        if self._redis is not None:
            raw = await self._redis.hget(self._key("board"), conversation_id)
        else:
            raw = self._entries.get(conversation_id)
        return Entry(**json.loads(raw)) if raw else None

    async def remove(self, conversation_id: str) -> None:
        if self._redis is not None:
            await self._redis.hdel(self._key("board"), conversation_id)
        else:
            self._entries.pop(conversation_id, None)
        await self._bump()

    async def entries(self, groups: frozenset[str]) -> list[Entry]:
        """Entries of ``groups``, most urgent first."""
        if self._redis is not None:
            raws = list((await self._redis.hgetall(self._key("board"))).values())
        else:
            raws = list(self._entries.values())
        found = [Entry(**json.loads(raw)) for raw in raws]
        return sorted((e for e in found if e.group in groups), key=Entry.urgency)

    # presence

    async def set_presence(self, login: str, status: str, group: str = "", capacity: int = 3) -> None:
        """An agent's status (online / away / offline), with their group and how many chats they take at once."""
        if status not in PRESENCE:
            raise ValueError(f"presence must be one of {PRESENCE}")
        raw = json.dumps({"status": status, "group": group, "capacity": capacity})
        if self._redis is not None:
            await self._redis.hset(self._key("presence"), login, raw)
        else:
            self._presence[login] = raw
        await self._bump()

    async def presence(self) -> dict[str, dict[str, Any]]:
        """Every agent's presence by login."""
        if self._redis is not None:
            raw = await self._redis.hgetall(self._key("presence"))
            return {_text(k): json.loads(_text(v)) for k, v in raw.items()}
        return {k: json.loads(v) for k, v in self._presence.items()}

    async def pick_agent(self, group: str) -> str | None:
        """Round robin within ``group``: the online agent with room who was assigned longest ago."""
        held: dict[str, int] = {}
        for entry in await self.entries(frozenset({group})):
            if entry.state == "agent":
                held[entry.agent] = held.get(entry.agent, 0) + 1
        ready = [login for login, p in (await self.presence()).items()
                 if p["status"] == "online" and p["group"] == group and held.get(login, 0) < p["capacity"]]
        if not ready:
            return None
        last = await self._assigned_at(ready)
        return min(ready, key=lambda login: (last.get(login, 0.0), login))

    async def claim(self, conversation_id: str, ttl_s: int = 60) -> bool:
        """Only one process assigns a conversation (every process follows the same event)."""
        if self._redis is not None:
            return bool(await self._redis.set(self._key(f"claim:{conversation_id}"), "1", nx=True, ex=ttl_s))
        if conversation_id in self._claims:
            return False
        self._claims.add(conversation_id)
        return True

    async def assigned(self, login: str) -> None:
        """Remember when ``login`` was last given a conversation (the round robin's order)."""
        if self._redis is not None:
            await self._redis.hset(self._key("assigned"), login, str(time.time()))
        else:
            self._assigned[login] = time.time()

    async def _assigned_at(self, logins: list[str]) -> dict[str, float]:
        if self._redis is not None:
            values = await self._redis.hmget(self._key("assigned"), logins)
            return {login: float(v) for login, v in zip(logins, values) if v is not None}
        return {login: self._assigned[login] for login in logins if login in self._assigned}

    async def available(self, group: str) -> bool:
        """Someone of ``group`` is online with room for one more conversation (the hand-off asks this)."""
        held: dict[str, int] = {}
        for entry in await self.entries(frozenset({group})):
            if entry.state == "agent":
                held[entry.agent] = held.get(entry.agent, 0) + 1
        return any(p["status"] == "online" and p["group"] == group and held.get(login, 0) < p["capacity"]
                   for login, p in (await self.presence()).items())

    # notes

    async def add_note(self, conversation_id: str, note: dict[str, Any]) -> None:
        raw = json.dumps(note, ensure_ascii=False)
        if self._redis is not None:
            key = self._key(f"notes:{conversation_id}")
            await self._redis.rpush(key, raw)
            await self._redis.ltrim(key, -MAX_NOTES, -1)
            await self._redis.expire(key, 30 * 86400)
        else:
            self._notes.setdefault(conversation_id, []).append(raw)
            del self._notes[conversation_id][:-MAX_NOTES]
        await self._bump()

    async def notes(self, conversation_id: str) -> list[dict[str, Any]]:
        if self._redis is not None:
            raws = await self._redis.lrange(self._key(f"notes:{conversation_id}"), 0, -1)
        else:
            raws = self._notes.get(conversation_id, [])
        return [json.loads(raw) for raw in raws]

    # change counter

    async def seq(self) -> int:
        if self._redis is not None:
            return int(await self._redis.get(self._key("seq")) or 0)
        return self._seq

    async def _bump(self) -> None:
        if self._redis is not None:
            await self._redis.incr(self._key("seq"))
        else:
            self._seq += 1

    def _key(self, name: str) -> str:
        return f"{self._prefix}agentdesk:{name}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class PresenceAvailability:
    """The hand-off's "is anyone there": real presence once a group's agents use the desk, else the configured answer."""

    def __init__(self, board: Board, fallback: bool = True):
        self._board, self._fallback = board, fallback

    async def available(self, group: str) -> bool:
        """True when an agent of ``group`` is online with room; the fallback while nobody of it ever signed in."""
        if not any(p.get("group") == group for p in (await self._board.presence()).values()):
            return self._fallback
        return await self._board.available(group)
