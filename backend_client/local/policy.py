"""The desk's rules that come from configuration: numbering, priority matrix, SLA targets, first-line tier."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from backend_client.types import Level

IMPACT_BY_TIER = {"industry": Level.HIGH, "cluster": Level.MEDIUM}
FIRST_LINE_BY_TIER = {"industry": "city", "cluster": "county"}


@dataclass(frozen=True)
class SlaTarget:
    """Response and resolution targets of one priority."""

    response: timedelta
    resolution: timedelta


@dataclass(frozen=True)
class DeskPolicy:
    """Everything the local desk needs to know from config, as plain values."""

    ticket_prefix: str
    priority_matrix: dict[str, dict[str, str]]
    sla: dict[str, SlaTarget]
    timezone: ZoneInfo

    def impact(self, tier: str | None) -> Level:
        """A key account's outage weighs more than a cluster customer's; unknown callers weigh least."""
        return IMPACT_BY_TIER.get(tier or "", Level.LOW)

    def priority(self, impact: Level, urgency: Level) -> str:
        """P1–P4 from the impact × urgency matrix."""
        return self.priority_matrix[impact.value][urgency.value]

    def first_line(self, tier: str | None) -> str:
        """Which level takes the first response for this customer tier."""
        return FIRST_LINE_BY_TIER.get(tier or "", "county")

    def deadlines(self, priority: str, start: datetime) -> tuple[datetime, datetime]:
        """Response and resolution deadlines on the 7×24 calendar."""
        target = self.sla[priority]
        return start + target.response, start + target.resolution

    def day_key(self, moment: datetime) -> str:
        """The local calendar day used in ticket numbers."""
        return moment.astimezone(self.timezone).strftime("%Y%m%d")
