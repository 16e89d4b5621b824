"""Customers, contacts and channel identities: binding a WeChat openid, app user or caller number after an SMS code."""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend_client.errors import OTP_RATE_LIMITED, Conflict, Forbidden, NotFound
from servicedesk.base import DeskBase, DuplicateRecord
from servicedesk.bindings import BindingCache
from servicedesk.models import ChannelIdentity, Circuit, Contact, Customer as CustomerRow
from servicedesk.models import VerificationCode, VerificationEvent
from servicedesk.records import to_customer
from backend_client.types import Actor, ContactBinding, Customer, Role

log = logging.getLogger(__name__)


ISSUE_TRIES = 5
"""Concurrent code requests of one identity race for its one pending row; each loser simply tries again."""


def _digest(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _mobile_digest(mobile: str) -> str:
    """Sends are counted per mobile without storing the number a stranger typed."""
    return hashlib.sha256(f"mobile:{mobile.strip()}".encode()).hexdigest()


class Identities(DeskBase):
    """Who a channel user is, and proving it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._binding_cache = BindingCache(self._tx, self._stamps)

    async def warm_bindings(self) -> None:
        """Load who is bound now (start-up), so the first turns need no database round trip."""
        await self._binding_cache.load()

    async def find_binding(self, channel: str, user_id: str) -> ContactBinding | None:
        """The contact this channel identity was verified as (from memory while nobody's binding changed)."""
        return await self._binding_cache.find(channel, user_id)

    async def get_customer(self, code: str, actor: Actor) -> Customer:
        """An account with its circuits; a contact may read only their own."""
        async with self._tx() as session:
            row = (await session.scalars(select(CustomerRow).where(CustomerRow.code == code))).first()
            if row is None:
                raise NotFound(f"customer {code}")
            if not actor.is_staff and not (actor.role is Role.CONTACT and actor.customer_id == row.id):
                raise Forbidden(f"customer {code} is another account")
            circuits = (await session.scalars(select(Circuit).where(Circuit.customer_id == row.id))).all()
            return to_customer(row, list(circuits))

    async def start_verification(self, channel: str, user_id: str, customer_code: str, mobile: str) -> bool:
        """Send a fresh code to the registered mobile of the contact (False when code and mobile do not match).

        Conflict ``otp.rate_limited`` when this identity or this mobile had its share of codes in the window.
        """
        code = f"{secrets.randbelow(10 ** 6):06d}"
        for attempt in range(ISSUE_TRIES):
            try:
                sent = await self._issue(channel, user_id, customer_code, mobile, code)
                break
            except DuplicateRecord:  # requests of this identity at the same moment: the last one's code counts
                if attempt + 1 == ISSUE_TRIES:
                    raise
        if not sent:
            return False
        minutes = int(self._policy.otp_ttl.total_seconds() // 60)
        await self._otp_sender.send(mobile, self._policy.otp_message.format(code=code, minutes=minutes))
        return True

    async def _issue(self, channel: str, user_id: str, customer_code: str, mobile: str, code: str) -> bool:
        """Store the code's hash in place of any earlier one, counting the send; False when nobody matches."""
        query = (select(Contact).join(CustomerRow, CustomerRow.id == Contact.customer_id)
                 .where(CustomerRow.code == customer_code.upper(), Contact.mobile == mobile))
        if self._locks_rows:  # requests for one contact take turns (PostgreSQL; SQLite serialises writers)
            query = query.with_for_update(of=Contact)
        salt, now = secrets.token_hex(8), self._now()
        async with self._tx() as session:
            await self._check_send_limits(session, channel, user_id, mobile, now)
            session.add(VerificationEvent(kind="sent", channel=channel, user_id=user_id,
                                          mobile_hash=_mobile_digest(mobile), at=now))
            contact = (await session.scalars(query)).first()
            if contact is None:
                log.info("identity.verification.no_match channel=%s", channel)
                return False
            await session.execute(delete(VerificationCode).where(
                VerificationCode.channel == channel, VerificationCode.user_id == user_id))
            session.add(VerificationCode(channel=channel, user_id=user_id, contact_id=contact.id, salt=salt,
                                         code_hash=_digest(code, salt), attempts=0,
                                         expires_at=now + self._policy.otp_ttl))
        return True

    async def _check_send_limits(self, session: AsyncSession, channel: str, user_id: str, mobile: str,
                                 now: datetime) -> None:
        """Codes per identity and per mobile in the window; every try counts, a matching pair or not."""
        since, policy = now - self._policy.otp_window, self._policy
        by_identity = await self._count(session, "sent", since, VerificationEvent.channel == channel,
                                        VerificationEvent.user_id == user_id)
        by_mobile = await self._count(session, "sent", since, VerificationEvent.mobile_hash == _mobile_digest(mobile))
        if by_identity >= policy.otp_sends_per_identity or by_mobile >= policy.otp_sends_per_mobile:
            log.warning("identity.verification.rate_limited channel=%s by=%s", channel,
                        "identity" if by_identity >= policy.otp_sends_per_identity else "mobile")
            raise Conflict(OTP_RATE_LIMITED, "too many codes requested; try again later")

    @staticmethod
    async def _count(session: AsyncSession, kind: str, since: datetime, *where: Any) -> int:
        query = select(func.count(VerificationEvent.id)).where(
            VerificationEvent.kind == kind, VerificationEvent.at >= since, *where)
        return int(await session.scalar(query) or 0)

    async def confirm_verification(self, channel: str, user_id: str, code: str) -> ContactBinding | None:
        """Bind on the right, fresh code; wrong codes count per identity in the window, whatever the code sent."""
        async with self._tx() as session:
            now = self._now()
            pending = (await session.scalars(select(VerificationCode).where(
                VerificationCode.channel == channel, VerificationCode.user_id == user_id))).first()
            if pending is None or pending.expires_at < now:
                return None
            failed = await self._count(session, "failed", now - self._policy.otp_window,
                                       VerificationEvent.channel == channel, VerificationEvent.user_id == user_id)
            if failed >= self._policy.otp_max_attempts:
                log.warning("identity.verification.locked channel=%s", channel)
                return None
            if not hmac.compare_digest(pending.code_hash, _digest(code.strip(), pending.salt)):
                session.add(VerificationEvent(kind="failed", channel=channel, user_id=user_id, mobile_hash="", at=now))
                return None
            contact_id = pending.contact_id
            await session.delete(pending)
            await session.execute(delete(ChannelIdentity).where(
                ChannelIdentity.channel == channel, ChannelIdentity.user_id == user_id))
            session.add(ChannelIdentity(channel=channel, user_id=user_id, contact_id=contact_id,
                                        verified_at=now))
        log.info("identity.bound channel=%s contact_id=%s", channel, contact_id)
        await self._binding_cache.changed()
        return await self.find_binding(channel, user_id)

    async def unbind(self, channel: str, user_id: str) -> ContactBinding | None:
        """End the identity's binding (解绑): it loses the account's access at once, in every process.

        The binding that ended, or None when there was none; the event is kept for the audit trail.
        """
        ended = await self.find_binding(channel, user_id)
        async with self._tx() as session:
            removed = await session.execute(delete(ChannelIdentity).where(
                ChannelIdentity.channel == channel, ChannelIdentity.user_id == user_id))
            if not removed.rowcount:
                return None
            session.add(VerificationEvent(kind="unbound", channel=channel, user_id=user_id, mobile_hash="",
                                          at=self._now()))
        log.info("identity.unbound channel=%s contact_id=%s", channel, ended.contact_id if ended else "-")
        await self._binding_cache.changed()
        return ended
