"""The `schedules` section of the desk file: on-call rotations, layers and overrides.

```yaml
schedules:
  network-oncall:
    timezone: Europe/Zurich        # handoffs happen at local wall-clock time in this zone
    layers:                        # later layers take precedence where they have someone on call
      - name: weekly
        rotation: weekly           # daily | weekly | Nd (every N days, e.g. 3d)
        handoff: "09:00"           # local time of each handoff
        start: 2026-01-05          # local date of the first handoff (weekly: its weekday repeats)
        members: [bob, alice]      # one person per shift, in turn; [bob, erin] as an entry = both
      - name: weekday-days
        rotation: daily
        start: 2026-01-05
        members: [carol]
        restrict: {mon-fri: ["08:00-18:00"]}   # this layer covers only these local hours
    overrides:                     # half-open [start, end); naive times are in the schedule's zone
      - {who: carol, start: "2026-12-24T18:00", end: "2026-12-27T09:00"}
```

The rotation arithmetic lives in `deskops.core.escalation.oncall`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pydantic import field_validator, model_validator

from deskops.core.config.base import StrictModel
from deskops.core.config.calendars import known_zone, weekly_windows, window_lists

_HANDOFF = re.compile(r"^(\d{1,2}):(\d{2})$")
_EVERY_N_DAYS = re.compile(r"^(\d+)d$")
MAX_ROTATION_DAYS = 366


def rotation_days(rotation: str) -> int:
    """Turn `daily`, `weekly` or `Nd` into the length of one shift in days."""
    text = rotation.strip().lower()
    if text == "daily":
        return 1
    if text == "weekly":
        return 7
    match = _EVERY_N_DAYS.match(text)
    if match is None or not 1 <= int(match[1]) <= MAX_ROTATION_DAYS:
        raise ValueError(
            f"bad rotation {rotation!r}; write daily, weekly or a number of days like 3d (1d to {MAX_ROTATION_DAYS}d)"
        )
    return int(match[1])


def parse_handoff(text: str) -> time:
    """Turn `09:00` into a local wall-clock time of day."""
    match = _HANDOFF.match(text.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"bad handoff time {text!r}; write HH:MM between 00:00 and 23:59, e.g. 09:00")
    return time(int(match[1]), int(match[2]))


class LayerConfig(StrictModel):
    """One rotation: people take turns in shifts of a fixed number of days, handing off at a local time."""

    name: str
    rotation: str = "weekly"
    handoff: str = "09:00"
    start: date
    until: date | None = None
    members: tuple[str | tuple[str, ...], ...]
    restrict: dict[str, tuple[str, ...]] | None = None

    @field_validator("rotation")
    @classmethod
    def _rotation(cls, value: str) -> str:
        rotation_days(value)
        return value

    @field_validator("handoff")
    @classmethod
    def _handoff(cls, value: str) -> str:
        parse_handoff(value)
        return value

    @field_validator("members")
    @classmethod
    def _members(cls, value: tuple[str | tuple[str, ...], ...]) -> tuple[str | tuple[str, ...], ...]:
        if not value:
            raise ValueError("a layer needs at least one member, e.g. members: [alice, bob]")
        if any(isinstance(slot, tuple) and not slot for slot in value):
            raise ValueError("an empty group of members in a layer; list at least one person per entry")
        return value

    @field_validator("restrict", mode="before")
    @classmethod
    def _single_window(cls, value: object) -> object:
        return window_lists(value)

    @field_validator("restrict")
    @classmethod
    def _restrict(cls, value: dict[str, tuple[str, ...]] | None) -> dict[str, tuple[str, ...]] | None:
        if value is not None and not any(weekly_windows(value)):
            raise ValueError("a restriction with no hours would never be on call; e.g. mon-fri: ['08:00-18:00']")
        return value

    @model_validator(mode="after")
    def _until_after_start(self) -> LayerConfig:
        if self.until is not None and self.until <= self.start:
            raise ValueError(f"layer {self.name!r} ends ({self.until}) before it starts ({self.start})")
        return self

    def slots(self) -> tuple[tuple[str, ...], ...]:
        """The turns of the rotation, each a tuple of the people on call together."""
        return tuple((slot,) if isinstance(slot, str) else slot for slot in self.members)

    def people(self) -> set[str]:
        """Everyone named in this layer."""
        return {person for slot in self.slots() for person in slot}


class OverrideConfig(StrictModel):
    """Someone covers a slot: on call for `[start, end)` in place of whoever the layers say."""

    who: str
    start: datetime
    end: datetime
    reason: str | None = None


class ScheduleConfig(StrictModel):
    """An on-call schedule: a zone for handoffs, layers of rotations, and overrides on top."""

    timezone: str
    description: str | None = None
    layers: tuple[LayerConfig, ...]
    overrides: tuple[OverrideConfig, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return known_zone(value)

    @field_validator("layers")
    @classmethod
    def _layers(cls, value: tuple[LayerConfig, ...]) -> tuple[LayerConfig, ...]:
        if not value:
            raise ValueError("a schedule needs at least one layer (a rotation with members)")
        names = [layer.name for layer in value]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"layer names must be unique within a schedule; repeated: {', '.join(duplicates)}")
        return value

    @model_validator(mode="after")
    def _overrides_ordered(self) -> ScheduleConfig:
        for i, override in enumerate(self.overrides):
            if self.localize(override.end) <= self.localize(override.start):
                raise ValueError(
                    f"overrides[{i}] ({override.who}) ends at {override.end.isoformat()}, not after its start "
                    f"{override.start.isoformat()}; an override is the half-open interval [start, end)"
                )
        return self

    def zone(self) -> ZoneInfo:
        """The schedule's time zone."""
        return ZoneInfo(self.timezone)

    def localize(self, at: datetime) -> datetime:
        """Read a naive override time as local time in the schedule's zone; keep aware ones as given."""
        return at.replace(tzinfo=self.zone()) if at.tzinfo is None else at

    def people(self) -> set[str]:
        """Everyone named in the schedule's layers and overrides."""
        named = {person for layer in self.layers for person in layer.people()}
        return named | {override.who for override in self.overrides}


def schedule_reference_problems(schedules: dict[str, ScheduleConfig], *, people: set[str]) -> list[str]:
    """Everyone a schedule puts on call must be a person the desk knows; each problem starts with its path."""
    known = ", ".join(sorted(people)) or "none defined; add a people section"
    problems: list[str] = []
    for name, schedule in schedules.items():
        for i, layer in enumerate(schedule.layers):
            for j, slot in enumerate(layer.slots()):
                problems.extend(
                    f"schedules.{name}.layers[{i}].members[{j}]: unknown person {person!r} (known: {known})"
                    for person in slot
                    if person not in people
                )
        problems.extend(
            f"schedules.{name}.overrides[{i}].who: unknown person {override.who!r} (known: {known})"
            for i, override in enumerate(schedule.overrides)
            if override.who not in people
        )
    return problems
