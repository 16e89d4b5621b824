"""Agent-desk accounts in the desk: argon2 password hashes (argon2-cffi), groups checked against the policy."""
from __future__ import annotations

import asyncio
import logging
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from backend_client.errors import Conflict, Invalid, NotFound
from backend_client.types import AgentAccount
from servicedesk.base import DeskBase
from servicedesk.models import AgentRow, ChannelIdentity

log = logging.getLogger(__name__)

_HASHER = PasswordHasher()
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
MIN_PASSWORD = 10
ROLES = frozenset({"agent", "lead"})
# Verifying against this keeps an unknown login as slow as a wrong password (no account enumeration by timing).
_DUMMY_HASH = _HASHER.hash("frontdoor-no-such-agent")


def _account(row: AgentRow) -> AgentAccount:
    return AgentAccount(row.login, row.name, row.group_id, row.role, row.capacity, row.disabled)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD or password.isdigit() or password.isalpha():
        raise Invalid(f"the password needs at least {MIN_PASSWORD} characters, not only digits or letters")


class Agents(DeskBase):
    """AgentDirectory on the desk's database."""

    async def add_agent(self, account: AgentAccount, password: str) -> AgentAccount:
        """Create an account in a configured group; the password is stored only as an argon2 hash."""
        if not _LOGIN.match(account.login):
            raise Invalid("the login takes 2-64 letters, digits, dots, dashes or underscores")
        if account.role not in ROLES:
            raise Invalid(f"role must be one of {sorted(ROLES)}")
        if not 1 <= account.capacity <= 50:
            raise Invalid("capacity must be between 1 and 50")
        self._policy.group(account.group_id)
        _check_password(password)
        hashed = await asyncio.to_thread(_HASHER.hash, password)
        async with self._tx() as session:
            if (await session.scalars(select(AgentRow.id).where(AgentRow.login == account.login))).first():
                raise Conflict("agent.exists", f"an agent with login {account.login!r} exists")
            session.add(AgentRow(login=account.login, name=account.name or account.login, group_id=account.group_id,
                                 role=account.role, capacity=account.capacity, password_hash=hashed,
                                 disabled=account.disabled, created_at=self._now()))
        log.info("agent.added login=%s group=%s role=%s", account.login, account.group_id, account.role)
        return account

    async def list_agents(self, group_id: str | None = None) -> list[AgentAccount]:
        """Accounts by login, optionally of one group."""
        query = select(AgentRow).order_by(AgentRow.login)
        if group_id is not None:
            query = query.where(AgentRow.group_id == group_id)
        async with self._tx() as session:
            return [_account(row) for row in await session.scalars(query)]

    async def get_agent(self, login: str) -> AgentAccount:
        """One account; NotFound otherwise."""
        async with self._tx() as session:
            return _account(await self._agent_row(session, login))

    async def set_agent_password(self, login: str, password: str) -> None:
        """Replace the password hash."""
        _check_password(password)
        hashed = await asyncio.to_thread(_HASHER.hash, password)
        async with self._tx() as session:
            (await self._agent_row(session, login)).password_hash = hashed
        log.info("agent.password_changed login=%s", login)

    async def set_agent_disabled(self, login: str, disabled: bool) -> AgentAccount:
        """Disable or re-enable an account."""
        async with self._tx() as session:
            row = await self._agent_row(session, login)
            row.disabled = disabled
            account = _account(row)
        log.info("agent.%s login=%s", "disabled" if disabled else "enabled", login)
        return account

    async def authenticate_agent(self, login: str, password: str) -> AgentAccount | None:
        """The enabled account when the password matches (argon2 verify, off the event loop)."""
        async with self._tx() as session:
            row = await self._find_agent_row(session, login)
            stored = row.password_hash if row is not None else _DUMMY_HASH
            account = _account(row) if row is not None else None
        try:
            await asyncio.to_thread(_HASHER.verify, stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if account is None or account.disabled:
            return None
        return account

    async def contact_identities(self, contact_id: int) -> list[tuple[str, str]]:
        """The channel identities verified as one contact (the agent desk shows their other conversations)."""
        query = select(ChannelIdentity.channel, ChannelIdentity.user_id).where(ChannelIdentity.contact_id == contact_id)
        async with self._tx() as session:
            return [(channel, user_id) for channel, user_id in (await session.execute(query)).all()]

    @staticmethod
    async def _find_agent_row(session, login: str) -> AgentRow | None:
        return (await session.scalars(select(AgentRow).where(AgentRow.login == login))).first()

    async def _agent_row(self, session, login: str) -> AgentRow:
        row = await self._find_agent_row(session, login)
        if row is None:
            raise NotFound(f"agent {login!r}")
        return row
