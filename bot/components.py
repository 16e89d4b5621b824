"""The composition root's parts: every concrete class is chosen here from the config, opened and closed once."""
from __future__ import annotations

import logging
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from backend_client import ServiceDesk
from backend_client.kb import Thresholds
from servicedesk import database
from servicedesk.knowledge import SHIPPED_ARTICLES, KbSettings, seed_articles
from servicedesk.seed import seed
from servicedesk.service import SqlServiceDesk
from servicedesk.sms import OtpSender
from servicedesk.stamps import RedisStamps
from bot.config import Config
from bot.database_start import prepare_or_retry, warm_up_or_skip
from bot.desk_policy import db_pool, db_timeouts, desk_policy, otp_sender
from bot.bus import RedisBus
from channels.agent_desk.board import Board, PresenceAvailability
from bot.redis_store import RedisConversationStore
from dialogue.agent_side import HandoffDesk
from dialogue.bus import Bus, InProcessBus
from dialogue.engine import Engine, EngineSettings
from dialogue.handoff import ConfiguredAvailability, Handoff
from dialogue.store import ConversationStore, InMemoryConversationStore
from dialogue.templates import Templates
from nlu import Interpreter

log = logging.getLogger(__name__)


@dataclass
class Components:
    """What a running front door is made of."""

    config: Config
    db: AsyncEngine | None
    """The local desk's database; None with a remote desk."""
    desk: ServiceDesk
    store: ConversationStore
    interpreter: Interpreter
    engine: Engine
    redis: Redis | None
    handoff: HandoffDesk
    """The agent side of hand-offs, for the agent desk."""
    bus: Bus
    """Hand-off events (Redis pub/sub when redis.url is set)."""
    templates: Templates
    """The response templates, loaded once (channels and the outbox render with them)."""
    board: Board | None = None
    """The agent desk's queue and presence (when the desk is enabled); the hand-off asks it who is available."""


def build_interpreter(config: Config) -> Interpreter:
    """The built-in engine (trained if its data changed) or a Rasa server client."""
    nlu = config.nlu
    if nlu.backend == "rasa":
        from nlu.rasa_http import RasaHttpInterpreter

        return RasaHttpInterpreter(nlu.rasa.url, timeout_s=nlu.rasa.timeout_s,
                                   threshold=nlu.threshold, ambiguity_margin=nlu.ambiguity_margin)
    from nlu.builtin import BuiltinInterpreter

    return BuiltinInterpreter.load_or_train(nlu.data_dir, nlu.model_dir, threshold=nlu.threshold,
                                            ambiguity_margin=nlu.ambiguity_margin, timezone=config.timezone,
                                            seed=nlu.seed)


async def prepare_database(config: Config, db: AsyncEngine) -> None:
    """Migrate and seed when the config asks for it (embedded installs do; production runs `frontdoor db`)."""
    if config.storage.migrate_on_start:
        await database.upgrade(db)
    if config.storage.seed_demo:
        added = await seed(db)
        if added:
            log.info("db.seeded customers=%d", added)
    if config.storage.seed_demo or config.kb.seed:
        articles = await seed_articles(db, config.kb.articles_dir or SHIPPED_ARTICLES)
        if articles:
            log.info("db.seeded kb_articles=%d", articles)


def kb_settings(config: Config) -> KbSettings:
    """The desk's search settings from the `kb` section."""
    kb = config.kb
    return KbSettings(Thresholds(kb.answer_threshold, kb.suggest_threshold),
                      kb.user_dict if kb.user_dict.exists() else None)


def _store(config: Config, redis: Redis | None) -> ConversationStore:
    section = config.conversations
    if section.backend == "redis":
        return RedisConversationStore(redis, prefix=config.redis.key_prefix, ttl_s=section.ttl_s,
                                      lock_timeout_s=section.lock_timeout_s, lock_lease_s=section.lock_lease_s,
                                      order_settle_s=section.order_settle_s)
    return InMemoryConversationStore(section.ttl_s)


def _http_desk(config: Config, stack: AsyncExitStack) -> ServiceDesk:
    """A remote desk's REST API (`servicedesk.backend: http`); the token comes from FRONTDOOR_SERVICEDESK__TOKEN."""
    from backend_client.http import HttpServiceDesk

    section = config.servicedesk
    token = section.token.get_secret_value() if section.token else ""
    desk = HttpServiceDesk(section.url or "", token, timeout_s=section.timeout_s,
                           connect_timeout_s=section.connect_timeout_s, retries=section.retries,
                           backoff_s=section.backoff_s)
    stack.push_async_callback(desk.close)
    return desk


@asynccontextmanager
async def open_desk(config: Config, sms: OtpSender | None = None, redis: Redis | None = None
                    ) -> AsyncIterator[tuple[AsyncEngine | None, ServiceDesk]]:
    """The desk the config names (``sms`` overrides its sender): a remote desk's API with no local database at all,
    or the local desk on its database, migrated and seeded as configured (its caches kept in step through
    ``redis`` when processes share it); closing it writes what it buffered."""
    async with AsyncExitStack() as stack:
        if config.servicedesk.backend == "http":
            yield None, _http_desk(config, stack)
            return
        db = database.open_engine(config.storage.url, echo=config.storage.echo, timeouts=db_timeouts(config),
                                   pool=db_pool(config))
        stack.push_async_callback(db.dispose)
        await prepare_or_retry(lambda: prepare_database(config, db), stack)
        desk = SqlServiceDesk(db, desk_policy(config), otp_sender=sms or otp_sender(config), kb=kb_settings(config),
                              stamps=RedisStamps(redis, config.redis.key_prefix) if redis is not None else None)
        stack.push_async_callback(desk.close)
        yield db, desk


@asynccontextmanager
async def open_components(config: Config, sms: OtpSender | None = None,
                          interpreter: Interpreter | None = None) -> AsyncIterator[Components]:
    """Open everything in order and close it in reverse, even on failure (``interpreter``: one already open)."""
    async with AsyncExitStack() as stack:
        redis = config.redis.client() if config.redis.url else None
        if redis is not None:
            stack.push_async_callback(redis.aclose)
        db, desk = await stack.enter_async_context(open_desk(config, sms, redis))
        if isinstance(desk, SqlServiceDesk):
            await warm_up_or_skip(desk)
        if interpreter is None:
            interpreter = build_interpreter(config)
            if hasattr(interpreter, "close"):
                stack.push_async_callback(interpreter.close)
        store = _store(config, redis)
        templates = Templates.load(config.dialogue.templates)
        settings = EngineSettings(config.timezone, config.conversations.history_turns, config.dialogue.max_text_chars,
                                  frozenset(config.dialogue.bind_first_channels))
        bus: Bus = RedisBus(redis, config.redis.key_prefix) if redis is not None else InProcessBus()
        board = Board(redis, config.redis.key_prefix) if config.channels.agent_desk.enabled else None
        availability = (PresenceAvailability(board, config.handoff.agents_available) if board is not None
                        else ConfiguredAvailability(config.handoff.agents_available))
        handoff = Handoff(bus, config.handoff.settings(), availability)
        engine = Engine(interpreter, store, desk, templates, settings, handoff=handoff)
        yield Components(config, db, desk, store, interpreter, engine, redis,
                         HandoffDesk(store, templates, bus, config.conversations.history_turns), bus, templates,
                         board)
