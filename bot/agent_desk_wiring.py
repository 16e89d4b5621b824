"""Builds the agent desk from `channels.agent_desk`: its settings, and its dependencies once the app runs."""
from __future__ import annotations

from aiohttp import web

from bot.channels import OUTBOUND
from bot.config import Config
from bot.keys import COMPONENTS
from channels.agent_desk import AgentDesk, AgentDeskSettings, DeskDeps, GroupInfo
from channels.agent_desk.sessions import LoginLimiter, SessionStore


def agent_desk_settings(config: Config) -> AgentDeskSettings:
    """The desk's plain settings: groups from `servicedesk.groups`, limits and canned replies from its section."""
    section = config.channels.agent_desk
    groups = tuple(GroupInfo(g.id, g.name, g.level, g.province, g.city, g.county) for g in config.servicedesk.groups)
    return AgentDeskSettings(groups=groups, session_idle_s=section.session_idle_s,
                             secure_cookies=section.secure_cookies, login_attempts=section.login_attempts,
                             login_window_s=section.login_window_s,
                             canned=tuple((c.title, c.text) for c in section.canned),
                             front_desk=config.servicedesk.front_desk_group, auto_assign=section.auto_assign)


def agent_desk(config: Config) -> AgentDesk:
    """The desk; its parts are taken from the running components and outbound channels."""
    settings = agent_desk_settings(config)

    def build(app: web.Application) -> DeskDeps:
        components = app[COMPONENTS]
        outbound = app[OUTBOUND]
        redis, prefix = components.redis, config.redis.key_prefix
        return DeskDeps(settings=settings, desk=components.desk, handoff=components.handoff, store=components.store,
                        bus=components.bus, send=outbound.send, templates=components.templates,
                        board=components.board, sessions=SessionStore(settings.session_idle_s, redis, prefix),
                        limiter=LoginLimiter(settings.login_attempts, settings.login_window_s, redis, prefix))

    return AgentDesk(build)
