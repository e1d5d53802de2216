"""Turn local-time shift patterns, availability and leave into the UTC instants the roster works on.

Shift start times and availability windows are wall-clock times in the desk's zone; a shift lasts
its real length from its local start (an 8-hour shift across a DST change is still 8 hours).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from deskops.core.planning.roster import Interval, ShiftOption

ALL_DAYS = frozenset(range(7))


@dataclass(frozen=True)
class ShiftPattern:
    """A kind of shift: local start time, length, breaks (offset from start, length), weekdays (Mon=0)."""

    name: str
    start: time
    length: timedelta
    breaks: tuple[tuple[timedelta, timedelta], ...] = ()
    weekdays: frozenset[int] = ALL_DAYS

    def __post_init__(self) -> None:
        if self.length <= timedelta(0):
            raise ValueError(f"shift {self.name!r} must be longer than zero")
        for offset, length in self.breaks:
            if offset < timedelta(0) or length <= timedelta(0) or offset + length > self.length:
                raise ValueError(f"a break of shift {self.name!r} does not fit inside the shift")


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on local `day` (a time in a DST gap uses the earlier offset)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def days_from(first: date, count: int) -> tuple[date, ...]:
    """`count` consecutive local days starting at `first`."""
    return tuple(first + timedelta(days=i) for i in range(count))


def shift_options(patterns: Iterable[ShiftPattern], days: Sequence[date], zone: ZoneInfo,
                  closed: Iterable[date] = ()) -> tuple[ShiftOption, ...]:
    """Every shift each pattern offers on `days` (skipping `closed` days), in time order."""
    shut = frozenset(closed)
    options: list[ShiftOption] = []
    for day in days:
        if day in shut:
            continue
        for pattern in patterns:
            if day.weekday() not in pattern.weekdays:
                continue
            start = local_instant(day, pattern.start, zone)
            breaks = tuple((start + offset, start + offset + length) for offset, length in pattern.breaks)
            options.append(ShiftOption(pattern.name, day, start, start + pattern.length, breaks))
    options.sort(key=lambda o: (o.start, o.pattern))
    return tuple(options)


def weekly_availability(windows: Sequence[Sequence[tuple[int, int]]], days: Sequence[date],
                        zone: ZoneInfo) -> tuple[Interval, ...]:
    """UTC intervals from local weekly windows (seconds after local midnight, Monday first) over `days`."""
    if len(windows) != 7:
        raise ValueError(f"weekly windows need 7 days (Monday first), got {len(windows)}")
    spans: list[Interval] = []
    for day in days:
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        for start_s, end_s in windows[day.weekday()]:
            start = (midnight + timedelta(seconds=start_s)).astimezone(UTC)
            end = (midnight + timedelta(seconds=end_s)).astimezone(UTC)
            if spans and spans[-1][1] >= start:  # a window running into the next day's window
                spans[-1] = (spans[-1][0], max(spans[-1][1], end))
            else:
                spans.append((start, end))
    return tuple(spans)


def leave_intervals(leave_days: Iterable[date], zone: ZoneInfo) -> tuple[Interval, ...]:
    """Whole local days of leave as UTC intervals."""
    return tuple(
        (local_instant(day, time(0), zone), local_instant(day + timedelta(days=1), time(0), zone))
        for day in sorted(set(leave_days))
    )
