"""Plays the WeChat server: recorded XML, signed and (in compatible and safe mode) encrypted with wechatpy's own
signer and WeChatCrypto, exactly as the platform sends them; reads passive replies back the same way."""
from __future__ import annotations

import itertools
import secrets
import time
from pathlib import Path
from string import Template
from typing import Any

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wechat"
TOKEN = "frontdoor-test-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx-fake-app"
APP_SECRET = "fake-secret"
_serial = itertools.count(int(time.time() * 1000) % 10**9 * 1000)


def new_msg_id() -> int:
    """A MsgId no other test used."""
    return next(_serial)


def payload(name: str, openid: str, content: str = "", msg_id: int | None = None, created: int | None = None) -> str:
    """A recorded callback body from tests/fixtures/wechat with the blanks filled in."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return Template(text).safe_substitute(openid=openid, content=content, msg_id=msg_id or new_msg_id(),
                                          created=created or int(time.time()))


def signature(*parts: str) -> str:
    """wechatpy's signer, as the platform computes `signature` and `msg_signature`."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


class WeChatServer:
    """Sends callbacks to an aiohttp test client the way WeChat does."""

    def __init__(self, client: Any, token: str = TOKEN, aes_key: str = AES_KEY, app_id: str = APP_ID):
        self.client = client
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id)

    def query(self, timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
        """signature, timestamp and a fresh nonce for a plaintext request (WeChat signs every delivery anew)."""
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or str(secrets.randbelow(10**10))
        return {"signature": signature(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                "openid": "not-used-by-us"}

    def envelope(self, xml: str, mode: str, query: dict[str, str]) -> tuple[str, dict[str, str]]:
        """The body and query of ``xml`` in ``mode`` (plain, compatible or safe)."""
        if mode == "plain":
            return xml, query
        sealed = xmltodict.parse(self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
        query = {**query, "encrypt_type": "aes", "msg_signature": sealed["MsgSignature"]}
        encrypt = f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt>"
        if mode == "compatible":
            return xml.replace("</xml>", f"  {encrypt}\n</xml>"), query
        return f"<xml>\n  <ToUserName><![CDATA[gh_3a9c1e5f7b21]]></ToUserName>\n  {encrypt}\n</xml>", query

    async def post(self, xml: str, mode: str = "plain", **query_overrides: str) -> Any:
        """POST one callback; returns the response."""
        body, query = self.envelope(xml, mode, self.query())
        return await self.client.post("/wechat", params={**query, **query_overrides}, data=body.encode("utf-8"))

    async def reply(self, response: Any) -> str | None:
        """The text of a passive reply (decrypted when sealed), None for `success`."""
        assert response.status == 200, await response.text()
        body = await response.text()
        if body == "success":
            return None
        root = xmltodict.parse(body)["xml"]
        if "Encrypt" in root:
            body = self.crypto.decrypt_message(body, root["MsgSignature"], root["TimeStamp"], root["Nonce"])
            root = xmltodict.parse(body)["xml"]
        assert root["MsgType"] == "text"
        return root["Content"]

    async def say(self, openid: str, content: str, mode: str = "plain", msg_id: int | None = None) -> str | None:
        """A text message in; the passive reply text out."""
        return await self.reply(await self.post(payload("text.xml", openid, content, msg_id), mode))
