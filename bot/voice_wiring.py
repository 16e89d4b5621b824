"""Builds the hotline channel from the `channels.voice` section: settings, hints from the NLU vocabulary, call store."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web
from redis.asyncio import Redis

from backend_client import Actor, Reporter
from bot.config import Config
from bot.keys import COMPONENTS
from channels.voice import MemoryCallStore, RedisCallStore, VoiceChannel, VoiceSettings
from channels.voice.sms import SmsChannel, SmsSettings
from channels.voice.twiml import MAX_HINTS
from channels.voice.webhooks import CHANNEL
from dialogue.templates import Templates
from dialogue.types import OnMessage


def speech_hints(config: Config) -> tuple[str, ...]:
    """Words the recogniser should expect: configured ones, the NLU dictionary's most frequent, region names."""
    words = list(config.channels.voice.hints)
    dictionary = Path(config.nlu.data_dir) / "dict.txt"
    if dictionary.is_file():
        entries = [line.split() for line in dictionary.read_text(encoding="utf-8").splitlines()]
        ranked = sorted((e for e in entries if e and not e[0].startswith("#")),
                        key=lambda e: -int(e[1]) if len(e) > 1 and e[1].isdigit() else 0)
        words += [e[0] for e in ranked]
    for group in config.servicedesk.groups:
        words += [place for place in (group.city, group.county) if place]
    words += ["工单", "故障", "人工"]
    unique = list(dict.fromkeys(w for w in words if 1 < len(w) <= 20))
    return tuple(unique[:MAX_HINTS])


def voice_settings(config: Config) -> VoiceSettings:
    """The channel's plain settings (the auth token from the environment)."""
    section = config.channels.voice
    token = section.auth_token.get_secret_value() if section.auth_token else ""
    return VoiceSettings(
        auth_token=token, public_url=section.public_url or "", recognition_language=section.recognition_language,
        speech_model=section.speech_model, say_voice=section.say_voice, say_language=section.say_language,
        hints=speech_hints(config),
        keypad_menu=tuple((k.key, k.title, f"/{k.intent}") for k in section.keypad_menu),
        repeat_key=section.repeat_key, min_confidence=section.min_confidence,
        gather_timeout_s=section.gather_timeout_s, deadline_s=section.deadline_s,
        max_speech_chars=section.max_speech_chars, transfer_mode=section.transfer_mode, queue=section.queue,
        dial_number=section.dial_number, call_ttl_s=config.conversations.ttl_s, voicemail=section.voicemail,
        ticket_prefix=config.servicedesk.ticket_prefix)


def voice_channel(config: Config, on_message: OnMessage, redis: Redis | None = None) -> VoiceChannel:
    """The hotline adapter; call states in Redis when configured, so any process can take the next webhook."""
    settings = voice_settings(config)
    calls = (RedisCallStore(redis, config.redis.key_prefix, settings.call_ttl_s) if redis is not None
             else MemoryCallStore(settings.call_ttl_s))
    circuits = CallerCircuits()
    channel = VoiceChannel(on_message, settings, calls, Templates.load(config.dialogue.templates), sms_channel(config),
                           circuits.lookup)
    channel.companions = (*channel.companions, circuits)
    return channel


class CallerCircuits:
    """A bound caller's circuits from the running desk (the calling number is the identity, see bindings.py)."""

    name = "voice_circuits"

    def __init__(self) -> None:
        self._app: web.Application | None = None

    def setup(self, app: web.Application) -> None:
        """Remember the application: its desk is opened at start-up."""
        self._app = app

    async def lookup(self, caller: str) -> list[tuple[str, str]]:
        """(circuit id, address and service) of the caller's account; [] for a number no contact has."""
        if self._app is None or COMPONENTS not in self._app:
            return []
        desk = self._app[COMPONENTS].desk
        binding = await desk.find_binding(CHANNEL, caller)
        if binding is None:
            return []
        customer = await desk.get_customer(binding.customer_code, Actor.customer(Reporter(CHANNEL, caller), binding))
        return [(c.circuit_id, f"{c.address}的{c.service_type}") for c in customer.circuits]


def sms_channel(config: Config) -> SmsChannel | None:
    """Twilio Messaging for ticket numbers, when the account SID and a sending number are configured."""
    section = config.channels.voice
    if not (section.account_sid and section.sms_from and section.auth_token):
        return None
    return SmsChannel(SmsSettings(section.account_sid, section.auth_token.get_secret_value(), section.sms_from,
                                  section.api_base_url))
