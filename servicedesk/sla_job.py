"""The SLA job: warnings, breaches and hierarchical escalations, each raised exactly once across processes."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend_client.errors import Conflict
from servicedesk.models import TicketRow
from servicedesk.records import region_of
from servicedesk.ticket_changes import TicketChanges
from servicedesk.ticket_clock import calendar_of, clock_of, next_check
from servicedesk.tickets import OPEN_VALUES
from backend_client.types import SYSTEM, SlaJobReport

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class _Counts:
    checked: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0

    def add(self, other: "_Counts") -> None:
        """Count a committed batch."""
        self.checked += other.checked
        self.warnings += other.warnings
        self.breaches += other.breaches
        self.escalations += other.escalations


class SlaJob(TicketChanges):
    """Only tickets whose next check is due are read; each batch is one transaction."""

    async def run_sla_job(self, now: datetime | None = None) -> SlaJobReport:
        """Process every due ticket; a batch another process changed first is skipped, not raised twice."""
        now = now or self._now()
        counts = _Counts()
        while True:
            batch = _Counts()
            try:
                async with self._tx() as session:
                    rows = await self._due(session, now)
                    for row in rows:
                        self._check(session, row, now, batch)
            except Conflict:
                log.info("sla.batch.raced: another process handled it first")
                continue
            counts.add(batch)
            if len(rows) < BATCH:
                break
        log.info("sla.job.done checked=%d warnings=%d breaches=%d escalations=%d", counts.checked,
                 counts.warnings, counts.breaches, counts.escalations)
        return SlaJobReport(counts.checked, counts.warnings, counts.breaches, counts.escalations)

    async def _due(self, session: AsyncSession, now: datetime) -> list[TicketRow]:
        query = (select(TicketRow).where(TicketRow.next_check_at <= now, TicketRow.status.in_(OPEN_VALUES))
                 .order_by(TicketRow.next_check_at).limit(BATCH))
        if self._locks_rows:
            query = query.with_for_update(skip_locked=True)
        return list((await session.scalars(query)).all())

    def _check(self, session: AsyncSession, row: TicketRow, now: datetime, counts: _Counts) -> None:
        counts.checked += 1
        calendar = calendar_of(row, self._policy)
        if row.responded_at is None and row.response_breached_at is None and row.response_due_at <= now:
            row.response_breached_at = now
            self._event(session, row, SYSTEM, "sla_breached", now, target="response", due=row.response_due_at.isoformat())
            counts.breaches += 1
        clock = clock_of(row)
        if clock.running_since is not None:
            share = clock.share(calendar, now) + 1e-9
            self._resolution_events(session, row, share, now, counts)
        row.next_check_at = next_check(row, self._policy, now)

    def _resolution_events(self, session: AsyncSession, row: TicketRow, share: float, now: datetime,
                           counts: _Counts) -> None:
        policy = self._policy
        if row.resolution_warned_at is None and share >= policy.warning_share:
            row.resolution_warned_at = now
            self._event(session, row, SYSTEM, "sla_warning", now, target="resolution", share=round(share, 3))
            self._notify_group(session, row, row.assigned_group, "sla_warning", now)
            counts.warnings += 1
        while row.escalation_level < len(policy.escalation_shares) and share >= policy.escalation_shares[
                row.escalation_level]:
            current = self._current_group(row)
            above = policy.above(current, region_of(row))
            reason = f"sla {int(policy.escalation_shares[row.escalation_level] * 100)}%"
            if above is None or above.id == current.id:
                row.escalation_level += 1
                self._event(session, row, SYSTEM, "escalation_top_reached", now, reason=reason)
                continue
            self._escalate_to(session, row, current, above, SYSTEM, now, reason)
            counts.escalations += 1
        if row.resolution_breached_at is None and share >= 1:
            row.resolution_breached_at = now
            self._event(session, row, SYSTEM, "sla_breached", now, target="resolution")
            counts.breaches += 1
