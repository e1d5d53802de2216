"""Who is on call: rotations with local-time handoffs, stacked layers and overrides (pure).

Rules:
- A layer's shift k starts at the handoff time on local day `start + k * N days` in the schedule's
  zone, so a weekly shift lasts 167 h or 169 h when it spans a DST change: the handoff stays at
  09:00 on the wall clock. A handoff time that does not exist that day (inside a spring-forward
  gap) is read with fold=0, i.e. it happens just after the gap.
- Members take turns in the order listed; an entry may be a group of people on call together.
- A `restrict`ed layer covers only its local windows. Later layers take precedence over earlier
  ones wherever they have someone on call; earlier layers fill the gaps.
- Overrides are half-open `[start, end)` and take precedence over every layer; where overrides
  overlap, the one listed last wins.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from deskops.core.clock import ensure_utc
from deskops.core.config.calendars import weekly_windows
from deskops.core.config.oncall import LayerConfig, ScheduleConfig, parse_handoff, rotation_days
from deskops.core.escalation.windows import WeeklyWindow

OVERRIDE = "override"
"""The `source` of an assignment that comes from an override rather than a layer."""


@dataclass(frozen=True)
class Assignment:
    """Who is on call over `[start, end)`, and which layer (or `override`) put them there."""

    people: tuple[str, ...]
    source: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Rotation:
    """One layer's rotation in its zone: shift k runs from handoff k to handoff k + 1."""

    name: str
    zone: ZoneInfo
    first_day: date
    handoff: time
    days_per_shift: int
    slots: tuple[tuple[str, ...], ...]
    last_day: date | None = None
    window: WeeklyWindow | None = None

    @classmethod
    def from_config(cls, layer: LayerConfig, zone: ZoneInfo) -> Rotation:
        """Build the rotation of one configured layer in the schedule's zone."""
        window = WeeklyWindow(zone, weekly_windows(layer.restrict)) if layer.restrict else None
        return cls(
            name=layer.name,
            zone=zone,
            first_day=layer.start,
            handoff=parse_handoff(layer.handoff),
            days_per_shift=rotation_days(layer.rotation),
            slots=layer.slots(),
            last_day=layer.until,
            window=window,
        )

    def handoff_at(self, k: int) -> datetime:
        """The UTC instant of handoff k (k = 0 is the first), at local wall-clock time."""
        day = self.first_day + timedelta(days=k * self.days_per_shift)
        return datetime.combine(day, self.handoff, tzinfo=self.zone).astimezone(UTC)

    def begins(self) -> datetime:
        """When the layer starts covering (its first handoff)."""
        return self.handoff_at(0)

    def ends(self) -> datetime | None:
        """When the layer stops covering (the handoff time on its `until` day), if ever."""
        if self.last_day is None:
            return None
        return datetime.combine(self.last_day, self.handoff, tzinfo=self.zone).astimezone(UTC)

    def covers(self, at: datetime) -> bool:
        """True when the layer is in force at `at` (between its start and end, inside its window)."""
        end = self.ends()
        if at < self.begins() or (end is not None and at >= end):
            return False
        return self.window is None or self.window.contains(at)

    def shift_index(self, at: datetime) -> int:
        """The index k of the shift running at `at` (at or after the layer's first handoff)."""
        elapsed_days = (at.astimezone(self.zone).date() - self.first_day).days
        k = elapsed_days // self.days_per_shift
        # on the handoff day itself, before the handoff time, the previous shift still runs
        return k - 1 if self.handoff_at(k) > at else k

    def on_call(self, at: datetime) -> tuple[str, ...]:
        """The people this layer puts on call at `at`; empty where it does not cover."""
        if not self.covers(at):
            return ()
        return self.slots[self.shift_index(at) % len(self.slots)]

    def edges(self, start: datetime, end: datetime) -> set[datetime]:
        """Every instant in `[start, end)` where this layer's answer may change."""
        found = {edge for edge in (self.begins(), self.ends()) if edge is not None and start <= edge < end}
        k = max(self.shift_index(start), 0) if start >= self.begins() else 0
        while (handoff := self.handoff_at(k)) < end:
            if handoff >= start:
                found.add(handoff)
            k += 1
        if self.window is not None:
            found |= self.window.edges(start, end)
        return found


@dataclass(frozen=True)
class Override:
    """`who` covers `[start, end)` in place of the layers."""

    who: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Schedule:
    """A named on-call schedule: layers of rotations and overrides on top."""

    name: str
    zone: ZoneInfo
    rotations: tuple[Rotation, ...]
    overrides: tuple[Override, ...] = ()

    @classmethod
    def from_config(cls, name: str, config: ScheduleConfig) -> Schedule:
        """Build the schedule `name` from its desk-file section."""
        zone = config.zone()
        return cls(
            name=name,
            zone=zone,
            rotations=tuple(Rotation.from_config(layer, zone) for layer in config.layers),
            overrides=tuple(
                Override(o.who, ensure_utc(config.localize(o.start)), ensure_utc(config.localize(o.end)))
                for o in config.overrides
            ),
        )

    def _answer(self, at: datetime) -> tuple[tuple[str, ...], str]:
        for override in reversed(self.overrides):
            if override.start <= at < override.end:
                return (override.who,), OVERRIDE
        for rotation in reversed(self.rotations):
            people = rotation.on_call(at)
            if people:
                return people, rotation.name
        return (), ""

    def _edges(self, start: datetime, end: datetime) -> list[datetime]:
        found = {start}
        for rotation in self.rotations:
            found |= rotation.edges(start, end)
        for override in self.overrides:
            found.update(edge for edge in (override.start, override.end) if start <= edge < end)
        return sorted(found)

    def timeline(self, start: datetime, end: datetime) -> list[Assignment]:
        """The final schedule over `[start, end)`: consecutive assignments, gaps included as empty."""
        start, end = ensure_utc(start), ensure_utc(end)
        if end <= start:
            raise ValueError(f"empty period: {end.isoformat()} is not after {start.isoformat()}")
        edges = self._edges(start, end)
        result: list[Assignment] = []
        for i, edge in enumerate(edges):
            people, source = self._answer(edge)
            stop = edges[i + 1] if i + 1 < len(edges) else end
            if result and (result[-1].people, result[-1].source) == (people, source):
                result[-1] = Assignment(people, source, result[-1].start, stop)
            else:
                result.append(Assignment(people, source, edge, stop))
        return result

    def who(self, at: datetime, *, horizon: timedelta = timedelta(days=62)) -> Assignment:
        """Who is on call at `at`; `start`/`end` say since and until when (bounded by `horizon` each way)."""
        at = ensure_utc(at)
        current = self._answer(at)
        return Assignment(
            current[0], current[1], self._change(at, current, -horizon), self._change(at, current, horizon)
        )

    def _change(self, at: datetime, current: tuple[tuple[str, ...], str], horizon: timedelta) -> datetime:
        """The nearest instant (forward for a positive horizon, else backward) where the answer differs."""
        step = timedelta(days=1)
        while True:
            span = min(step, abs(horizon))
            if horizon > timedelta(0):
                segments = self.timeline(at, at + span)
                for segment in segments:
                    if (segment.people, segment.source) != current:
                        return segment.start
            else:
                segments = self.timeline(at - span, at + timedelta(microseconds=1))
                for newer, older in itertools.pairwise(reversed(segments)):
                    if (older.people, older.source) != current:
                        return newer.start
            if span == abs(horizon):
                return at + horizon
            step *= 4

    def people(self) -> set[str]:
        """Everyone who can be on call in this schedule."""
        named = {p for rotation in self.rotations for slot in rotation.slots for p in slot}
        return named | {o.who for o in self.overrides}
