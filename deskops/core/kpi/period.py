"""Report periods: half-open UTC intervals, either side open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from deskops.core.clock import ensure_utc


@dataclass(frozen=True, slots=True)
class Period:
    """The instants `start <= at < end`; a None side is unbounded (the default period is everything)."""

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        if self.start is not None:
            object.__setattr__(self, "start", ensure_utc(self.start))
        if self.end is not None:
            object.__setattr__(self, "end", ensure_utc(self.end))
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"the period ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})")

    def contains(self, at: datetime | None) -> bool:
        """Whether `at` falls inside the period (None never does)."""
        if at is None:
            return False
        return (self.start is None or at >= self.start) and (self.end is None or at < self.end)

    def open_at_end(self, opened_at: datetime, finished_at: datetime | None) -> bool:
        """Whether a ticket opened at `opened_at` and finished at `finished_at` is still open at the end."""
        if self.end is None:
            return finished_at is None
        return opened_at < self.end and (finished_at is None or finished_at >= self.end)


STEPS = ("day", "week", "month")


def _floor(at: datetime, step: str) -> datetime:
    """The start (UTC midnight) of the day, ISO week (Monday) or month holding `at`."""
    day = datetime(at.year, at.month, at.day, tzinfo=UTC)
    if step == "week":
        return day - timedelta(days=day.weekday())
    if step == "month":
        return day.replace(day=1)
    return day


def _next(at: datetime, step: str) -> datetime:
    if step == "month":
        return at.replace(year=at.year + 1, month=1) if at.month == 12 else at.replace(month=at.month + 1)
    return at + timedelta(days=7 if step == "week" else 1)


def split(period: Period, step: str) -> list[Period]:
    """Cut a bounded period into calendar days, ISO weeks or months (UTC); the ends are clipped to the period."""
    if step not in STEPS:
        raise ValueError(f"step {step!r} is not one of: {', '.join(STEPS)}")
    if period.start is None or period.end is None:
        raise ValueError("only a period with a start and an end can be split")
    parts: list[Period] = []
    cursor = period.start
    while cursor < period.end:
        following = min(_next(_floor(cursor, step), step), period.end)
        parts.append(Period(cursor, following))
        cursor = following
    return parts
