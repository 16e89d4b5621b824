"""The 400 hotline on Twilio Programmable Voice: webhooks in, TwiML out."""
from channels.voice.calls import CallState, CallStore, MemoryCallStore, RedisCallStore
from channels.voice.settings import VoiceSettings
from channels.voice.webhooks import VoiceChannel

__all__ = ["CallState", "CallStore", "MemoryCallStore", "RedisCallStore", "VoiceChannel", "VoiceSettings"]
