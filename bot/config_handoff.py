"""The `handoff` config section: whether agents take chats, which group, their hours and the waiting timeout."""
from __future__ import annotations

from datetime import date, time

from pydantic import Field, model_validator

from bot.config_base import Section
from dialogue.handoff import BusinessHours, HandoffSettings


class HandoffHoursConfig(Section):
    """When agents answer chats (desk time zone); outside them the customer is offered a callback ticket."""

    weekdays: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    opens: time = time(8, 30)
    closes: time = time(17, 30)
    holidays: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sensible(self) -> "HandoffHoursConfig":
        if not self.weekdays or any(not 1 <= d <= 7 for d in self.weekdays):
            raise ValueError("weekdays are ISO numbers 1 (Monday) to 7 (Sunday), at least one")
        if self.opens >= self.closes:
            raise ValueError("opens must be before closes")
        return self


class HandoffConfig(Section):
    """Hand-off to human agents (bot -> waiting -> agent -> bot)."""

    enabled: bool = True
    group: str = Field("gd-400", min_length=1)
    waiting_timeout_s: int = Field(300, ge=10)
    agents_available: bool = True   # what the bot assumes until an agent desk reports presence
    hours: HandoffHoursConfig | None = None   # null: around the clock

    def settings(self) -> HandoffSettings:
        """The dialogue's view of this section."""
        hours = self.hours
        return HandoffSettings(
            enabled=self.enabled, group=self.group, waiting_timeout_s=float(self.waiting_timeout_s),
            hours=BusinessHours(frozenset(hours.weekdays), hours.opens, hours.closes, frozenset(hours.holidays))
            if hours else None)
