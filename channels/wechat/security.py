"""Is this request from WeChat? Signatures, timestamps and the AES envelope of compatible and safe mode.

See https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html and
https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html
"""
from __future__ import annotations

import base64
import binascii
import hmac
import struct

from wechatpy.crypto import WeChatCrypto
from wechatpy.crypto.cryptography import WeChatCipher
from wechatpy.utils import WeChatSigner


class Rejected(Exception):
    """The request is refused before any work: ``status`` for the HTTP answer, ``reason`` for the log."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sign(*parts: str) -> str:
    """WeChat's SHA-1 over the sorted parts (token, timestamp, nonce and, in safe mode, the ciphertext)."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def verify(signature: str | None, token: str, *parts: str) -> None:
    """Constant-time check of ``signature``; Rejected(403) when it does not match."""
    expected = sign(token, *parts).encode()
    if not signature or not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
        raise Rejected(403, "bad_signature")


def check_fresh(timestamp: str, window_s: int, now: float) -> None:
    """Refuse timestamps outside ±window (a replayed old request); Rejected(403)."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > window_s:
        raise Rejected(403, "stale_timestamp")


class Envelope:
    """The AES envelope of one official account: open requests, seal replies (wechatpy's cipher and signer)."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str):
        self._token = token
        self._app_id = app_id.encode()
        self._crypto = WeChatCrypto(token, encoding_aes_key, app_id)
        self._key = self._crypto.key

    def open(self, encrypt: str, msg_signature: str | None, timestamp: str, nonce: str) -> str:
        """The plaintext XML inside ``encrypt``, after checking msg_signature, padding and AppID."""
        verify(msg_signature, self._token, timestamp, nonce, encrypt)
        try:
            plain = WeChatCipher(self._key).decrypt(base64.b64decode(encrypt, validate=True))
        except (ValueError, binascii.Error):
            raise Rejected(400, "bad_ciphertext") from None
        pad = plain[-1] if plain else 0
        if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad:
            raise Rejected(400, "bad_padding")
        content = plain[16:-pad]
        if len(content) < 4:
            raise Rejected(400, "bad_ciphertext")
        (length,) = struct.unpack(">I", content[:4])
        if length > len(content) - 4:
            raise Rejected(400, "bad_ciphertext")
        if not hmac.compare_digest(content[4 + length:], self._app_id):
            raise Rejected(403, "wrong_app_id")
        try:
            return content[4:4 + length].decode("utf-8")
        except UnicodeDecodeError:
            raise Rejected(400, "bad_ciphertext") from None

    def seal(self, xml: str, nonce: str, timestamp: str) -> str:
        """The encrypted, signed reply envelope for a passive reply."""
        return self._crypto.encrypt_message(xml, nonce, timestamp)
