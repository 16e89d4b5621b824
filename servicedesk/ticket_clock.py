"""A ticket row's SLA state: its resolution clock, its deadlines and when the SLA job must look at it next."""
from __future__ import annotations

from datetime import datetime, timedelta

from servicedesk.calendar import Calendar
from servicedesk.models import TicketRow
from servicedesk.policy import DeskPolicy
from servicedesk.sla import Clock

MIN_RECHECK = timedelta(seconds=1)
"""A next check is always in the future, so one job run never loops on a ticket."""


def calendar_of(row: TicketRow, policy: DeskPolicy) -> Calendar:
    """The calendar of the ticket's service plan."""
    return policy.plan(row.service_plan).calendar


def clock_of(row: TicketRow) -> Clock:
    """The resolution clock stored on the row."""
    return Clock(row.resolution_target_s, row.sla_consumed_s, row.sla_running_since)


def store_clock(row: TicketRow, clock: Clock, policy: DeskPolicy, now: datetime) -> None:
    """Write the clock back, with its deadline and the next SLA check."""
    row.resolution_target_s = clock.target_s
    row.sla_consumed_s = clock.consumed_s
    row.sla_running_since = clock.running_since
    row.resolution_due_at = clock.due(calendar_of(row, policy))
    row.next_check_at = next_check(row, policy, now)


def next_check(row: TicketRow, policy: DeskPolicy, now: datetime) -> datetime | None:
    """The earliest pending warning, escalation, breach or response deadline; None when nothing is pending."""
    calendar = calendar_of(row, policy)
    clock = clock_of(row)
    moments: list[datetime | None] = []
    if row.responded_at is None and row.response_breached_at is None:
        moments.append(row.response_due_at)
    if clock.running_since is not None:
        if row.resolution_warned_at is None:
            moments.append(clock.at_share(calendar, policy.warning_share))
        moments += [clock.at_share(calendar, share) for share in policy.escalation_shares[row.escalation_level:]]
        if row.resolution_breached_at is None:
            moments.append(clock.due(calendar))
    pending = [moment for moment in moments if moment is not None]
    return max(min(pending), now + MIN_RECHECK) if pending else None
