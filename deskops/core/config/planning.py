"""The `planning` section of the desk file: staffing target, shift patterns, people and rest rules.

Times of day (shift starts, availability windows) are local to the planning calendar's zone.
Shrinkage here is what the roster does not model itself (absence, training, meetings): the
breaks written in the shift patterns are already taken out of the covered intervals.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from fractions import Fraction
from typing import Literal, Self

from pydantic import field_validator, model_validator

from deskops.core.config.base import Duration, StrictModel
from deskops.core.config.calendars import WeeklyWindows, parse_days, weekly_windows
from deskops.core.planning.units import parse_service_level, parse_share

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_clock(text: str) -> time:
    """Turn `07:30` into a time of day."""
    match = _CLOCK.match(text.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"bad time of day {text!r}; write HH:MM, e.g. 07:30")
    return time(int(match[1]), int(match[2]))


def parse_leave(text: str) -> tuple[date, ...]:
    """Turn `2026-12-24` or a range `2026-12-28/2026-12-31` (both ends included) into days."""
    first_text, sep, last_text = text.partition("/")
    try:
        first = date.fromisoformat(first_text.strip())
        last = date.fromisoformat(last_text.strip()) if sep else first
    except ValueError as exc:
        raise ValueError(f"bad leave {text!r}; write YYYY-MM-DD or YYYY-MM-DD/YYYY-MM-DD") from exc
    if last < first:
        raise ValueError(f"leave {text!r} ends before it starts")
    return tuple(first + timedelta(days=i) for i in range((last - first).days + 1))


class BreakConfig(StrictModel):
    """An unpaid break: how long after the shift start it begins, and how long it lasts.

    With `latest`, the break may start anywhere from `after` to `latest` (in steps of the planning
    interval) and the roster picks the start, so breaks are staggered instead of all at once.
    """

    after: Duration
    length: Duration
    latest: Duration | None = None

    def starts(self, step: timedelta) -> tuple[timedelta, ...]:
        """Every allowed start offset, `after` first."""
        last = self.latest if self.latest is not None else self.after
        count = int((last - self.after) // step) + 1
        return tuple(self.after + i * step for i in range(count))


class ShiftPatternConfig(StrictModel):
    """A kind of shift: local start time, length (breaks included), breaks, and the days it runs."""

    start: str
    length: Duration
    breaks: tuple[BreakConfig, ...] = ()
    days: str = "mon-sun"

    @field_validator("start")
    @classmethod
    def _clock(cls, value: str) -> str:
        parse_clock(value)
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value: str) -> str:
        parse_days(value)
        return value

    @model_validator(mode="after")
    def _breaks_fit(self) -> Self:
        if self.length <= timedelta(0) or self.length > timedelta(hours=16):
            raise ValueError("a shift lasts more than zero and at most 16 hours")
        for item in self.breaks:
            if item.length <= timedelta(0):
                raise ValueError("a break must be longer than zero")
            if item.latest is not None and item.latest < item.after:
                raise ValueError(f"the break's latest start {item.latest} is before its earliest {item.after}")
            if max(item.after, item.latest or item.after) + item.length > self.length:
                raise ValueError(f"the break after {item.after} does not fit inside the {self.length} shift")
        return self

    def weekdays(self) -> frozenset[int]:
        """The weekdays (Monday = 0) the shift runs on."""
        return frozenset(parse_days(self.days))


class PlanningPersonConfig(StrictModel):
    """Someone the roster may plan: skills, weekly hours, when they can work, leave."""

    skills: tuple[str, ...]
    contracted_hours: float = 0
    max_weekly_hours: float | None = None
    availability: dict[str, tuple[str, ...]] | Literal["always"] = "always"
    leave: tuple[str, ...] = ()
    shifts: tuple[str, ...] | None = None

    @field_validator("availability")
    @classmethod
    def _windows(cls, value: dict[str, tuple[str, ...]] | Literal["always"]) -> object:
        if value != "always":
            weekly_windows(value)
        return value

    @field_validator("leave")
    @classmethod
    def _leave(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            parse_leave(text)
        return value

    @model_validator(mode="after")
    def _hours(self) -> Self:
        if self.contracted_hours < 0 or (self.max_weekly_hours is not None and self.max_weekly_hours <= 0):
            raise ValueError("weekly hours must be positive")
        return self

    def weekly(self) -> WeeklyWindows | None:
        """Availability as seven window lists (Monday first), or None when always available."""
        return None if self.availability == "always" else weekly_windows(self.availability)

    def leave_days(self) -> tuple[date, ...]:
        """Every day of leave."""
        return tuple(day for text in self.leave for day in parse_leave(text))


class RestRulesConfig(StrictModel):
    """Working-time rules: rest between shifts, rest days per week, maximum weekly hours."""

    min_rest: Duration = timedelta(hours=11)
    rest_days_per_week: int = 1
    max_weekly_hours: float = 48

    @model_validator(mode="after")
    def _sane(self) -> Self:
        if not 0 <= self.rest_days_per_week <= 7:
            raise ValueError("rest_days_per_week is between 0 and 7")
        if self.max_weekly_hours <= 0:
            raise ValueError("max_weekly_hours must be positive")
        return self


class StaffingConfig(StrictModel):
    """The staffing target for each interval: service level and/or ASA, occupancy cap, shrinkage, AHT."""

    aht: Duration
    service_level: str | None = "80/20s"
    asa: Duration | None = None
    max_occupancy: str | None = None
    shrinkage: str = "0%"
    concurrency: int = 1
    patience: Duration | None = None
    """Mean patience of waiting callers: when given, staffing uses Erlang A (callers who give up)."""

    @model_validator(mode="after")
    def _parse(self) -> Self:
        if self.service_level is None and self.asa is None:
            raise ValueError("give service_level (e.g. 80/20s) or asa (e.g. 30s)")
        if self.service_level is not None:
            parse_service_level(self.service_level)
        if self.max_occupancy is not None:
            parse_share(self.max_occupancy)
        if parse_share(self.shrinkage) >= 1:
            raise ValueError("shrinkage must be below 100 %")
        if self.concurrency < 1 or self.aht <= timedelta(0):
            raise ValueError("concurrency is at least 1 and aht longer than zero")
        if self.patience is not None and (self.patience <= timedelta(0) or self.concurrency > 1):
            raise ValueError("patience (Erlang A) must be longer than zero and is for calls, not concurrent chats")
        return self

    def shrinkage_share(self) -> Fraction:
        """The shrinkage as an exact fraction."""
        return parse_share(self.shrinkage)


class PlanningConfig(StrictModel):
    """Workforce planning for the desk: which calendar, interval, target, shifts and people."""

    calendar: str
    interval: Duration = timedelta(minutes=30)
    skill: str = "level-1"
    """The skill that counts towards the desk's requirement."""
    min_agents_open: int = 1
    """Never fewer people than this during the calendar's service hours, whatever the forecast."""
    minimums: dict[str, int] = {}
    """Skill → people on duty who have it while the desk is open (languages, support levels), e.g. {de: 1}."""
    staffing: StaffingConfig
    rules: RestRulesConfig = RestRulesConfig()
    shifts: dict[str, ShiftPatternConfig]
    people: dict[str, PlanningPersonConfig] = {}
    solver_seconds: float = 10

    @model_validator(mode="after")
    def _references(self) -> Self:
        if timedelta(days=1) % self.interval or self.interval < timedelta(minutes=5):
            raise ValueError(f"interval {self.interval} must divide a day, e.g. 15m, 30m or 1h")
        if not self.shifts:
            raise ValueError("give at least one shift pattern")
        for name, person in self.people.items():
            unknown = [s for s in person.shifts or () if s not in self.shifts]
            if unknown:
                raise ValueError(f"people.{name}.shifts: unknown shift {unknown[0]!r}; known: {', '.join(self.shifts)}")
        if any(n < 0 for n in self.minimums.values()):
            raise ValueError("minimums: a skill minimum cannot be negative")
        if self.min_agents_open < 0 or self.solver_seconds <= 0:
            raise ValueError("min_agents_open cannot be negative and solver_seconds must be positive")
        return self
