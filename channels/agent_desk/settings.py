"""The agent desk's settings as plain values (the composition root builds them from `channels.agent_desk`)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GroupInfo:
    """A support group as the desk needs it: id, name, level and place (for who sees which queue)."""

    id: str
    name: str
    level: str
    province: str = ""
    city: str = ""
    county: str = ""


@dataclass(frozen=True)
class AgentDeskSettings:
    """Sessions, sign-in limits, the groups, and canned replies."""

    groups: tuple[GroupInfo, ...]
    session_idle_s: int = 1800
    secure_cookies: bool = True
    login_attempts: int = 5            # failed sign-ins per login and per address within the window
    login_window_s: int = 300
    canned: tuple[tuple[str, str], ...] = ()   # (title, text with {customer} {ticket} {agent} placeholders)
    auto_assign: bool = False
    front_desk: str = ""                # the front desk group never receives escalations

    def group(self, group_id: str) -> GroupInfo | None:
        """A configured group by id."""
        return next((g for g in self.groups if g.id == group_id), None)

    def visible_groups(self, group_id: str, role: str) -> frozenset[str]:
        """An agent sees their group's queue; a team lead also every group within their group's area below it."""
        own = self.group(group_id)
        if own is None:
            return frozenset()
        if role != "lead":
            return frozenset({own.id})
        rank = {"county": 0, "city": 1, "province": 2, "group": 3}
        below = {g.id for g in self.groups if rank.get(g.level, 0) <= rank.get(own.level, 0)
                 and all(not mine or mine == theirs for mine, theirs in
                         ((own.province, g.province), (own.city, g.city), (own.county, g.county)))}
        return frozenset(below | {own.id})
