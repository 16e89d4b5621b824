"""Typed configuration: config.yaml, overridden by FRONTDOOR_* environment variables."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, Mapping

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.errors import ConfigError

ENV_PREFIX = "FRONTDOOR_"


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, so typos fail fast."""

    model_config = ConfigDict(extra="forbid")


def _resolve(value: Path, info: ValidationInfo) -> Path:
    base = (info.context or {}).get("base_dir")
    return value if value.is_absolute() or base is None else (Path(base) / value).resolve()


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


class ConversationsConfig(Section):
    """Where conversation state lives and how long it is kept."""

    backend: Literal["memory", "redis"] = "memory"
    ttl_s: int = Field(7 * 24 * 3600, ge=60)
    lock_timeout_s: float = Field(15.0, gt=0)
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
    """Templates and the engine's limits."""

    templates: Path | None = None
    max_text_chars: int = Field(2000, ge=10)

    _paths = field_validator("templates")(lambda v, info: v if v is None else _resolve(v, info))


class SlaTarget(Section):
    """Response and resolution targets of one priority."""

    response_minutes: int = Field(ge=1)
    resolution_hours: float = Field(gt=0)


def _default_sla() -> dict[str, SlaTarget]:
    table = {"P1": (15, 4), "P2": (30, 8), "P3": (120, 24), "P4": (480, 72)}
    return {p: SlaTarget(response_minutes=r, resolution_hours=h) for p, (r, h) in table.items()}


def _default_matrix() -> dict[str, dict[str, str]]:
    return {
        "high": {"high": "P1", "medium": "P2", "low": "P3"},
        "medium": {"high": "P2", "medium": "P3", "low": "P4"},
        "low": {"high": "P3", "medium": "P4", "low": "P4"},
    }


class ServiceDeskConfig(Section):
    """The service desk: local (ticket priorities, SLA targets) or a remote desk's REST API (url, token from env)."""

    backend: Literal["local", "http"] = "local"
    url: str | None = Field(None, pattern=r"^https?://")
    token: SecretStr | None = None
    timeout_s: float = Field(10.0, gt=0)
    connect_timeout_s: float = Field(3.0, gt=0)
    retries: int = Field(2, ge=0, le=10)
    backoff_s: float = Field(0.2, ge=0)
    ticket_prefix: str = Field("GD", pattern=r"^[A-Z]{1,4}$")
    priority_matrix: dict[str, dict[str, str]] = Field(default_factory=_default_matrix)
    sla: dict[str, SlaTarget] = Field(default_factory=_default_sla)

    @model_validator(mode="after")
    def _http_needs_url_and_token(self) -> "ServiceDeskConfig":
        if self.backend == "http" and not (self.url and self.token):
            raise ValueError("url and token (FRONTDOOR_SERVICEDESK__TOKEN) are required when backend is http")
        return self


class ApiTokenConfig(Section):
    """One client of the REST API: the scopes it may use; the secret comes only from the environment."""

    scopes: list[Literal["bot", "agent", "admin"]] = Field(min_length=1)
    token: SecretStr | None = Field(None, min_length=16)

    @field_validator("scopes", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


class ApiConfig(Section):
    """The service desk REST API under /api/v1: off (404) until at least one token has a secret."""

    tokens: dict[str, ApiTokenConfig] = Field(default_factory=dict)
    max_page_size: int = Field(100, ge=1, le=1000)


class AppChannelConfig(Section):
    """The app's REST chat endpoint (Rasa REST channel shape)."""

    enabled: bool = True


class ChannelsConfig(Section):
    """One section per channel adapter, keyed by the registry name."""

    app: AppChannelConfig = AppChannelConfig()


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
    servicedesk: ServiceDeskConfig = ServiceDeskConfig()
    api: ApiConfig = ApiConfig()
    channels: ChannelsConfig = ChannelsConfig()
    logging: LoggingConfig = LoggingConfig()

    @model_validator(mode="after")
    def _dependencies(self) -> "Config":
        if self.conversations.backend == "redis" and not self.redis.url:
            raise ValueError("redis.url is required when conversations.backend is redis")
        if self.nlu.backend == "rasa" and not self.nlu.rasa.url:
            raise ValueError("nlu.rasa.url is required when nlu.backend is rasa")
        return self


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Nested dict from FRONTDOOR_A__B=value variables; pydantic converts the strings to each field's type."""
    tree: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or len(name) == len(ENV_PREFIX):
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


def _refuse_file_secrets(data: dict[str, Any], path: Path) -> None:
    """API tokens are secrets: they may come from the environment only, never from the file."""
    desk, api = data.get("servicedesk"), data.get("api")
    keys = ["servicedesk.token"] if isinstance(desk, dict) and "token" in desk else []
    tokens = api.get("tokens") if isinstance(api, dict) else None
    if isinstance(tokens, dict):
        keys += [f"api.tokens.{name}.token" for name, spec in tokens.items()
                 if isinstance(spec, dict) and "token" in spec]
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
