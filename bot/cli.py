"""`frontdoor` command line: serve, chat, check-config, db, nlu. The only place that exits the process."""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

from aiohttp import web

from bot import cli_app, cli_call, cli_desk, cli_kb, cli_nlu, cli_wechat, logs
from backend_client import BackendError
from bot.config import Config, load_config
from bot.config_checks import check_environment
from bot.errors import ConfigError, FrontDoorError

DEFAULT_CONFIG = "config.yaml"


def _serve(args: argparse.Namespace, config: Config) -> int:
    from bot.app import create_app

    check_environment(config, args.config)
    host = args.host or config.server.host
    port = args.port or config.server.port
    try:
        web.run_app(create_app(config), host=host, port=port, print=lambda text: print(text, file=sys.stderr),
                    access_log_class=logs.MaskingAccessLogger, loop=_event_loop())
    except OSError as exc:
        raise ConfigError(f"server: cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return 0


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it installs (Linux, macOS): its sockets and scheduling cost less CPU per request than asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _check_config(args: argparse.Namespace, config: Config) -> int:
    check_environment(config, args.config)
    print(f"配置有效：{args.config}")
    desk = config.servicedesk
    print(f"  servicedesk.backend = {desk.url} (remote desk: no local database, no SLA job)" if desk.backend == "http"
          else f"  servicedesk.backend = local, storage.url = {config.storage.url}")
    print(f"  conversations.backend = {config.conversations.backend}, nlu.backend = {config.nlu.backend}")
    return 0


def _chat(args: argparse.Namespace, config: Config) -> int:
    from bot.components import open_components
    from channels.terminal import run_chat

    check_environment(config, args.config)

    async def chat() -> None:
        async with open_components(config) as components:
            print("已连接智能助手（输入 /exit 退出）", flush=True)
            await run_chat(components.engine.handle, channel=args.channel, sender=args.sender)

    asyncio.run(chat())
    return 0


def _db(args: argparse.Namespace, config: Config) -> int:
    from servicedesk import database

    async def run() -> None:
        engine = database.open_engine(config.storage.url)
        try:
            await database.upgrade(engine, args.revision)
            print(f"数据库已升级到 {args.revision}")
        finally:
            await engine.dispose()

    asyncio.run(run())
    return 0


def _test(args: argparse.Namespace, config: Config) -> int:
    from bot.conversation_tests import CapturedSms, load_cases, run_case
    from bot.components import open_components

    async def run(scratch: Path) -> int:
        sandbox = config.model_copy(update={
            "storage": config.storage.model_copy(update={"url": f"sqlite+aiosqlite:///{scratch / 'test.db'}",
                                                         "migrate_on_start": True, "seed_demo": True}),
            "conversations": config.conversations.model_copy(update={"backend": "memory"}),
        })
        failed, cases = 0, load_cases(Path(args.path))
        sms = CapturedSms()
        async with open_components(sandbox, sms) as components:
            for case in cases:
                outcome = await run_case(case, components.engine, components.store, sms)
                failed += bool(outcome.failures)
                print(f"{'✗' if outcome.failures else '✓'} {case.name}")
                for failure in outcome.failures:
                    print(f"    {failure}")
        print(f"{len(cases) - failed} passed, {failed} failed")
        return 1 if failed else 0

    with tempfile.TemporaryDirectory() as scratch:
        return asyncio.run(run(Path(scratch)))


def build_parser() -> argparse.ArgumentParser:
    """All sub-commands; each sets `func(args, config) -> exit code`."""
    parser = argparse.ArgumentParser(prog="frontdoor", description="政企客户服务台前门（微信、App、400热线）")
    parser.add_argument("--config", default=os.environ.get("FRONTDOOR_CONFIG", DEFAULT_CONFIG),
                        help="config file (default: config.yaml, or $FRONTDOOR_CONFIG)")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=_serve)
    commands.add_parser("check-config", help="validate the configuration and exit").set_defaults(func=_check_config)
    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--sender", default="terminal-user", help="channel user id to chat as")
    chat.add_argument("--channel", default="app", help="channel to chat as (app, wechat, voice…)")
    chat.set_defaults(func=_chat)
    db = commands.add_parser("db", help="database schema (Alembic migrations)")
    db.add_argument("action", choices=["upgrade"])
    db.add_argument("revision", nargs="?", default="head", help="Alembic revision (default: head)")
    db.set_defaults(func=_db)
    test = commands.add_parser("test", help="run conversation tests (YAML) on a scratch database")
    test.add_argument("path", nargs="?", default="tests/conversations", help="a YAML file or a folder of them")
    test.set_defaults(func=_test)
    cli_desk.add_parser(commands)
    cli_kb.add_parser(commands)
    cli_nlu.add_parser(commands)
    cli_wechat.add_parser(commands)
    cli_app.add_parser(commands)
    cli_call.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script and `python -m bot`."""
    args = build_parser().parse_args(argv)
    try:
        config = load_config(Path(args.config))
        logs.configure(config.logging.level)
        return args.func(args, config)
    except BackendError as exc:
        print(f"错误：{exc.message}（{exc.code}）", file=sys.stderr)
        return 1
    except FrontDoorError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
