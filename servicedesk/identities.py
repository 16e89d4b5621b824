"""Customers, contacts and channel identities: binding a WeChat openid, app user or caller number after an SMS code."""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from sqlalchemy import delete, select

from backend_client.errors import Forbidden, NotFound
from servicedesk.base import DeskBase
from servicedesk.models import ChannelIdentity, Circuit, Contact, Customer as CustomerRow
from servicedesk.models import VerificationCode
from servicedesk.records import to_customer
from backend_client.types import Actor, ContactBinding, Customer, Role

log = logging.getLogger(__name__)


def _digest(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


class Identities(DeskBase):
    """Who a channel user is, and proving it."""

    async def find_binding(self, channel: str, user_id: str) -> ContactBinding | None:
        """The contact this channel identity was verified as."""
        query = (select(Contact, CustomerRow)
                 .join(ChannelIdentity, ChannelIdentity.contact_id == Contact.id)
                 .join(CustomerRow, CustomerRow.id == Contact.customer_id)
                 .where(ChannelIdentity.channel == channel, ChannelIdentity.user_id == user_id))
        async with self._tx() as session:
            found = (await session.execute(query)).first()
        if found is None:
            return None
        contact, customer = found
        return ContactBinding(customer.id, customer.code, customer.name, customer.tier, contact.id, contact.name,
                              contact.mobile)

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
        """Send a fresh code to the registered mobile of the contact (False when code and mobile do not match)."""
        query = (select(Contact).join(CustomerRow, CustomerRow.id == Contact.customer_id)
                 .where(CustomerRow.code == customer_code.upper(), Contact.mobile == mobile))
        code = f"{secrets.randbelow(10 ** 6):06d}"
        salt = secrets.token_hex(8)
        async with self._tx() as session:
            contact = (await session.scalars(query)).first()
            if contact is None:
                log.info("identity.verification.no_match channel=%s", channel)
                return False
            await session.execute(delete(VerificationCode).where(
                VerificationCode.channel == channel, VerificationCode.user_id == user_id))
            session.add(VerificationCode(channel=channel, user_id=user_id, contact_id=contact.id, salt=salt,
                                         code_hash=_digest(code, salt), attempts=0,
                                         expires_at=self._now() + self._policy.otp_ttl))
        minutes = int(self._policy.otp_ttl.total_seconds() // 60)
        await self._otp_sender.send(mobile, self._policy.otp_message.format(code=code, minutes=minutes))
        return True

    async def confirm_verification(self, channel: str, user_id: str, code: str) -> ContactBinding | None:
        """Bind on the right, fresh code; wrong codes count against a small limit."""
        async with self._tx() as session:
            pending = (await session.scalars(select(VerificationCode).where(
                VerificationCode.channel == channel, VerificationCode.user_id == user_id))).first()
            if pending is None or pending.expires_at < self._now():
                return None
            if pending.attempts >= self._policy.otp_max_attempts:
                return None
            if not hmac.compare_digest(pending.code_hash, _digest(code.strip(), pending.salt)):
                pending.attempts += 1
                return None
            contact_id = pending.contact_id
            await session.delete(pending)
            await session.execute(delete(ChannelIdentity).where(
                ChannelIdentity.channel == channel, ChannelIdentity.user_id == user_id))
            session.add(ChannelIdentity(channel=channel, user_id=user_id, contact_id=contact_id,
                                        verified_at=self._now()))
        log.info("identity.bound channel=%s contact_id=%s", channel, contact_id)
        return await self.find_binding(channel, user_id)
