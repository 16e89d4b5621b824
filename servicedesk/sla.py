"""The resolution clock: runs on a calendar, pauses while waiting on the customer or a problem, stops at resolution."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from servicedesk.calendar import Calendar


@dataclass(frozen=True)
class Clock:
    """Working seconds consumed before ``running_since`` (None while paused or stopped) against a target."""

    target_s: float
    consumed_s: float = 0.0
    running_since: datetime | None = None

    def elapsed(self, calendar: Calendar, now: datetime) -> float:
        """Working seconds used so far."""
        running = calendar.between(self.running_since, now) if self.running_since else 0.0
        return self.consumed_s + running

    def share(self, calendar: Calendar, now: datetime) -> float:
        """Elapsed share of the target (1.0 = due)."""
        return self.elapsed(calendar, now) / self.target_s

    def due(self, calendar: Calendar) -> datetime | None:
        """When the target is reached if the clock keeps running; None while paused."""
        if self.running_since is None:
            return None
        return calendar.add(self.running_since, max(0.0, self.target_s - self.consumed_s))

    def at_share(self, calendar: Calendar, share: float) -> datetime | None:
        """When the elapsed share reaches ``share`` (None while paused)."""
        if self.running_since is None:
            return None
        return calendar.add(self.running_since, max(0.0, share * self.target_s - self.consumed_s))

    def pause(self, calendar: Calendar, now: datetime) -> "Clock":
        """Stop counting, keeping what was used."""
        if self.running_since is None:
            return self
        return Clock(self.target_s, self.elapsed(calendar, now), None)

    def resume(self, now: datetime) -> "Clock":
        """Count again from ``now``."""
        return self if self.running_since else Clock(self.target_s, self.consumed_s, now)

    def retarget(self, target_s: float) -> "Clock":
        """Same start and consumption, another target (priority change: retroactive start)."""
        return Clock(target_s, self.consumed_s, self.running_since)
