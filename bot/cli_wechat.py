"""`frontdoor wechat menu`: build the official account's custom menu from config and push it through the API."""
from __future__ import annotations

import argparse
import asyncio
import json
import sys

from bot.channels import channel_deps
from bot.config import Config


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `wechat` command and its sub-commands."""
    wechat = subparsers.add_parser("wechat", help="WeChat official account: custom menu")
    commands = wechat.add_subparsers(dest="wechat_command", required=True)
    menu = commands.add_parser("menu", help="push channels.wechat.menu to the platform (menu/create)")
    menu.add_argument("--dry-run", action="store_true", help="print the menu JSON without calling the API")
    menu.set_defaults(func=run_menu)


def run_menu(args: argparse.Namespace, config: Config) -> int:
    """Print the menu; push it unless --dry-run. Exit 1 with the platform's code when it is refused."""
    from channels.wechat.errors import WeChatApiError
    from channels.wechat.menu import menu_payload
    from channels.wechat.runtime import api_client
    from channels.wechat.settings import settings_from

    settings = settings_from(config)
    payload = menu_payload(settings.menu)
    print(json.dumps(payload, ensure_ascii=False, indent=2))
    if args.dry_run:
        return 0
    if not settings.menu or not (settings.app_id and settings.app_secret):
        print("错误：需要 channels.wechat.menu、app_id 和 app_secret（FRONTDOOR_CHANNELS__WECHAT__APP_SECRET）",
              file=sys.stderr)
        return 2

    async def push() -> None:
        async with channel_deps(config) as deps:
            await api_client(settings, deps).create_menu(payload)

    try:
        asyncio.run(push())
    except WeChatApiError as exc:
        print(f"错误：微信接口拒绝了菜单（errcode {exc.code}）：{exc.message}", file=sys.stderr)
        return 1
    print(f"菜单已更新：{len(settings.menu)} 个一级菜单")
    return 0
