"""Turns the `servicedesk` config section into the local desk's plain-value policy and its SMS sender."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from servicedesk.calendar import AlwaysOpen, BusinessCalendar, Calendar
from servicedesk.policy import ComplaintRouting, DeskPolicy, Plan, SlaTarget, SupportGroup
from servicedesk.database import PoolSize, Timeouts
from servicedesk.sms import LogOtpSender, OtpSender, TwilioSmsSender
from bot.config import Config
from bot.config_desk import CalendarConfig, PlanConfig


def _calendar(name: str, calendars: dict[str, CalendarConfig], zone: ZoneInfo) -> Calendar:
    if name == "7x24":
        return AlwaysOpen()
    spec = calendars[name]
    return BusinessCalendar(zone, frozenset(spec.weekdays), spec.opens, spec.closes, frozenset(spec.holidays),
                            frozenset(spec.workdays))


def _plan(spec: PlanConfig, calendars: dict[str, CalendarConfig], zone: ZoneInfo) -> Plan:
    targets = {p: SlaTarget(timedelta(minutes=t.response_minutes), timedelta(hours=t.resolution_hours))
               for p, t in spec.targets.items()}
    return Plan(_calendar(spec.calendar, calendars, zone), targets, spec.max_escalation)


def desk_policy(config: Config) -> DeskPolicy:
    """The local desk's rules from the `servicedesk` section."""
    section = config.servicedesk
    zone = ZoneInfo(config.timezone)
    return DeskPolicy(
        ticket_prefix=section.ticket_prefix,
        priority_matrix=section.priority_matrix,
        plans={name: _plan(spec, section.calendars, zone) for name, spec in section.plans.items()},
        default_plan=section.default_plan,
        timezone=zone,
        groups=tuple(SupportGroup(**g.model_dump()) for g in section.groups),
        first_line=dict(section.first_line),
        front_desk_group=section.front_desk_group,
        escalation_shares=tuple(section.escalation.shares),
        warning_share=section.escalation.warning_share,
        otp_ttl=timedelta(seconds=section.otp.ttl_s),
        otp_max_attempts=section.otp.max_attempts,
        otp_window=timedelta(seconds=section.otp.window_s),
        otp_sends_per_identity=section.otp.max_sends_per_identity,
        otp_sends_per_mobile=section.otp.max_sends_per_mobile,
        otp_message=section.otp.message,
        outbox_max_attempts=section.outbox.max_attempts,
        outbox_backoff=timedelta(seconds=section.outbox.backoff_s),
        reopen_window=timedelta(days=section.reopen_window_days),
        urge_interval=timedelta(minutes=section.urge.escalation_interval_minutes),
        complaints=ComplaintRouting(**section.complaints.model_dump()) if section.complaints else None,
    )


def db_timeouts(config: Config) -> Timeouts:
    """The database's connect, statement, pool and SQLite busy timeouts from the `storage` section."""
    section = config.storage
    return Timeouts(connect_s=section.connect_timeout_s, statement_s=section.statement_timeout_s,
                    pool_s=section.pool_timeout_s, busy_s=section.busy_timeout_s)


def db_pool(config: Config) -> PoolSize:
    """The database connections kept and opened in a burst, from the `storage` section."""
    return PoolSize(keep=config.storage.pool_size, burst=config.storage.max_overflow)


def otp_sender(config: Config) -> OtpSender:
    """Twilio when configured, else the log."""
    sms = config.servicedesk.sms
    if sms.backend == "twilio":
        return TwilioSmsSender(sms.twilio_account_sid, sms.twilio_auth_token.get_secret_value(), sms.twilio_from,
                               base_url=sms.twilio_base_url)
    return LogOtpSender()
