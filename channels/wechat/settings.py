"""The WeChat channel's own settings, read from the `channels.wechat` config section without importing `bot`."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

DEBUG_DELAY_ENV = "FD_TEST_WECHAT_TURN_DELAY_S"


@dataclass(frozen=True)
class MenuButton:
    """A custom-menu button: click (key → intent), view (url) or a group of sub-buttons."""

    name: str
    key: str | None = None
    intent: str | None = None
    url: str | None = None
    sub_buttons: tuple["MenuButton", ...] = ()


@dataclass(frozen=True)
class TemplateMessage:
    """A template message for one notification kind: its id and each field as a format string over the payload."""

    template_id: str
    fields: dict[str, str]
    url: str | None = None


@dataclass(frozen=True)
class WeChatSettings:
    """Everything the callback, the API client and the trackers need."""

    token: str
    app_id: str
    app_secret: str | None = None
    encoding_aes_key: str | None = None
    mode: str | None = None
    api_base_url: str = "https://api.weixin.qq.com"
    api_timeout_s: float = 5.0
    deadline_s: float = 4.0
    replay_window_s: int = 300
    dedup_ttl_s: int = 600
    max_body_bytes: int = 16 * 1024
    subscribe_intent: str = "subscribe"
    menu: tuple[MenuButton, ...] = ()
    template_messages: dict[str, TemplateMessage] = field(default_factory=dict)
    debug_turn_delay_s: float = 0.0

    @property
    def accepted_encryption(self) -> frozenset[str]:
        """`encrypt_type`s the mode accepts: safe mode refuses plaintext (no downgrade), plain mode refuses aes."""
        mode = self.mode or ("safe" if self.encoding_aes_key else "plain")
        return frozenset({"plain": {"raw"}, "compatible": {"raw", "aes"}, "safe": {"aes"}}[mode])

    @property
    def lease_s(self) -> float:
        """How long a turn's claim outlives its process: about the deadline, so a retry after a crash takes over."""
        return max(self.deadline_s, 2.0)


def _button(raw: Any) -> MenuButton:
    subs = tuple(_button(sub) for sub in raw.sub_buttons)
    return MenuButton(raw.name, raw.key, raw.intent, raw.url, subs)


def settings_from(config: Any) -> WeChatSettings:
    """WeChatSettings from the whole validated config (duck-typed: channels do not import `bot`)."""
    section = config.channels.wechat
    return WeChatSettings(
        token=section.token or "", app_id=section.app_id or "", app_secret=section.app_secret,
        encoding_aes_key=section.encoding_aes_key, mode=section.mode, api_base_url=section.api_base_url.rstrip("/"),
        api_timeout_s=section.api_timeout_s, deadline_s=section.deadline_s,
        replay_window_s=section.replay_window_s, dedup_ttl_s=section.dedup_ttl_s,
        max_body_bytes=section.max_body_bytes, subscribe_intent=section.subscribe_intent,
        menu=tuple(_button(b) for b in section.menu),
        template_messages={kind: TemplateMessage(t.template_id, dict(t.fields), t.url)
                           for kind, t in section.templates.items()},
        debug_turn_delay_s=_debug_delay(),
    )


def _debug_delay() -> float:
    """Crash tests only: seconds each turn waits before it runs (set by the test harness, never in config)."""
    try:
        return max(float(os.environ.get(DEBUG_DELAY_ENV, "0")), 0.0)
    except ValueError:
        return 0.0
