"""Typed configuration: config.yaml, overridden by FRONTDOOR_* environment variables."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.config_base import Section, resolve_path as _resolve
from bot.config_desk import ServiceDeskConfig
from bot.config_handoff import HandoffConfig
from bot.errors import ConfigError

ENV_PREFIX = "FRONTDOOR_"
NOT_KEYS = frozenset({"FRONTDOOR_CONFIG"})
"""FRONTDOOR_ variables that are not configuration keys (the config file's path, read by the CLI)."""


class ServerConfig(Section):
    """Where `frontdoor serve` listens."""

    host: str = "0.0.0.0"
    port: int = Field(8080, ge=1, le=65535)
    max_body_bytes: int = Field(64 * 1024, ge=1024)


class StorageConfig(Section):
    """The service desk database (SQLite file by default, PostgreSQL in production)."""

    url: str = "sqlite+aiosqlite:///var/frontdoor.db"
    migrate_on_start: bool = True
    seed_demo: bool = False
    echo: bool = False
    connect_timeout_s: float = Field(5.0, gt=0)
    statement_timeout_s: float = Field(10.0, gt=0)   # PostgreSQL statement_timeout and the driver's command timeout
    pool_timeout_s: float = Field(5.0, gt=0)         # waiting for a free connection of the pool
    busy_timeout_s: float = Field(5.0, gt=0)         # SQLite: waiting for another writer's lock
    pool_size: int = Field(20, ge=1, le=1000)         # PostgreSQL: connections kept open per process
    max_overflow: int = Field(10, ge=0, le=1000)      # ... and opened beyond them in a burst (closed after)

    @field_validator("url")
    @classmethod
    def _relative_sqlite(cls, url: str, info: ValidationInfo) -> str:
        prefix = "sqlite+aiosqlite:///"
        if not url.startswith(prefix) or url == prefix + ":memory:":
            return url
        path = url[len(prefix):]
        return prefix + str(_resolve(Path(path), info))


class RedisConfig(Section):
    """Redis for conversation state, locks and de-duplication (optional)."""

    url: str | None = None
    key_prefix: str = "frontdoor:"
    connect_timeout_s: float = Field(2.0, gt=0)
    socket_timeout_s: float = Field(5.0, gt=0)   # any command; pub/sub waits are not cut by it
    max_connections: int = Field(200, ge=4, le=10_000)   # per process; past it a command waits for a free one
    pool_timeout_s: float = Field(5.0, gt=0)             # ... at most this long

    def client(self) -> Any:
        """The process's Redis client: its pool waits for a free connection instead of failing when all are busy."""
        from redis.asyncio import BlockingConnectionPool, Redis

        pool = BlockingConnectionPool.from_url(self.url, max_connections=self.max_connections,
                                               timeout=self.pool_timeout_s, **self.client_options())
        return Redis(connection_pool=pool)

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments of ``Redis.from_url``: a Redis that hangs costs a request seconds, not forever."""
        return {"socket_connect_timeout": self.connect_timeout_s, "socket_timeout": self.socket_timeout_s}


class ConversationsConfig(Section):
    """Where conversation state lives and how long it is kept."""

    backend: Literal["memory", "redis"] = "memory"
    ttl_s: int = Field(7 * 24 * 3600, ge=60)
    lock_timeout_s: float = Field(15.0, gt=0)  # how long a turn waits for the conversation's lock
    lock_lease_s: float = Field(2.0, ge=0.2, le=30)  # a crashed process frees the lock within this
    order_settle_s: float = Field(0.1, ge=0, le=2)  # wait before the first try, so a message sent with it can queue
    history_turns: int = Field(50, ge=1)


class RasaServerConfig(Section):
    """A Rasa server used for NLU when `nlu.backend` is `rasa`."""

    url: str | None = None
    timeout_s: float = Field(3.0, gt=0)


class NluConfig(Section):
    """The intent classifier and entity extractors."""

    backend: Literal["builtin", "rasa"] = "builtin"
    data_dir: Path = Path("nlu/data")
    model_dir: Path = Path("var/models")
    threshold: float = Field(0.45, ge=0, le=1)
    ambiguity_margin: float = Field(0.1, ge=0, le=1)
    seed: int = 42
    rasa: RasaServerConfig = RasaServerConfig()

    _paths = field_validator("data_dir", "model_dir")(_resolve)


class DialogueConfig(Section):
    """Templates, the engine's limits and the channels where account requests offer binding first."""

    templates: Path | None = None
    max_text_chars: int = Field(2000, ge=10)
    bind_first_channels: list[str] = ["wechat"]

    _paths = field_validator("templates")(lambda v, info: v if v is None else _resolve(v, info))

    @field_validator("bind_first_channels", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


class KbConfig(Section):
    """The knowledge base: score thresholds, the jieba user dictionary, the shipped articles and seeding."""

    answer_threshold: float = Field(0.72, ge=0, le=1)
    suggest_threshold: float = Field(0.58, ge=0, le=1)
    user_dict: Path = Path("nlu/data/dict.txt")
    articles_dir: Path | None = None
    seed: bool = False

    _paths = field_validator("user_dict", "articles_dir")(lambda v, info: v if v is None else _resolve(v, info))

    @model_validator(mode="after")
    def _ordered(self) -> "KbConfig":
        if self.suggest_threshold > self.answer_threshold:
            raise ValueError("kb.suggest_threshold must not exceed kb.answer_threshold")
        return self


class ApiTokenConfig(Section):
    """One client of the REST API: the scopes it may use; the secret comes only from the environment."""

    scopes: list[Literal["bot", "delivery", "agent", "admin"]] = Field(min_length=1)
    token: SecretStr | None = Field(None, min_length=16)

    @field_validator("scopes", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


class ApiConfig(Section):
    """The service desk REST API under /api/v1: off (404) until at least one token has a secret."""

    tokens: dict[str, ApiTokenConfig] = Field(default_factory=dict)
    max_page_size: int = Field(100, ge=1, le=1000)
    max_import_bytes: int = Field(8 * 1024 * 1024, ge=1024)


class AppAuthConfig(Section):
    """Who the app backend vouches for: a JWT (HS256 secret or RS256 public key) or an HMAC signature.

    Both secrets come from the environment only; without any key every app sender is anonymous.
    """

    jwt_secret: SecretStr | None = Field(None, min_length=32)
    jwt_public_key_file: Path | None = None
    audience: str = Field("frontdoor", min_length=1)
    issuer: str | None = None
    hmac_secret: SecretStr | None = Field(None, min_length=32)
    replay_window_s: int = Field(300, ge=1, le=3600)
    leeway_s: int = Field(30, ge=0, le=300)
    dev_token_ttl_s: int = Field(3600, ge=60)   # `frontdoor app token`

    _paths = field_validator("jwt_public_key_file")(lambda v, info: v if v is None else _resolve(v, info))

    @model_validator(mode="after")
    def _one_jwt_key(self) -> "AppAuthConfig":
        if self.jwt_secret and self.jwt_public_key_file:
            raise ValueError("jwt_secret (HS256) and jwt_public_key_file (RS256) exclude each other")
        if self.jwt_public_key_file and not self.jwt_public_key_file.is_file():
            raise ValueError(f"jwt_public_key_file {self.jwt_public_key_file} is not a readable file")
        if self.jwt_public_key_file:
            _rsa_public_key(self.jwt_public_key_file)
        return self


def _rsa_public_key(path: Path) -> None:
    """Refuse a key file that is not an RSA public key in PEM (RS256 would fail on every request otherwise)."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(path.read_bytes())
    except (ValueError, TypeError, OSError):
        raise ValueError(f"jwt_public_key_file {path} is not a PEM public key") from None
    if not isinstance(key, RSAPublicKey):
        raise ValueError(f"jwt_public_key_file {path} is not an RSA key (RS256)")


class AppChannelConfig(Section):
    """The app's chat endpoint (Rasa REST shape), its pushed messages (WebSocket or poll) and identity."""

    enabled: bool = True
    auth: AppAuthConfig = AppAuthConfig()
    mailbox_max_messages: int = Field(100, ge=1, le=10_000)   # pushed messages kept per user until acknowledged
    mailbox_ttl_s: int = Field(7 * 24 * 3600, ge=60)


class WeChatMenuButton(Section):
    """A custom-menu button: a click (key mapped to an intent), a link (url) or a group of sub-buttons."""

    name: str = Field(min_length=1)
    key: str | None = Field(None, min_length=1)
    intent: str | None = Field(None, pattern=r"^[A-Za-z_]\w*$")
    url: str | None = Field(None, pattern=r"^https?://")
    sub_buttons: list["WeChatMenuButton"] = Field(default_factory=list, max_length=5)

    @model_validator(mode="after")
    def _one_kind(self) -> "WeChatMenuButton":
        kinds = [self.key is not None or self.intent is not None, self.url is not None, bool(self.sub_buttons)]
        if sum(kinds) != 1:
            raise ValueError("a button has either key and intent, or url, or sub_buttons")
        if kinds[0] and not (self.key and self.intent):
            raise ValueError("a click button needs both key and intent")
        if self.key is not None and len(self.key.encode()) > 128:
            raise ValueError("key is longer than 128 bytes")
        if any(b.sub_buttons for b in self.sub_buttons):
            raise ValueError("sub_buttons cannot be nested")
        return self


class WeChatTemplateConfig(Section):
    """A template message for one notification kind (fields: `{payload_key}` format strings, ≤ 20 characters shown)."""

    template_id: str = Field(min_length=1)
    fields: dict[str, str] = Field(min_length=1)
    url: str | None = Field(None, pattern=r"^https?://")


class WeChatConfig(Section):
    """The WeChat official-account callback and API; token, app_secret and encoding_aes_key come from env."""

    enabled: bool = False
    token: str | None = None
    app_id: str | None = None
    app_secret: str | None = None
    encoding_aes_key: str | None = Field(None, pattern=r"^[A-Za-z0-9]{43}$")
    mode: Literal["plain", "compatible", "safe"] | None = None  # None: safe with an AES key, else plain
    api_base_url: str = Field("https://api.weixin.qq.com", pattern=r"^https?://")
    api_timeout_s: float = Field(5.0, gt=0)
    deadline_s: float = Field(4.0, ge=0, le=4.8)  # 0: always `success` + customer-service message
    replay_window_s: int = Field(300, ge=1)
    dedup_ttl_s: int = Field(600, ge=30)
    max_body_bytes: int = Field(16 * 1024, ge=1024)
    subscribe_intent: str = Field("subscribe", pattern=r"^[A-Za-z_]\w*$")
    menu: list[WeChatMenuButton] = Field(default_factory=list, max_length=3)
    templates: dict[str, WeChatTemplateConfig] = Field(default_factory=dict)  # notification kind → template message

    @model_validator(mode="after")
    def _required_when_enabled(self) -> "WeChatConfig":
        if self.enabled and not (self.token and self.app_id):
            raise ValueError("token and app_id are required when the wechat channel is enabled")
        if self.mode in ("compatible", "safe") and not self.encoding_aes_key:
            raise ValueError(f"mode {self.mode} needs encoding_aes_key")
        for button in self.menu:
            if len(button.name.encode()) > 16:
                raise ValueError(f"menu button {button.name!r} is longer than 16 bytes")
            for sub in button.sub_buttons:
                if len(sub.name.encode()) > 60:
                    raise ValueError(f"menu button {sub.name!r} is longer than 60 bytes")
        keys = [b.key for top in self.menu for b in (top, *top.sub_buttons) if b.key]
        if len(keys) != len(set(keys)):
            raise ValueError("menu button keys must be unique")
        return self


class VoiceMenuKey(Section):
    """One key of the hotline's keypad menu: what the caller hears and the intent it starts."""

    key: str = Field(pattern=r"^[0-8*]$")
    title: str = Field(min_length=1, max_length=20)
    intent: str = Field(pattern=r"^[A-Za-z_]\w*$")


class VoiceConfig(Section):
    """The 400 hotline on Twilio; the auth token (and account SID) come only from the environment."""

    enabled: bool = False
    auth_token: SecretStr | None = None
    account_sid: str | None = None
    public_url: str | None = Field(None, pattern=r"^https?://")   # what Twilio calls; signatures are over it
    recognition_language: str = "zh-CN"
    speech_model: str = "default"
    say_voice: str = "Polly.Zhiyu"
    say_language: str = "cmn-CN"
    hints: list[str] = Field(default_factory=list)   # added to the NLU dictionary's service words and region names
    keypad_menu: list[VoiceMenuKey] = Field(default_factory=lambda: [
        VoiceMenuKey(key="1", title="故障申报", intent="report_fault"),
        VoiceMenuKey(key="2", title="工单查询", intent="query_ticket"),
        VoiceMenuKey(key="3", title="服务公告", intent="query_outage"),
        VoiceMenuKey(key="0", title="人工服务", intent="request_human")])
    repeat_key: str = Field("9", pattern=r"^[0-9*]$")
    min_confidence: float = Field(0.5, ge=0, le=1)
    gather_timeout_s: int = Field(6, ge=1, le=30)
    deadline_s: float = Field(5.0, gt=0, le=12)   # inside Twilio's 15 s: later, a hold phrase and a redirect
    max_speech_chars: int = Field(300, ge=20, le=2000)
    transfer_mode: Literal["enqueue", "dial"] = "enqueue"
    queue: str = Field("frontdoor", min_length=1)
    dial_number: str | None = Field(None, pattern=r"^\+[1-9]\d{6,14}$")
    sms_from: str | None = Field(None, pattern=r"^\+[1-9]\d{6,14}$")   # with account_sid: ticket numbers by SMS
    api_base_url: str = Field("https://api.twilio.com", pattern=r"^https?://")   # Twilio's REST API (Messaging)
    voicemail: bool = False   # nobody to take the call: a <Record> whose URL goes on the callback ticket

    @model_validator(mode="after")
    def _required_when_enabled(self) -> "VoiceConfig":
        if self.enabled and not (self.auth_token and self.public_url):
            raise ValueError("auth_token (FRONTDOOR_CHANNELS__VOICE__AUTH_TOKEN) and public_url are required "
                             "when the voice channel is enabled")
        if self.transfer_mode == "dial" and not self.dial_number:
            raise ValueError("transfer_mode dial needs dial_number")
        keys = [k.key for k in self.keypad_menu]
        if len(keys) != len(set(keys)) or self.repeat_key in keys:
            raise ValueError("keypad_menu keys and repeat_key must all differ")
        return self


class CannedReply(Section):
    """A reply agents insert with one click ({agent} becomes the agent's name)."""

    title: str = Field(min_length=1, max_length=30)
    text: str = Field(min_length=1, max_length=500)


class AgentDeskConfig(Section):
    """The agents' web desk at /agent/: sessions, sign-in limits, canned replies."""

    enabled: bool = False
    session_idle_s: int = Field(1800, ge=60, le=86400)
    secure_cookies: bool = True          # false only for plain-HTTP development outside localhost
    login_attempts: int = Field(5, ge=1, le=100)
    login_window_s: int = Field(300, ge=10)
    canned: list[CannedReply] = Field(default_factory=list)
    auto_assign: bool = False            # round robin within the group to online agents with room


class ChannelsConfig(Section):
    """One section per channel adapter, keyed by the registry name."""

    app: AppChannelConfig = AppChannelConfig()
    wechat: WeChatConfig = WeChatConfig()
    voice: VoiceConfig = VoiceConfig()
    agent_desk: AgentDeskConfig = AgentDeskConfig()


class JobsConfig(Section):
    """Background jobs of `serve`; safe to run in every process (each event is raised once)."""

    sla_interval_s: float = Field(60, ge=0)
    delivery_interval_s: float = Field(5, ge=0)  # outbox delivery on every sending channel (0: off)


class LoggingConfig(Section):
    """Log level and format."""

    level: str = "INFO"


class Config(Section):
    """The whole configuration of one front door process."""

    timezone: str = "Asia/Shanghai"
    server: ServerConfig = ServerConfig()
    storage: StorageConfig = StorageConfig()
    redis: RedisConfig = RedisConfig()
    conversations: ConversationsConfig = ConversationsConfig()
    nlu: NluConfig = NluConfig()
    dialogue: DialogueConfig = DialogueConfig()
    handoff: HandoffConfig = HandoffConfig()
    kb: KbConfig = KbConfig()
    servicedesk: ServiceDeskConfig = ServiceDeskConfig()
    api: ApiConfig = ApiConfig()
    channels: ChannelsConfig = ChannelsConfig()
    jobs: JobsConfig = JobsConfig()
    logging: LoggingConfig = LoggingConfig()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        """An IANA zone that exists here (Asia/Beijing is not one): every local time the bot and CLI print uses it."""
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r} (an IANA name such as Asia/Shanghai)") from None
        return name

    @model_validator(mode="after")
    def _dependencies(self) -> "Config":
        if self.conversations.backend == "redis" and not self.redis.url:
            raise ValueError("redis.url is required when conversations.backend is redis")
        if self.nlu.backend == "rasa" and not self.nlu.rasa.url:
            raise ValueError("nlu.rasa.url is required when nlu.backend is rasa")
        if self.servicedesk.backend == "http" and any(spec.token for spec in self.api.tokens.values()):
            raise ValueError("api.tokens: the desk API serves the local desk; with servicedesk.backend http "
                             "the remote desk serves it")
        groups = [group.id for group in self.servicedesk.groups]
        if self.servicedesk.backend == "local" and groups and self.handoff.group not in groups:
            raise ValueError(f"handoff.group {self.handoff.group!r} is not one of servicedesk.groups {groups}")
        if self.servicedesk.backend == "http" and self.kb.seed:
            raise ValueError("kb.seed imports into the local desk; with servicedesk.backend http the remote desk "
                             "holds the articles")
        return self


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Nested dict from FRONTDOOR_A__B=value variables; pydantic converts the strings to each field's type."""
    tree: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or len(name) == len(ENV_PREFIX) or name in NOT_KEYS:
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX):].split("__")]
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{name}: conflicts with another FRONTDOOR_ variable")
        node[path[-1]] = raw
    return tree


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _describe(error: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid configuration"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"])
        lines.append(f"  {key}: {item['msg']}")
    return "\n".join(lines)


def _section(data: dict[str, Any], *path: str) -> dict[str, Any]:
    """The mapping at ``path`` in raw config data ({} when any level is missing or not a mapping)."""
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None  # type: ignore[assignment]
    return data if isinstance(data, dict) else {}


def _refuse_file_secrets(data: dict[str, Any], path: Path) -> None:
    """API tokens are secrets: they may come from the environment only, never from the file."""
    desk, api = data.get("servicedesk"), data.get("api")
    keys = ["servicedesk.token"] if isinstance(desk, dict) and "token" in desk else []
    tokens = api.get("tokens") if isinstance(api, dict) else None
    if isinstance(tokens, dict):
        keys += [f"api.tokens.{name}.token" for name, spec in tokens.items()
                 if isinstance(spec, dict) and "token" in spec]
    app_auth = _section(data, "channels", "app", "auth")
    keys += [f"channels.app.auth.{key}" for key in ("jwt_secret", "hmac_secret") if key in app_auth]
    if keys:
        env = ", ".join(ENV_PREFIX + key.upper().replace(".", "__") for key in keys)
        raise ConfigError(f"{path}: {', '.join(keys)}: secrets belong in the environment ({env})")


def load_config(path: Path | str | None, environ: Mapping[str, str] | None = None) -> Config:
    """Read ``path`` (or only defaults when None), apply env overrides, validate."""
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    base_dir = Path.cwd()
    if path is not None:
        path = Path(path)
        base_dir = path.resolve().parent
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: the top level must be a mapping")
        _refuse_file_secrets(data, path)
    data = _merge(data, env_overrides(environ))
    try:
        return Config.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, str(path or "defaults"))) from exc
