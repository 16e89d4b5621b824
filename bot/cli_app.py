"""`frontdoor app token USER`: a development token from the configured secret, as the operator's app backend
would mint it, so a local client (curl, a chat widget) can speak for a bound app user."""
from __future__ import annotations

import argparse
import sys

from bot.config import Config


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `app` command and its sub-commands."""
    app = subparsers.add_parser("app", help="the app channel: development tokens")
    commands = app.add_subparsers(dest="app_command", required=True)
    token = commands.add_parser("token", help="print a JWT for USER signed with channels.app.auth.jwt_secret")
    token.add_argument("user", metavar="USER", help="the app user id (the token's sub), e.g. demo-bound")
    token.add_argument("--ttl", type=int, default=None, help="seconds until it expires "
                                                             "(default channels.app.auth.dev_token_ttl_s)")
    token.set_defaults(func=run_token)


def run_token(args: argparse.Namespace, config: Config) -> int:
    """Print the token; exit 2 when no HS256 secret is configured or the user id cannot be vouched for."""
    from channels.app.auth import AuthFailed, mint

    auth = config.channels.app.auth
    if auth.jwt_secret is None:
        print("错误：需要 HS256 密钥 FRONTDOOR_CHANNELS__APP__AUTH__JWT_SECRET（至少 32 个字符）；"
              "RS256 的令牌由 App 后台用私钥签发", file=sys.stderr)
        return 2
    ttl = args.ttl if args.ttl is not None else auth.dev_token_ttl_s
    if ttl <= 0:
        print("错误：--ttl 必须为正数", file=sys.stderr)
        return 2
    try:
        print(mint(auth.jwt_secret.get_secret_value(), args.user, auth.audience, ttl, auth.issuer))
    except AuthFailed as exc:
        print(f"错误：用户标识不可用（{exc.reason}）", file=sys.stderr)
        return 2
    return 0
