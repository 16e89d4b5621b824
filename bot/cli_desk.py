"""`frontdoor desk`: the operator's service desk commands (tickets, notices, problems, bindings, the SLA job, demo
data)."""
from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from typing import Awaitable, Callable
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from backend_client import Actor, Invalid, NewNotice, Role, Scope, ServiceDesk, Ticket, TicketStatus
from servicedesk.seed import seed
from bot import cli_agents
from bot.cli_agents import seed_demo_agents
from bot.components import open_desk
from bot.config import Config
from bot.errors import ConfigError

OPERATOR = Actor(Role.ADMIN, "cli", "cli")


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _line(ticket: Ticket, zone: ZoneInfo) -> str:
    return (f"{ticket.number}  {ticket.status.value:<16} {ticket.priority}  {ticket.assigned_group:<14} "
            f"{ticket.created_at.astimezone(zone):%Y-%m-%d %H:%M}  {ticket.summary}")


def _when(text: str | None, flag: str, zone: ZoneInfo) -> datetime:
    """An ISO time from the command line; without an offset it is the configured timezone's local time."""
    if not text:
        raise Invalid(f"{flag} is required (ISO time, e.g. 2026-12-04T20:00)")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{flag} {text!r} is not an ISO time (e.g. 2026-12-04T20:00 or 2026-12-04T20:00+08:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


async def _tickets(db: AsyncEngine | None, desk: ServiceDesk, args: argparse.Namespace) -> None:
    customer_id = (await desk.get_customer(args.customer, OPERATOR)).id if args.customer else None
    status = TicketStatus(args.status) if args.status else None
    page = await desk.list_tickets(OPERATOR, customer_id=customer_id, status=status, limit=args.limit)
    for ticket in page.items:
        print(_line(ticket, args.zone))
    print(f"共 {page.total} 张工单")


async def _show(db: AsyncEngine | None, desk: ServiceDesk, args: argparse.Namespace) -> None:
    ticket = await desk.get_ticket(args.number, OPERATOR)
    print(_line(ticket, args.zone))
    print(f"  描述：{ticket.description}")
    print(f"  首问负责：{ticket.owner_group}  问题：{ticket.problem or '-'}  公告：{ticket.notice or '-'}"
          f"  关联工单：{ticket.related_ticket or '-'}")
    if ticket.about:
        print(f"  投诉内容：{ticket.about}  对象：{ticket.about_whom or '-'}")
    if ticket.resolution_note:
        print(f"  处理结果：{ticket.resolution_note}")
    for event in await desk.ticket_events(args.number, OPERATOR):
        print(f"  {event.at.astimezone(args.zone):%Y-%m-%d %H:%M:%S}  {event.kind:<18} {event.actor} ({event.channel}) "
              f"{event.detail}")


async def _notice(db: AsyncEngine | None, desk: ServiceDesk, args: argparse.Namespace) -> None:
    if args.action == "publish":
        print(f"公告 {args.number} 已发布，已排队通知 {await desk.publish_notice(args.number, OPERATOR)} 位联系人")
        return
    scope = Scope(_split(args.regions), _split(args.services), _split(args.circuits))
    notice = await desk.create_notice(NewNotice(args.kind, args.title, args.text, scope,
                                                _when(args.starts, "--starts", args.zone),
                                                _when(args.ends, "--ends", args.zone), args.problem), OPERATOR)
    print(f"公告草稿 {notice.number} 已创建")
    if args.publish:
        print(f"已发布，已排队通知 {await desk.publish_notice(notice.number, OPERATOR)} 位联系人")


async def _problem(db: AsyncEngine | None, desk: ServiceDesk, args: argparse.Namespace) -> None:
    if args.action == "create":
        scope = Scope(_split(args.regions), _split(args.services), _split(args.circuits))
        print(f"问题单 {(await desk.create_problem(args.title, scope, OPERATOR, cause=args.cause)).number} 已创建")
    elif args.action == "link":
        ticket = await desk.link_incident(args.number, args.ticket, OPERATOR)
        print(f"工单 {ticket.number} 已关联问题 {args.number}（{ticket.status.value}）")
    else:
        problem = await desk.resolve_problem(args.number, args.note, OPERATOR)
        print(f"问题 {problem.number} 已解决，关联工单 {len(problem.incidents)} 张已一并解决并通知客户")


async def _sla(db: AsyncEngine | None, desk: ServiceDesk, args: argparse.Namespace) -> None:
    report = await desk.run_sla_job(_when(args.now, "--now", args.zone) if args.now else None)
    print(f"检查 {report.checked}，预警 {report.warnings}，超时 {report.breaches}，升级 {report.escalations}")


async def _unbind(db: AsyncEngine | None, desk: ServiceDesk, args: argparse.Namespace) -> None:
    ended = await desk.unbind(args.channel, args.user_id)
    if ended is None:
        print(f"{args.channel}:{args.user_id} 没有绑定企业账号")
    else:
        print(f"已解除 {args.channel}:{args.user_id} 与 {ended.customer_name}（{ended.contact_name}）的绑定，即刻生效")


async def _seed(db: AsyncEngine | None, desk: ServiceDesk, args: argparse.Namespace) -> None:
    if db is None:
        raise ConfigError("desk seed loads the local desk's database: servicedesk.backend is http")
    print(f"已添加演示客户 {await seed(db)} 个")
    for account, password in await seed_demo_agents(desk, [g.id for g in args.groups]):  # type: ignore[arg-type]
        print(f"演示坐席 {account.login}（{account.role}，{account.group_id}）密码：{password}")


Action = Callable[[AsyncEngine | None, ServiceDesk, argparse.Namespace], Awaitable[None]]


def _run(action: Action) -> Callable[[argparse.Namespace, Config], int]:
    """A sub-command's `func`: open the configured desk, run the action, close."""
    def run(args: argparse.Namespace, config: Config) -> int:
        args.groups = config.servicedesk.groups
        args.zone = ZoneInfo(config.timezone)
        async def main() -> None:
            async with open_desk(config) as (db, desk):
                await action(db, desk, args)
        asyncio.run(main())
        return 0
    return run


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add `desk` and its sub-commands."""
    desk = commands.add_parser("desk", help="service desk operations").add_subparsers(dest="desk", required=True)
    tickets = desk.add_parser("tickets", help="list tickets, newest first")
    tickets.add_argument("--customer", help="customer code, e.g. KH44010001")
    tickets.add_argument("--status", choices=[s.value for s in TicketStatus])
    tickets.add_argument("--limit", type=int, default=20)
    tickets.set_defaults(func=_run(_tickets))
    show = desk.add_parser("show", help="one ticket with its history")
    show.add_argument("number")
    show.set_defaults(func=_run(_show))
    notice = desk.add_parser("notice", help="create or publish a notice")
    notice.add_argument("action", choices=["create", "publish"])
    notice.add_argument("number", nargs="?", help="notice number (publish)")
    for flag in ("--title", "--text", "--starts", "--ends", "--regions", "--services", "--circuits", "--problem"):
        notice.add_argument(flag)
    notice.add_argument("--kind", choices=["planned", "outage"], default="outage")
    notice.add_argument("--publish", action="store_true", help="publish right after creating")
    notice.set_defaults(func=_run(_notice))
    problem = desk.add_parser("problem", help="create, link or resolve a problem")
    problem.add_argument("action", choices=["create", "link", "resolve"])
    problem.add_argument("number", nargs="?", help="problem number (link, resolve)")
    problem.add_argument("ticket", nargs="?", help="incident number (link)")
    for flag in ("--title", "--regions", "--services", "--circuits", "--note"):
        problem.add_argument(flag)
    problem.add_argument("--cause", default="")
    problem.set_defaults(func=_run(_problem))
    sla = desk.add_parser("sla-job", help="run the SLA job once")
    sla.add_argument("--now", help="ISO time to evaluate at (default: now)")
    sla.set_defaults(func=_run(_sla))
    unbind = desk.add_parser("unbind", help="end a channel identity's account binding at once (a contact who left)")
    unbind.add_argument("channel", help="wechat or app")
    unbind.add_argument("user_id", help="the WeChat openid or app user id")
    unbind.set_defaults(func=_run(_unbind))
    desk.add_parser("seed", help="load the demo accounts and agents (prints new agents' passwords)").set_defaults(
        func=_run(_seed))
    cli_agents.add_parser(desk)
