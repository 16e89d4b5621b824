"""The voice channel's settings as plain values (the composition root builds them from `channels.voice`)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VoiceSettings:
    """Twilio credentials, speech and voice choices, the keypad menu, the ladder's limits and the transfer route."""

    auth_token: str
    public_url: str                      # the base URL Twilio calls: signatures are computed over it
    recognition_language: str = "zh-CN"
    speech_model: str = "default"
    say_voice: str = "Polly.Zhiyu"
    say_language: str = "cmn-CN"
    hints: tuple[str, ...] = ()
    keypad_menu: tuple[tuple[str, str, str], ...] = (    # (key, what the caller hears, payload sent to the engine)
        ("1", "故障申报", "/report_fault"), ("2", "工单查询", "/query_ticket"), ("3", "服务公告", "/query_outage"),
        ("0", "人工服务", "/request_human"))
    repeat_key: str = "9"
    repeat_title: str = "重听"
    min_confidence: float = 0.5
    gather_timeout_s: int = 6
    deadline_s: float = 5.0
    max_speech_chars: int = 300
    transfer_mode: str = "enqueue"       # enqueue | dial
    queue: str = "frontdoor"
    dial_number: str | None = None
    digit_templates: frozenset[str] = frozenset({
        "ask_contact_phone", "invalid_phone", "ask_ticket_id", "invalid_ticket_id", "ask_customer_code", "invalid_customer_code",
        "ask_bind_mobile", "ask_bind_code", "ask_bind_code_again", "invalid_bind_code", "bind_code_wrong",
        "ask_callback_phone"})
    call_ttl_s: int = 3600
    ticket_prefix: str = "GD"            # keyed-in ticket numbers are digits only: the letters are added
    ticket_templates: frozenset[str] = frozenset({"ask_ticket_id", "invalid_ticket_id"})
    voicemail: bool = False              # with nobody to take the call, a <Record> for the callback ticket

    def menu_payload(self, key: str) -> str | None:
        """The payload a keypad menu key stands for."""
        return next((payload for k, _, payload in self.keypad_menu if k == key), None)
