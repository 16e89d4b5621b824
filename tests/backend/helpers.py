"""Building blocks of the service desk tests: a settable clock, requests and actors."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from backend_client import Actor, Level, NewTicket, Reporter, Role, TicketKind

STAFF = Actor(Role.AGENT, "agent-1", "desk")
START = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Guangzhou


class SettableClock:
    """The desk's notion of now, moved by the test."""

    def __init__(self, now: datetime = START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def customer(user: str, binding=None, channel: str = "app") -> Actor:  # type: ignore[no-untyped-def]
    return Actor.customer(Reporter(channel, user), binding)


def incident(key: str, *, customer_id: int | None = None, user: str = "u1", urgency: Level = Level.HIGH,
             circuit_id: str | None = "GZ-MSTP-000123", service_type: str | None = "专线",
             kind: TicketKind = TicketKind.INCIDENT) -> NewTicket:
    return NewTicket(kind, Reporter("app", user), "专线中断", "专线完全断了", urgency, key,
                     customer_id=customer_id, service_type=service_type, circuit_id=circuit_id)
