"""The notification outbox: claimed with a lease, delivered once, retried with back-off, given up after the last try."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend_client.errors import NotFound
from servicedesk.base import DeskBase
from servicedesk.models import NotificationRow
from servicedesk.records import to_notification
from backend_client.types import Notification

DUE_STATES = ("pending", "in_flight")
"""An in-flight claim whose lease ran out (its deliverer died) is due again."""


class Outbox(DeskBase):
    """What channel workers call to deliver notifications."""

    async def claim_notifications(self, channel: str, *, limit: int = 50, lease_s: float = 60) -> list[Notification]:
        """Due notifications of ``channel``, leased to the caller for ``lease_s``."""
        async with self._tx() as session:
            now = self._now()
            query = (select(NotificationRow)
                     .where(NotificationRow.channel == channel, NotificationRow.state.in_(DUE_STATES),
                            NotificationRow.next_attempt_at <= now)
                     .order_by(NotificationRow.next_attempt_at, NotificationRow.id).limit(limit))
            if self._locks_rows:
                query = query.with_for_update(skip_locked=True)
            rows = (await session.scalars(query)).all()
            for row in rows:
                row.state, row.attempts = "in_flight", row.attempts + 1
                row.next_attempt_at = now + timedelta(seconds=lease_s)
            return [to_notification(row) for row in rows]

    async def notification_delivered(self, notification_id: int, detail: str = "") -> None:
        """Delivered: never sent again."""
        async with self._tx() as session:
            row = await self._row(session, notification_id)
            row.state, row.delivered_at, row.last_error = "delivered", self._now(), detail or None

    async def notification_failed(self, notification_id: int, error: str, *, retry: bool) -> None:
        """Back off exponentially, or give up (state `dead`) when not retryable or out of attempts."""
        async with self._tx() as session:
            row = await self._row(session, notification_id)
            row.last_error = error[:500]
            if retry and row.attempts < self._policy.outbox_max_attempts:
                row.state = "pending"
                row.next_attempt_at = self._now() + self._policy.outbox_backoff * (2 ** max(0, row.attempts - 1))
            else:
                row.state = "dead"

    @staticmethod
    async def _row(session, notification_id: int) -> NotificationRow:  # type: ignore[no-untyped-def]
        row = await session.get(NotificationRow, notification_id)
        if row is None:
            raise NotFound(f"notification {notification_id}")
        return row
