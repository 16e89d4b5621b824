"""The official-account API over aiohttp (wechatpy's client is blocking): token, customer-service and template
messages, the custom menu. Token errors refresh once; busy and rate-limit codes are retried a bounded number
of times; every other error is raised with the platform's code.

See https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html,
https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html and
https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Creating_Custom-Defined_Menu.html
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Awaitable, Callable, Mapping

import aiohttp

from channels.wechat.errors import RETRYABLE, TOKEN_CODES, TRANSPORT, WeChatApiError
from channels.wechat.tokens import TokenCache, TokenManager

TEMPLATE_FIELD_CHARS = 20
"""Template message fields show at most 20 characters."""


class WeChatApiClient:
    """Calls the API with the shared access token."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, app_id: str, app_secret: str | None,
                 cache: TokenCache, *, timeout_s: float = 5.0, retries: int = 2, backoff_s: float = 0.2):
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._app_id = app_id
        self._app_secret = app_secret
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._retries = retries
        self._backoff_s = backoff_s
        self.tokens = TokenManager(cache, self._fetch_token)

    async def send_custom(self, body: Mapping[str, Any]) -> None:
        """One customer-service message (`text`, `msgmenu`…), as built by `render.custom_messages`."""
        await self._call("/cgi-bin/message/custom/send", body)

    async def send_template(self, openid: str, template_id: str, data: Mapping[str, str],
                            url: str | None = None) -> int:
        """A template message (allowed outside the 48 h window); returns the platform's msgid."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id,
                                "data": {k: {"value": _field(v)} for k, v in data.items()}}
        if url:
            body["url"] = url
        answer = await self._call("/cgi-bin/message/template/send", body)
        return int(answer.get("msgid", 0))

    async def create_menu(self, menu: Mapping[str, Any]) -> None:
        """Replace the custom menu."""
        await self._call("/cgi-bin/menu/create", menu)

    async def _fetch_token(self) -> tuple[str, int]:
        if not self._app_secret:
            raise WeChatApiError(41004, "channels.wechat.app_secret is not set")
        params = {"grant_type": "client_credential", "appid": self._app_id, "secret": self._app_secret}
        answer = await self._with_retries(lambda: self._request("GET", "/cgi-bin/token", params=params))
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise WeChatApiError(TRANSPORT, "token answer without access_token")
        return token, int(answer.get("expires_in", 7200))

    async def _call(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        token = await self.tokens.token()
        try:
            return await self._with_retries(lambda: self._post(path, token, data))
        except WeChatApiError as exc:
            if exc.code not in TOKEN_CODES:
                raise
        fresh = await self.tokens.refresh(stale=token)
        return await self._with_retries(lambda: self._post(path, fresh, data))

    async def _with_retries(self, attempt: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        tried = 0
        while True:
            try:
                return await attempt()
            except WeChatApiError as exc:
                if exc.code not in RETRYABLE or tried >= self._retries:
                    raise
            await asyncio.sleep(self._backoff_s * 2 ** tried)
            tried += 1

    async def _post(self, path: str, token: str, data: bytes) -> dict[str, Any]:
        return await self._request("POST", path, params={"access_token": token}, data=data,
                                   headers={"Content-Type": "application/json; charset=utf-8"})

    async def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self._session.request(method, self._base_url + path, timeout=self._timeout,
                                             **kwargs) as response:
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise WeChatApiError(TRANSPORT, type(exc).__name__) from None
        if not isinstance(answer, dict):
            raise WeChatApiError(TRANSPORT, "answer is not a JSON object")
        code = answer.get("errcode", 0)
        if code:
            raise WeChatApiError(int(code), str(answer.get("errmsg", "")))
        return answer


def _field(value: str) -> str:
    return value if len(value) <= TEMPLATE_FIELD_CHARS else value[:TEMPLATE_FIELD_CHARS - 1] + "…"
