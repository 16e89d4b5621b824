"""The `servicedesk` config section: backend, SLA plans and calendars, routing, escalation, SMS, outbox."""
from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from bot.config_base import Section

LEVELS = ("county", "city", "province", "group")
Level = Literal["county", "city", "province", "group"]


class SlaTarget(Section):
    """Response and resolution targets of one priority."""

    response_minutes: int = Field(ge=1)
    resolution_hours: float = Field(gt=0)


def _targets(table: dict[str, tuple[int, float]]) -> dict[str, SlaTarget]:
    return {p: SlaTarget(response_minutes=r, resolution_hours=h) for p, (r, h) in table.items()}


class CalendarConfig(Section):
    """Business hours for plans that do not run 7×24; holidays and make-up workdays (调休) by date."""

    weekdays: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    opens: time = time(8, 30)
    closes: time = time(17, 30)
    holidays: list[date] = Field(default_factory=list)
    workdays: list[date] = Field(default_factory=list)


class PlanConfig(Section):
    """A service plan: its calendar (`7x24` or a name under `calendars`) and targets per priority."""

    calendar: str = "7x24"
    targets: dict[str, SlaTarget]
    max_escalation: Level = "group"   # the highest level a customer's urging may take this plan's tickets to


def _default_plans() -> dict[str, PlanConfig]:
    return {
        "gold": PlanConfig(targets=_targets({"P1": (15, 4), "P2": (30, 8), "P3": (60, 24), "P4": (240, 72)})),
        "silver": PlanConfig(targets=_targets({"P1": (30, 6), "P2": (60, 12), "P3": (120, 24), "P4": (480, 72)}),
                             max_escalation="province"),
        "bronze": PlanConfig(targets=_targets({"P1": (60, 8), "P2": (120, 24), "P3": (240, 48), "P4": (480, 96)}),
                             max_escalation="city"),
    }


class SupportGroupConfig(Section):
    """A support group at one level of the hierarchy, for a region."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    name: str
    level: Level
    province: str = ""
    city: str = ""
    county: str = ""


class EscalationConfig(Section):
    """Shares of the resolution target at which a ticket climbs one level, and the warning share."""

    shares: list[float] = Field(default_factory=lambda: [0.5, 0.75, 1.0])
    warning_share: float = Field(0.8, gt=0, le=1)


class UrgeConfig(Section):
    """Customers' urging (催单): at most one escalation per tier in this interval (and never past the plan's level)."""

    escalation_interval_minutes: int = Field(60, ge=0)


class ComplaintsConfig(Section):
    """Complaint tickets: the group that handles them and their SLA (a plan and a priority within it)."""

    group: str
    plan: str
    priority: str = "P2"


class OtpConfig(Section):
    """One-time codes for binding a channel identity to a contact, and how often anyone may ask for or try them."""

    ttl_s: int = Field(300, ge=60)
    max_attempts: int = Field(5, ge=1)              # wrong codes per channel identity in the window, across restarts
    window_s: int = Field(3600, ge=60)
    max_sends_per_identity: int = Field(5, ge=1)    # codes requested by one channel identity in the window
    max_sends_per_mobile: int = Field(10, ge=1)     # codes requested for one mobile number in the window
    message: str = "【政企客服】您的验证码是 {code}，{minutes} 分钟内有效，请勿告诉他人。"


class SmsConfig(Section):
    """How codes reach the mobile: logged (development) or Twilio SMS (secrets from env)."""

    backend: Literal["log", "twilio"] = "log"
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None
    twilio_base_url: str = "https://api.twilio.com"

    @model_validator(mode="after")
    def _twilio_needs_credentials(self) -> "SmsConfig":
        if self.backend == "twilio" and not (self.twilio_account_sid and self.twilio_auth_token and self.twilio_from):
            raise ValueError("twilio_account_sid, twilio_auth_token and twilio_from are required for twilio")
        return self


class OutboxConfig(Section):
    """Delivery attempts of customer notifications."""

    max_attempts: int = Field(5, ge=1)
    backoff_s: float = Field(30, gt=0)


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
    plans: dict[str, PlanConfig] = Field(default_factory=_default_plans)
    default_plan: str = "bronze"
    calendars: dict[str, CalendarConfig] = Field(default_factory=lambda: {"business": CalendarConfig()})
    groups: list[SupportGroupConfig] = Field(default_factory=list)
    first_line: dict[str, Level] = Field(default_factory=lambda: {"industry": "city", "cluster": "county"})
    front_desk_group: str = "frontdoor"
    escalation: EscalationConfig = EscalationConfig()
    reopen_window_days: float = Field(7, ge=0)   # "the fault is back" reopens a ticket resolved this recently
    urge: UrgeConfig = UrgeConfig()
    complaints: ComplaintsConfig | None = None   # None: the desk refuses complaint tickets
    otp: OtpConfig = OtpConfig()
    sms: SmsConfig = SmsConfig()
    outbox: OutboxConfig = OutboxConfig()

    @model_validator(mode="after")
    def _plans_are_complete(self) -> "ServiceDeskConfig":
        priorities = {p for row in self.priority_matrix.values() for p in row.values()}
        if self.default_plan not in self.plans:
            raise ValueError(f"default_plan {self.default_plan!r} is not under plans")
        for name, plan in self.plans.items():
            if plan.calendar != "7x24" and plan.calendar not in self.calendars:
                raise ValueError(f"plans.{name}.calendar: no calendar named {plan.calendar!r}")
            if missing := priorities - set(plan.targets):
                raise ValueError(f"plans.{name}.targets: missing {sorted(missing)}")
        return self

    @model_validator(mode="after")
    def _references_exist(self) -> "ServiceDeskConfig":
        """Every group and plan named elsewhere in the section is defined (a typo fails at start, not at a ticket)."""
        ids = [group.id for group in self.groups]
        if len(ids) != len(set(ids)):
            raise ValueError(f"groups: duplicate ids {sorted({i for i in ids if ids.count(i) > 1})}")
        if ids and self.front_desk_group not in ids:
            raise ValueError(f"front_desk_group {self.front_desk_group!r} is not one of the groups {ids}")
        levels = {group.level for group in self.groups}
        for tier, level in self.first_line.items():
            if ids and not levels & set(LEVELS[LEVELS.index(level):]):
                raise ValueError(f"first_line.{tier}: no group at level {level!r} or above")
        if self.complaints is not None:
            if self.complaints.group not in ids:
                raise ValueError(f"complaints.group {self.complaints.group!r} is not one of the groups {ids}")
            if self.complaints.plan not in self.plans:
                raise ValueError(f"complaints.plan {self.complaints.plan!r} is not under plans")
            if self.complaints.priority not in self.plans[self.complaints.plan].targets:
                raise ValueError(f"complaints.priority {self.complaints.priority!r} has no target in "
                                 f"plans.{self.complaints.plan}")
        return self

    @model_validator(mode="after")
    def _http_needs_url_and_token(self) -> "ServiceDeskConfig":
        if self.backend == "http" and not (self.url and self.token):
            raise ValueError("url and token (FRONTDOOR_SERVICEDESK__TOKEN) are required when backend is http")
        return self
