"""Weekly local-time windows (e.g. mon-fri 08:00-18:00 in Europe/Zurich) evaluated on UTC instants.

Used by schedule layers (`restrict`) and by escalation steps limited to a time window. Windows are
half-open; an overnight window belongs to the day it starts; a local time that does not exist on a
DST change day is read as PEP 495 does (fold=0: the offset before the change).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from deskops.core.clock import ensure_utc
from deskops.core.config.calendars import WeeklyWindows, weekly_windows

_LOOKAROUND_DAYS = 8  # a week plus the day an overnight window may start on


def local_instant(day: date, seconds: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of `seconds` after local midnight of `day` in `zone` (wall-clock arithmetic)."""
    wall = datetime.combine(day, time(0), tzinfo=zone) + timedelta(seconds=seconds)
    # adding a timedelta to an aware datetime is wall-clock arithmetic in Python: what we want here
    return wall.astimezone(UTC)


@dataclass(frozen=True)
class WeeklyWindow:
    """Open during the given local windows of each weekday, closed otherwise."""

    zone: ZoneInfo
    weekly: WeeklyWindows

    @classmethod
    def from_hours(cls, zone: str, hours: dict[str, tuple[str, ...]]) -> WeeklyWindow:
        """Build from the desk file's `hours` syntax (`{mon-fri: ["08:00-18:00"]}`) in `zone`."""
        return cls(ZoneInfo(zone), weekly_windows(hours))

    def intervals(self, first: date, last: date) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals (UTC) of the windows starting on local days `first`..`last`, in order."""
        day = first
        while day <= last:
            for start, end in self.weekly[day.weekday()]:
                yield local_instant(day, start, self.zone), local_instant(day, end, self.zone)
            day += timedelta(days=1)

    def _around(self, at: datetime, days_ahead: int) -> Iterator[tuple[datetime, datetime]]:
        # windows start at most a day before `at`'s local day and still cover it (overnight ones)
        local_day = at.astimezone(self.zone).date()
        return self.intervals(local_day - timedelta(days=1), local_day + timedelta(days=days_ahead))

    def contains(self, at: datetime) -> bool:
        """True when `at` falls inside an open window."""
        at = ensure_utc(at)
        return any(start <= at < end for start, end in self._around(at, 0))

    def next_open(self, at: datetime) -> datetime:
        """`at` itself when open, else the start of the next window (within the next week)."""
        at = ensure_utc(at)
        for start, end in self._around(at, _LOOKAROUND_DAYS):
            if start <= at < end:
                return at
            if start > at:
                return start
        raise ValueError("this window never opens; give it at least one weekday with hours")

    def edges(self, start: datetime, end: datetime) -> set[datetime]:
        """Every instant in `[start, end)` where the window opens or closes."""
        first = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date()
        found: set[datetime] = set()
        for opens, closes in self.intervals(first, last):
            found.update(edge for edge in (opens, closes) if start <= edge < end)
        return found
