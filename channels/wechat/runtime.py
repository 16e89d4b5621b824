"""What a running WeChat channel holds (Redis or in-process trackers, the API client), built at start-up on
the parts `bot/` hands every channel (Redis client, HTTP session, templates)."""
from __future__ import annotations

from dataclasses import dataclass

from channels.base import ChannelDeps
from channels.wechat.api import WeChatApiClient
from channels.wechat.delivery import NotificationSender
from channels.wechat.dedup import Deduplicator, InMemoryDeduplicator, RedisDeduplicator
from channels.wechat.menu import click_intents
from channels.wechat.push import Pusher
from channels.wechat.replay import InMemoryReplayCache, RedisReplayCache, ReplayCache
from channels.wechat.security import Envelope
from channels.wechat.settings import WeChatSettings
from channels.wechat.tokens import InMemoryTokenCache, RedisTokenCache
from channels.wechat.window import InMemoryWindowTracker, RedisWindowTracker, WindowTracker
from dialogue.templates import Templates


@dataclass
class Runtime:
    """The channel's opened parts."""

    templates: Templates
    dedup: Deduplicator
    replays: ReplayCache
    windows: WindowTracker
    api: WeChatApiClient
    pusher: Pusher
    envelope: Envelope | None
    click_intents: dict[str, str]
    sender: NotificationSender


def api_client(settings: WeChatSettings, deps: ChannelDeps) -> WeChatApiClient:
    """An API client on the shared HTTP session; the access token shared in Redis when there is one."""
    cache = (RedisTokenCache(deps.redis, deps.key_prefix, settings.app_id) if deps.redis is not None
             else InMemoryTokenCache())
    return WeChatApiClient(deps.http, settings.api_base_url, settings.app_id, settings.app_secret, cache,
                           timeout_s=settings.api_timeout_s)


def build_runtime(settings: WeChatSettings, deps: ChannelDeps) -> Runtime:
    """Everything the callback needs, on the Redis client, HTTP session and templates `bot/` opened."""
    redis, api = deps.redis, api_client(settings, deps)
    if redis is not None:
        dedup: Deduplicator = RedisDeduplicator(redis, deps.key_prefix, settings.dedup_ttl_s, settings.lease_s)
        windows: WindowTracker = RedisWindowTracker(redis, deps.key_prefix)
        replays: ReplayCache = RedisReplayCache(redis, deps.key_prefix, settings.replay_window_s)
    else:
        dedup, windows = InMemoryDeduplicator(settings.dedup_ttl_s), InMemoryWindowTracker()
        replays = InMemoryReplayCache(settings.replay_window_s)
    envelope = (Envelope(settings.token, settings.encoding_aes_key, settings.app_id)
                if settings.encoding_aes_key else None)
    pusher = Pusher(api, windows)
    return Runtime(deps.templates, dedup, replays, windows, api, pusher, envelope, click_intents(settings.menu),
                   NotificationSender(pusher, api, settings.template_messages))
