"""Time enters core only through a Clock: aware UTC instants, never the wall clock directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current instant as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current instant, timezone-aware, in UTC."""
        ...


def ensure_utc(at: datetime) -> datetime:
    """Return `at` converted to UTC; refuse naive datetimes, whose meaning is unknown."""
    if at.tzinfo is None or at.tzinfo.utcoffset(at) is None:
        raise ValueError(f"naive datetime {at.isoformat()} has no time zone; give an offset")
    return at.astimezone(UTC)


class SystemClock:
    """The real clock. The only place in core that reads the wall clock, and it is injected."""

    def now(self) -> datetime:
        """Return the current instant in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to, and only forward (for tests, demos and scripted runs)."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)

    def now(self) -> datetime:
        """Return the clock's current instant in UTC."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by `delta` (which must not be negative) and return the new instant."""
        if delta < timedelta(0):
            raise ValueError(f"the clock only moves forward; {delta} is negative")
        self._now = self._now + delta
        return self._now

    def set(self, at: datetime) -> datetime:
        """Move the clock forward to `at`; refuse to go back in time."""
        target = ensure_utc(at)
        if target < self._now:
            raise ValueError(
                f"the clock only moves forward; {target.isoformat()} is before {self._now.isoformat()}"
            )
        self._now = target
        return self._now
