"""The serving process's SLA loop raises due events on its own."""
from __future__ import annotations

import asyncio

from bot.jobs import repeating
from tests.backend.helpers import STAFF, SettableClock, incident
from tests.conftest import seeded_desk


async def test_sla_loop_raises_a_due_breach_without_being_asked(sqlite_url):
    clock = SettableClock()
    async with seeded_desk(sqlite_url, clock=clock) as desk:
        ticket = (await desk.open_ticket(incident("loop", circuit_id=None))).ticket
        clock.advance(days=2)  # past the 8 business hours of a bronze P4 response
        async with repeating("sla", desk.run_sla_job, 0.01):
            for _ in range(500):
                kinds = [e.kind for e in await desk.ticket_events(ticket.number, STAFF)]
                if "sla_breached" in kinds:
                    break
                await asyncio.sleep(0.01)
        assert kinds.count("sla_breached") == 1
