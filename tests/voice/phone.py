"""The test caller: the channel's softphone posting through the aiohttp test client."""
from __future__ import annotations

from channels.voice.softphone import Heard, Softphone, new_call_sid

AUTH_TOKEN = "test-twilio-auth-token-0123456789"
PUBLIC_URL = "https://hotline.example.cn"

__all__ = ["AUTH_TOKEN", "PUBLIC_URL", "Heard", "Phone", "new_call_sid"]


def Phone(client, *, token: str = AUTH_TOKEN, **kwargs) -> Softphone:  # noqa: N802 - reads like a class in tests
    """A softphone whose posts go to the test server."""

    async def post_form(path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        response = await client.post(path, data=params, headers=headers)
        return response.status, await response.text()

    return Softphone(post_form, token, PUBLIC_URL, **kwargs)
