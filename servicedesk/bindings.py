"""Who is bound, kept in memory: a greeting or an FAQ costs no database round trip to learn the sender is unbound.

The cache holds every bound identity (channel, user id → contact) and, once asked, each one's binding. Any bind,
unbind or rebind bumps the `identities` stamp; every process compares the stamp on each lookup and reloads when it
moved, so a contact who lost a binding loses access at once, in every process.
"""
from __future__ import annotations

import asyncio
import time
from contextlib import AbstractAsyncContextManager
from typing import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend_client.types import ContactBinding
from servicedesk.models import ChannelIdentity, Contact, Customer
from servicedesk.stamps import Stamps

STAMP = "identities"
CALLER_CHANNEL = "voice"
"""On the hotline the calling number is the identity: a contact's registered mobile is bound without an SMS code
(enough to read their account's tickets aloud; anything that changes the account still asks for a code)."""
MAX_AGE_S = 300.0
"""Reload at least this often, for changes made outside the desk (a seed run by another process)."""

Identity = tuple[str, str]


class BindingCache:
    """Bound identities and their bindings, reloaded whenever the `identities` stamp moves."""

    def __init__(self, transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]], stamps: Stamps,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._tx = transaction
        self._stamps = stamps
        self._clock = clock
        self._bound: dict[Identity, int] | None = None
        self._bindings: dict[Identity, ContactBinding | None] = {}
        self._stamp = -1
        self._loaded_at = 0.0
        self._reload = asyncio.Lock()

    async def find(self, channel: str, user_id: str) -> ContactBinding | None:
        """The binding of a channel identity; None for the unbound without asking the database."""
        bound = await self._fresh()
        key = (channel, user_id)
        if key not in bound:
            return None
        bindings = self._bindings  # a reload meanwhile starts a new dict: this answer may predate it
        if key not in bindings:
            bindings[key] = await self._load(bound[key])
        return bindings[key]

    async def load(self) -> None:
        """Load the bound identities now unless they are current (start-up)."""
        await self._fresh()

    async def changed(self) -> None:
        """A binding was made or removed: every process (this one at its next lookup) reloads."""
        await self._stamps.bump(STAMP)

    async def _fresh(self) -> dict[Identity, int]:
        stamp = await self._stamps.read(STAMP)
        if self._bound is not None and stamp == self._stamp and self._clock() - self._loaded_at < MAX_AGE_S:
            return self._bound
        async with self._reload:
            if self._bound is None or stamp != self._stamp or self._clock() - self._loaded_at >= MAX_AGE_S:
                loaded_at = self._clock()
                async with self._tx() as session:
                    rows = (await session.execute(select(ChannelIdentity.channel, ChannelIdentity.user_id,
                                                         ChannelIdentity.contact_id))).all()
                    mobiles = (await session.execute(select(Contact.mobile, Contact.id))).all()
                callers = {(CALLER_CHANNEL, caller_number(mobile)): contact for mobile, contact in mobiles if mobile}
                self._bound = {**callers, **{(channel, user_id): contact for channel, user_id, contact in rows}}
                self._bindings, self._stamp, self._loaded_at = {}, stamp, loaded_at
            return self._bound

    async def _load(self, contact_id: int) -> ContactBinding | None:
        query = (select(Contact, Customer)
                 .join(Customer, Customer.id == Contact.customer_id)
                 .where(Contact.id == contact_id))
        async with self._tx() as session:
            found = (await session.execute(query)).first()
        if found is None:
            return None
        contact, customer = found
        return ContactBinding(customer.id, customer.code, customer.name, customer.tier, contact.id, contact.name,
                              contact.mobile)


def caller_number(mobile: str) -> str:
    """A registered mobile as Twilio sends the caller's number (E.164): 13800138000 -> +8613800138000."""
    digits = "".join(ch for ch in mobile if ch.isdigit())
    if mobile.strip().startswith("+"):
        return "+" + digits
    return "+86" + digits.removeprefix("86") if len(digits) in (11, 13) else "+" + digits
