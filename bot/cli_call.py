"""`frontdoor call`: a terminal phone on the hotline, for operators: type what the caller says, read what they hear.

It signs every request as Twilio does (with the configured auth token and public URL) and walks the same
webhooks over HTTP, so a running `frontdoor serve` is tried exactly as a real call would try it.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import sys

from bot.config import Config

HELP = "说话：直接输入文字；按键：输入数字（如 1 或 13800138000#）；沉默：空行；挂机：/hangup"
_KEYS = re.compile(r"^[0-9*#]+$")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `call` command."""
    call = subparsers.add_parser("call", help="call the hotline from this terminal (signed like Twilio)")
    call.add_argument("--url", default=None, help="where the service runs (default: http://127.0.0.1:<server.port>)")
    call.add_argument("--from", dest="caller", default="+8613900001111", help="the calling number (E.164)")
    call.set_defaults(func=run_call)


def run_call(args: argparse.Namespace, config: Config) -> int:
    """One call, line by line from standard input, until hang-up or end of input."""
    voice = config.channels.voice
    if not (voice.enabled and voice.auth_token and voice.public_url):
        print("错误：需要启用 channels.voice，并设置 FRONTDOOR_CHANNELS__VOICE__AUTH_TOKEN 和 public_url", file=sys.stderr)
        return 2
    base = (args.url or f"http://127.0.0.1:{config.server.port}").rstrip("/")
    from aiohttp import ClientError

    try:
        return asyncio.run(_call(base, voice.auth_token.get_secret_value(), voice.public_url, args.caller))
    except (ClientError, RuntimeError) as exc:
        print(f"错误：无法接通 {base}（{exc}）。请确认 frontdoor serve 正在运行且启用了语音渠道。", file=sys.stderr)
        return 1


async def _call(base: str, token: str, public_url: str, caller: str) -> int:
    from aiohttp import ClientSession

    from channels.render import printable
    from channels.voice.softphone import Heard, Softphone

    async with ClientSession() as session:
        async def post_form(path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
            async with session.post(base + path, data=params, headers=headers) as response:
                return response.status, await response.text()

        phone = Softphone(post_form, token, public_url, caller=caller)
        print(HELP)

        def show(heard: Heard) -> bool:
            for sentence in heard.says:
                print(f"🔊 {printable(sentence)}")
            step = heard.next_step
            if step != "gather":
                print({"hangup": "（对方已挂机）", "transfer": "（正在转接人工坐席）",
                       "record": "（提示音后留言：终端电话不能录音，留言跳过）"}.get(step, f"（{step}）"))
            return step == "gather"

        async def hear(heard: Heard) -> bool:
            while heard.next_step == "record":   # a voicemail: nothing is recorded from a terminal
                show(heard)
                heard = await phone.leave_message()
            return show(heard)

        going = await hear(await phone.dial())
        while going:
            try:
                line = input("📞 ").strip()
            except EOFError:
                break
            if line == "/hangup":
                break
            heard = await (phone.silence() if not line else phone.press(line) if _KEYS.match(line)
                           else phone.say(line))
            going = await hear(heard)
        await phone.hang_up()
    return 0
