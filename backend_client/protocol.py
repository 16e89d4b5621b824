"""The service desk contract the dialogue talks to; local (SQLAlchemy) and HTTP clients satisfy it."""
from __future__ import annotations

from typing import Protocol

from backend_client.types import ContactBinding, NewTicket, Reporter, Ticket


class ServiceDesk(Protocol):
    """Tickets and the customers they belong to."""

    async def open_ticket(self, request: NewTicket) -> Ticket:
        """Open a ticket; a repeat with the same idempotency key returns the first one."""
        ...

    async def get_ticket(self, number: str) -> Ticket:
        """The ticket with ``number``; raises NotFound."""
        ...

    async def list_tickets(
        self, *, customer_id: int | None = None, reporter: Reporter | None = None, limit: int = 10
    ) -> list[Ticket]:
        """Newest first: an account's tickets, or those one channel user reported."""
        ...

    async def find_binding(self, channel: str, user_id: str) -> ContactBinding | None:
        """The verified contact behind a channel identity, if any."""
        ...

    async def ping(self) -> None:
        """Raise BackendUnavailable when the desk cannot be reached."""
        ...
