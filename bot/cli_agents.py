"""`frontdoor desk agent …`: the agent desk's accounts (add, list, disable, enable, password) and the demo agents."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import secrets
import sys
from typing import Callable

from backend_client import AgentAccount, BackendError, Conflict
from backend_client.protocol import AgentDirectory
from bot.components import open_desk
from bot.config import Config
from bot.errors import ConfigError

PASSWORD_ENV = "AGENT_PASSWORD"
DEMO_LEAD_GROUP = "gd-400"


def demo_password() -> str:
    """A fresh demo password: 12 URL-safe characters, letters and digits mixed."""
    while True:
        candidate = secrets.token_urlsafe(9)
        if not candidate.isalpha() and not candidate.isdigit():
            return candidate


async def seed_demo_agents(directory: AgentDirectory, group_ids: list[str]) -> list[tuple[AgentAccount, str]]:
    """One agent per configured group (the front desk's is a team lead); returns the new ones with passwords."""
    created = []
    for group_id in group_ids:
        role = "lead" if group_id == DEMO_LEAD_GROUP else "agent"
        account = AgentAccount(f"demo-{group_id}", f"演示坐席（{group_id}）", group_id, role)
        password = demo_password()
        try:
            created.append((await directory.add_agent(account, password), password))
        except Conflict:
            continue
    return created


def _password(args: argparse.Namespace) -> str:
    """From AGENT_PASSWORD, else asked twice on the terminal (never a command-line argument)."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    first = getpass.getpass("密码：")
    if first != getpass.getpass("再输入一次："):
        raise ConfigError("两次输入的密码不一致")
    return first


def _directory_command(action: Callable[[AgentDirectory, argparse.Namespace], object]):
    def run(args: argparse.Namespace, config: Config) -> int:
        async def main() -> int:
            async with open_desk(config) as (db, desk):
                if db is None or not hasattr(desk, "add_agent"):
                    raise ConfigError("agent accounts live in the local desk: servicedesk.backend is http")
                try:
                    await action(desk, args)  # type: ignore[misc]
                except BackendError as exc:
                    print(f"错误：{exc}", file=sys.stderr)
                    return 1
                return 0
        return asyncio.run(main())
    return run


async def _add(directory: AgentDirectory, args: argparse.Namespace) -> None:
    account = AgentAccount(args.login, args.name or args.login, args.group, args.role, args.capacity)
    await directory.add_agent(account, _password(args))
    print(f"已添加坐席 {account.login}（{account.role}，{account.group_id}）")


async def _list(directory: AgentDirectory, args: argparse.Namespace) -> None:
    for account in await directory.list_agents(args.group):
        state = "停用" if account.disabled else "启用"
        print(f"{account.login}\t{account.name}\t{account.group_id}\t{account.role}\t容量 {account.capacity}\t{state}")


async def _disable(directory: AgentDirectory, args: argparse.Namespace) -> None:
    await directory.set_agent_disabled(args.login, True)
    print(f"已停用坐席 {args.login}")


async def _enable(directory: AgentDirectory, args: argparse.Namespace) -> None:
    await directory.set_agent_disabled(args.login, False)
    print(f"已启用坐席 {args.login}")


async def _set_password(directory: AgentDirectory, args: argparse.Namespace) -> None:
    await directory.set_agent_password(args.login, _password(args))
    print(f"已修改坐席 {args.login} 的密码")


def add_parser(desk: argparse._SubParsersAction) -> None:
    """Add `desk agent` and its sub-commands to the `desk` command."""
    agent = desk.add_parser("agent", help="agent desk accounts").add_subparsers(dest="agent", required=True)
    add = agent.add_parser("add", help=f"add an agent (password from ${PASSWORD_ENV} or asked)")
    add.add_argument("login")
    add.add_argument("--group", required=True, help="support group id from servicedesk.groups")
    add.add_argument("--name", default="")
    add.add_argument("--role", choices=["agent", "lead"], default="agent")
    add.add_argument("--capacity", type=int, default=3, help="conversations at once")
    add.set_defaults(func=_directory_command(_add))
    listing = agent.add_parser("list", help="list agents")
    listing.add_argument("--group")
    listing.set_defaults(func=_directory_command(_list))
    for name, action, text in (("disable", _disable, "disable an agent"), ("enable", _enable, "re-enable an agent"),
                               ("password", _set_password, "set a new password")):
        command = agent.add_parser(name, help=text)
        command.add_argument("login")
        command.set_defaults(func=_directory_command(action))
