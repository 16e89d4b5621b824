"""SLA calendars: 7×24, or business hours with weekdays, public holidays and make-up workdays (调休)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

MAX_DAYS = 3660
"""Guards the day-by-day walk against a calendar with no working time at all."""


class Calendar(Protocol):
    """Working time arithmetic for SLA clocks; all datetimes are timezone-aware."""

    def add(self, start: datetime, seconds: float) -> datetime:
        """The moment ``seconds`` of working time after ``start``."""
        ...

    def between(self, start: datetime, end: datetime) -> float:
        """Working seconds from ``start`` to ``end`` (0 when end is before start)."""
        ...


class AlwaysOpen:
    """The 7×24 calendar."""

    def add(self, start: datetime, seconds: float) -> datetime:
        """Plain addition."""
        return start + timedelta(seconds=seconds)

    def between(self, start: datetime, end: datetime) -> float:
        """Plain difference, never negative."""
        return max(0.0, (end - start).total_seconds())


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours on working days, in the desk's time zone."""

    zone: ZoneInfo
    weekdays: frozenset[int]
    opens: time
    closes: time
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def is_workday(self, day: date) -> bool:
        """Make-up workdays count, holidays do not, otherwise the weekday decides."""
        return day in self.workdays or (day.isoweekday() in self.weekdays and day not in self.holidays)

    def _window(self, day: date) -> tuple[datetime, datetime]:
        opens = datetime.combine(day, self.opens, self.zone).astimezone(timezone.utc)
        closes = datetime.combine(day, self.closes, self.zone).astimezone(timezone.utc)
        return opens, closes

    def _windows_from(self, start: datetime):  # type: ignore[no-untyped-def]
        day = start.astimezone(self.zone).date()
        for offset in range(MAX_DAYS):
            current = day + timedelta(days=offset)
            if self.is_workday(current):
                yield self._window(current)
        raise ValueError("business calendar has no working time")

    def add(self, start: datetime, seconds: float) -> datetime:
        """Walk the working windows until ``seconds`` are used up."""
        remaining = seconds
        for opens, closes in self._windows_from(start):
            cursor = max(start, opens)
            if cursor >= closes:
                continue
            available = (closes - cursor).total_seconds()
            if remaining <= available:
                return cursor + timedelta(seconds=remaining)
            remaining -= available
        raise AssertionError("unreachable")

    def between(self, start: datetime, end: datetime) -> float:
        """Sum of the overlaps of [start, end) with the working windows."""
        total = 0.0
        for opens, closes in self._windows_from(start):
            if opens >= end:
                break
            total += max(0.0, (min(end, closes) - max(start, opens)).total_seconds())
        return total
