"""The desk's rules from configuration: numbering, priority matrix, SLA plans and calendars, support groups."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from backend_client.errors import Invalid
from servicedesk.calendar import AlwaysOpen, Calendar
from backend_client.types import Level

LEVELS = ("county", "city", "province", "group")
"""The operator's hierarchy, first line to last: escalation climbs it."""
IMPACT_BY_TIER = {"industry": Level.HIGH, "cluster": Level.MEDIUM}


@dataclass(frozen=True)
class SlaTarget:
    """Response and resolution targets of one priority."""

    response: timedelta
    resolution: timedelta


@dataclass(frozen=True)
class Plan:
    """A service plan: which calendar its clocks run on and the targets per priority."""

    calendar: Calendar
    targets: dict[str, SlaTarget]
    max_level: str = "group"
    """The highest level a customer's urging may take a ticket of this plan to."""


@dataclass(frozen=True)
class Region:
    """Where a customer is: province, city, county (any may be empty when unknown)."""

    province: str = ""
    city: str = ""
    county: str = ""

    def names(self) -> tuple[str, ...]:
        """The non-empty names, for scope matching."""
        return tuple(name for name in (self.province, self.city, self.county) if name)


@dataclass(frozen=True)
class SupportGroup:
    """A team at one level of the hierarchy, responsible for a region."""

    id: str
    name: str
    level: str
    province: str = ""
    city: str = ""
    county: str = ""

    def covers(self, region: Region) -> bool:
        """Whether this group serves ``region`` at its level."""
        if self.level == "group":
            return True
        if self.province and self.province != region.province:
            return False
        if self.level in ("city", "county") and self.city != region.city:
            return False
        return self.level != "county" or self.county == region.county


@dataclass(frozen=True)
class ComplaintRouting:
    """Where complaint tickets go and the SLA they run under (a plan and the priority within it)."""

    group: str
    plan: str
    priority: str


@dataclass(frozen=True)
class DeskPolicy:
    """Everything the local desk needs to know from config, as plain values."""

    ticket_prefix: str
    priority_matrix: dict[str, dict[str, str]]
    plans: dict[str, Plan]
    default_plan: str
    timezone: ZoneInfo
    groups: tuple[SupportGroup, ...] = ()
    first_line: dict[str, str] = field(default_factory=lambda: {"industry": "city", "cluster": "county"})
    front_desk_group: str = "frontdoor"
    escalation_shares: tuple[float, ...] = (0.5, 0.75, 1.0)
    warning_share: float = 0.8
    otp_ttl: timedelta = timedelta(minutes=5)
    otp_max_attempts: int = 5
    otp_window: timedelta = timedelta(hours=1)
    otp_sends_per_identity: int = 5
    otp_sends_per_mobile: int = 10
    otp_message: str = "验证码 {code}，{minutes} 分钟内有效。"
    outbox_max_attempts: int = 5
    outbox_backoff: timedelta = timedelta(seconds=30)
    reopen_window: timedelta = timedelta(days=7)
    urge_interval: timedelta = timedelta(hours=1)
    complaints: "ComplaintRouting | None" = None

    def impact(self, tier: str | None) -> Level:
        """A key account's outage weighs more than a cluster customer's; unknown callers weigh least."""
        return IMPACT_BY_TIER.get(tier or "", Level.LOW)

    def priority(self, impact: Level, urgency: Level) -> str:
        """P1–P4 from the impact × urgency matrix."""
        return self.priority_matrix[impact.value][urgency.value]

    def plan(self, name: str | None) -> Plan:
        """The customer's service plan, or the default for callers without an account."""
        return self.plans.get(name or "", self.plans[self.default_plan])

    def target(self, plan: str | None, priority: str) -> SlaTarget:
        """Targets of ``priority`` under ``plan``; Invalid for an unknown priority."""
        try:
            return self.plan(plan).targets[priority]
        except KeyError:
            raise Invalid(f"unknown priority {priority!r}") from None

    def group(self, group_id: str) -> SupportGroup:
        """A configured group by id; Invalid when unknown."""
        for group in self.groups:
            if group.id == group_id:
                return group
        raise Invalid(f"unknown support group {group_id!r}")

    def first_line_group(self, tier: str | None, region: Region) -> SupportGroup:
        """The group that takes the first response for this tier and region; the front desk for unknown callers."""
        if tier not in self.first_line:
            return self.front_desk()
        return self.group_at(self.first_line[tier], region)

    def regions_within(self, name: str) -> tuple[Region, ...]:
        """The served regions at or below the place ``name`` (each with its parents): a place question covers them."""
        found = {Region(g.province, g.city, g.county) for g in self.groups if name in (g.province, g.city, g.county)}
        return tuple(sorted(found, key=lambda r: r.names())) or (Region(city=name),)

    def front_desk(self) -> SupportGroup:
        """The desk that takes first contacts (首问负责) and owns tickets to closure."""
        for group in self.groups:
            if group.id == self.front_desk_group:
                return group
        return SupportGroup(self.front_desk_group, self.front_desk_group, "province")

    def group_at(self, level: str, region: Region) -> SupportGroup:
        """The group at ``level`` serving ``region``, or the nearest level above that has one (never the front desk)."""
        for candidate in LEVELS[LEVELS.index(level):]:
            for group in self.groups:
                if group.level == candidate and self._in_hierarchy(group) and group.covers(region):
                    return group
        return self.front_desk()

    def _in_hierarchy(self, group: SupportGroup) -> bool:
        """The front desk and the complaint group take tickets only by their own rules, never by escalation."""
        complaints = self.complaints.group if self.complaints else None
        return group.id not in (self.front_desk_group, complaints)

    def above(self, group: SupportGroup, region: Region) -> SupportGroup | None:
        """The next level up from ``group`` for ``region``; None at the top."""
        index = LEVELS.index(group.level)
        if index + 1 >= len(LEVELS):
            return None
        return self.group_at(LEVELS[index + 1], region)

    def above_plan_limit(self, plan: str | None, group: SupportGroup) -> bool:
        """Whether ``group`` sits higher than a customer's urging may take a ticket of ``plan``."""
        return LEVELS.index(group.level) > LEVELS.index(self.plan(plan).max_level)

    def day_key(self, moment: datetime) -> str:
        """The local calendar day used in record numbers."""
        return moment.astimezone(self.timezone).strftime("%Y%m%d")


def always_open_plan(targets: dict[str, SlaTarget]) -> Plan:
    """A 7×24 plan (the common case, and the default in tests)."""
    return Plan(AlwaysOpen(), targets)
