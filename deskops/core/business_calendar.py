"""Business calendars: service hours in a time zone with holidays; add and measure business time.

The rules (also stated in the README section "SLA clocks and business calendars"):

- All arithmetic is on aware UTC instants. Windows are local wall-clock times in the calendar's
  zone, turned into UTC intervals one local day at a time. Business time is real elapsed time
  inside the windows, so a window that spans a DST change is an hour longer or shorter than its
  nominal length (the night 22:00-06:00 of 24-25 October 2026 in Zurich holds 9 hours).
- Windows are half-open `[start, end)`. An overnight window belongs to the day it starts on: a
  holiday or closed date on that day closes the whole window, the hours after midnight included.
- A wall-clock time that does not exist (the spring-forward gap) is read with the offset in force
  before the jump; an ambiguous one (the fall-back hour) as its first occurrence (PEP 495 fold=0).
- The due instant is the earliest instant at which the consumed business time equals the target:
  a target that runs out exactly at a window's end is due at that end, not at the next opening;
  a zero target is due at the start.
- Pauses are intervals excluded from the count: business time inside a pause is not consumed.

Cost is proportional to the days spanned, never to the minutes: each local day's windows are
converted to UTC once and cached on the calendar. Measuring a span longer than a week uses
running totals of open time per year, and a due jumps over pauses, so a ticket open (or paused)
for years costs a few lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from deskops.core.clock import ensure_utc
from deskops.core.config.calendars import DAY_SECONDS, WeeklyWindows

if TYPE_CHECKING:
    from deskops.core.config.calendars import CalendarConfig

Interval = tuple[datetime, datetime]
"""A half-open UTC interval `[start, end)`."""

HolidayLookup = Callable[[date], str | None]
"""Answers the holiday name of a local date, or None on an ordinary day."""

_ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)
_MAX_IDLE_DAYS = 800  # a calendar closed for over two years in a row is a configuration mistake
_CACHE_LIMIT = 50_000
_WALK_LIMIT = timedelta(days=7)  # longer spans are measured from running totals per year


@dataclass(frozen=True)
class SkippedDay:
    """A day whose service hours were closed by a public holiday or an extra closed date."""

    day: date
    reason: Literal["holiday", "closed"]
    name: str

    def to_json(self) -> dict[str, str]:
        """Return the day as a JSON-ready dict (the `skipped` entries of `deskops sla due --json`)."""
        return {"date": self.day.isoformat(), "reason": self.reason, "name": self.name}


@dataclass(frozen=True)
class DueResult:
    """Where a target runs out: the due instant (UTC), the business time consumed, days skipped."""

    due: datetime
    consumed: timedelta
    skipped: tuple[SkippedDay, ...]


@dataclass(frozen=True)
class _Day:
    """One local day, converted: its open UTC intervals, or why it was closed."""

    open: tuple[Interval, ...]
    closed: SkippedDay | None = None
    nominal_end: datetime | None = None  # end of the windows a closed day would have had


def normalise_intervals(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Return UTC intervals sorted and merged; empty ones dropped; refuse an end before its start."""
    cleaned: list[Interval] = []
    for start, end in intervals:
        start, end = ensure_utc(start), ensure_utc(end)
        if end < start:
            raise ValueError(f"interval ends before it starts: {start.isoformat()} / {end.isoformat()}")
        if end > start:
            cleaned.append((start, end))
    cleaned.sort()
    merged: list[Interval] = []
    for start, end in cleaned:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _without(intervals: Iterable[Interval], pauses: Sequence[Interval]) -> Iterator[Interval]:
    """Yield the parts of ordered, disjoint `intervals` that lie outside the sorted, merged `pauses`."""
    first = 0
    for start, end in intervals:
        while first < len(pauses) and pauses[first][1] <= start:
            first += 1
        cursor = start
        index = first
        while index < len(pauses) and pauses[index][0] < end and cursor < end:
            pause_start, pause_end = pauses[index]
            if pause_start > cursor:
                yield cursor, pause_start
            cursor = max(cursor, pause_end)
            index += 1
        if cursor < end:
            yield cursor, end


def format_business_time(delta: timedelta) -> str:
    """Format business time in hours and minutes (`28h`, `7h 30m`, `45m`, `20s`): never in days,
    since a business day is not 24 hours."""
    total = int(delta.total_seconds())
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    if not hours and not minutes:
        return f"{sign}{seconds}s"
    parts = ([f"{hours}h"] if hours else []) + ([f"{minutes}m"] if minutes else [])
    return sign + " ".join(parts)


class BusinessCalendar:
    """Service hours: weekly windows in an IANA zone, minus holidays and extra closed dates."""

    def __init__(
        self,
        *,
        timezone: str | ZoneInfo,
        weekly: WeeklyWindows,
        holiday_name: HolidayLookup | None = None,
        closed_dates: Iterable[date] = (),
        name: str = "",
    ) -> None:
        if len(weekly) != 7:
            raise ValueError(f"weekly windows need 7 days (Monday first), got {len(weekly)}")
        if not any(weekly):
            raise ValueError("a business calendar needs at least one window in the week")
        self.name = name
        self.zone = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)
        self.weekly = weekly
        self._holiday_name = holiday_name
        self._closed_dates = frozenset(closed_dates)
        self._days: dict[date, _Day] = {}
        self._years: dict[int, tuple[timedelta, ...]] = {}

    @classmethod
    def from_config(cls, config: CalendarConfig, *, name: str = "") -> BusinessCalendar:
        """Build a calendar from its desk-file section (holidays from the `holidays` package)."""
        lookup: HolidayLookup | None = None
        if config.holidays.country:
            import holidays  # the holiday tables are only loaded for calendars that name a country

            country, subdivision = config.holidays.region()
            table = holidays.country_holidays(country, subdiv=subdivision)

            def lookup(day: date) -> str | None:
                found: str | None = table.get(day)  # expands the table to the year on first use
                return found

        return cls(
            timezone=config.timezone,
            weekly=config.weekly(),
            holiday_name=lookup,
            closed_dates=config.holidays.closed_dates(),
            name=name,
        )

    # --- the two operations -------------------------------------------------------------

    def add(self, start: datetime, target: timedelta, *, pauses: Iterable[Interval] = ()) -> datetime:
        """Return the UTC instant at which `target` business time has run from `start` (see module rules)."""
        return self.due(start, target, pauses=pauses).due

    def due(self, start: datetime, target: timedelta, *, pauses: Iterable[Interval] = ()) -> DueResult:
        """Like `add`, and also report the consumed time and the holidays/closed days skipped."""
        if target < _ZERO:
            raise ValueError(f"a target cannot be negative ({target})")
        start = ensure_utc(start)
        if target == _ZERO:
            return DueResult(due=start, consumed=_ZERO, skipped=())
        skipped: list[SkippedDay] = []
        remaining = target
        cursor = start
        # Walk the open time between pauses, and jump over each pause: a ticket paused for years
        # costs nothing for the years it was paused.
        for pause_start, pause_end in (*normalise_intervals(pauses), (None, None)):
            if pause_end is not None and pause_end <= cursor:
                continue
            for seg_start, seg_end in self._open_from(cursor, skipped, until=pause_start):
                seg_end = min(seg_end, pause_start) if pause_start is not None else seg_end
                length = seg_end - seg_start
                if length >= remaining:
                    return DueResult(due=seg_start + remaining, consumed=target, skipped=tuple(skipped))
                remaining -= length
            cursor = max(cursor, pause_end) if pause_end is not None else cursor
        raise AssertionError("unreachable: the last walk has no end")  # pragma: no cover

    def elapsed(self, start: datetime, end: datetime, *, pauses: Iterable[Interval] = ()) -> timedelta:
        """Return the business time in `[start, end)`, pauses excluded; refuse an end before the start.

        Long spans are answered from per-year running totals of open time (cached), so a ticket
        open for years costs a few lookups, not a walk over every day.
        """
        start, end = ensure_utc(start), ensure_utc(end)
        if end < start:
            raise ValueError(f"the end {end.isoformat()} is before the start {start.isoformat()}")
        total = self._open_time(start, end)
        for pause_start, pause_end in normalise_intervals(pauses):
            lo, hi = max(pause_start, start), min(pause_end, end)
            if hi > lo:
                total -= self._open_time(lo, hi)
        return total

    def elapsed_with_skips(
        self, start: datetime, end: datetime, *, pauses: Iterable[Interval] = ()
    ) -> tuple[timedelta, tuple[SkippedDay, ...]]:
        """Like `elapsed`, and also return the holidays/closed days inside the span."""
        start, end = ensure_utc(start), ensure_utc(end)
        if end < start:
            raise ValueError(f"the end {end.isoformat()} is before the start {start.isoformat()}")
        total = _ZERO
        skipped: list[SkippedDay] = []
        for seg_start, seg_end in _without(self._open_from(start, skipped, until=end), normalise_intervals(pauses)):
            if seg_start >= end:  # a pause may split the last interval into pieces past the end
                break
            total += min(seg_end, end) - seg_start
        return total, tuple(s for s in skipped if self._day_start_utc(s.day) < end)

    # --- questions the clocks and the chat ask -----------------------------------------

    def is_open(self, at: datetime) -> bool:
        """Tell whether `at` lies inside a service window (half-open: a window's end is closed)."""
        at = ensure_utc(at)
        for seg_start, _ in self._open_from(at, None):
            return seg_start == at
        return False  # pragma: no cover

    def open_intervals(self, start: datetime, end: datetime) -> tuple[Interval, ...]:
        """Return the open UTC intervals inside `[start, end)`, in order."""
        start, end = ensure_utc(start), ensure_utc(end)
        return tuple((a, min(b, end)) for a, b in self._open_from(start, None, until=end))

    def local(self, at: datetime) -> datetime:
        """Return `at` in the calendar's zone (for display)."""
        return ensure_utc(at).astimezone(self.zone)

    def closed_reason(self, day: date) -> SkippedDay | None:
        """Return why a local date is closed (holiday or extra closed date), or None."""
        if day in self._closed_dates:
            return SkippedDay(day=day, reason="closed", name="closed day")
        if self._holiday_name is not None:
            holiday = self._holiday_name(day)
            if holiday:
                return SkippedDay(day=day, reason="holiday", name=holiday)
        return None

    def clear_cache(self) -> None:
        """Forget the converted days and running totals (for benchmarks; answers never depend on them)."""
        self._days.clear()
        self._years.clear()

    # --- running totals for long spans ----------------------------------------------------

    def _open_time(self, start: datetime, end: datetime) -> timedelta:
        """Open time in `[start, end)` (no pauses): a walk for short spans, running totals for long ones."""
        if end - start <= _WALK_LIMIT:
            total = _ZERO
            for seg_start, seg_end in self._open_from(start, None, until=end):
                total += min(seg_end, end) - seg_start
            return total
        first, last = self._local_day(start), self._local_day(end)
        years = sum((self._year(y)[-1] for y in range(first.year, last.year)), _ZERO)
        return years + self._since_new_year(end, last) - self._since_new_year(start, first)

    def _local_day(self, at: datetime) -> date:
        """The local date whose `[midnight, next midnight)` holds `at` (midnights as `_midnight` gives them)."""
        day = at.astimezone(self.zone).date()
        if at < self._midnight(day):
            day -= _ONE_DAY
        elif at >= self._midnight(day + _ONE_DAY):
            day += _ONE_DAY
        return day

    def _midnight(self, day: date) -> datetime:
        return self._to_utc(day, 0)

    def _since_new_year(self, at: datetime, day: date) -> timedelta:
        """Open time from local midnight of 1 January of `day`'s year to `at` (which lies on `day`)."""
        return self._year(day.year)[day.timetuple().tm_yday - 1] + self._within_day(day, self._midnight(day), at)

    def _within_day(self, day: date, lo: datetime, hi: datetime) -> timedelta:
        """Open time in `[lo, hi)` ⊂ `[midnight, next midnight)` of `day`: windows of that day and the
        day before (overnight), merged, so overlapping windows of two days are counted once."""
        windows = (w for d in (day - _ONE_DAY, day) for w in self._day(d).open)
        pieces = sorted((max(a, lo), min(b, hi)) for a, b in windows if min(b, hi) > max(a, lo))
        total, reach = _ZERO, lo
        for a, b in pieces:
            a = max(a, reach)
            if b > a:
                total += b - a
                reach = b
        return total

    def _year(self, year: int) -> tuple[timedelta, ...]:
        """Running open time at each local midnight of `year` from 1 January (last entry: the year's total)."""
        cached = self._years.get(year)
        if cached is not None:
            return cached
        day, running, totals = date(year, 1, 1), _ZERO, [_ZERO]
        while day.year == year:
            running += self._within_day(day, self._midnight(day), self._midnight(day + _ONE_DAY))
            totals.append(running)
            day += _ONE_DAY
        self._years[year] = tuple(totals)
        return self._years[year]

    # --- the walk over local days -------------------------------------------------------

    def _open_from(
        self, start: datetime, skipped: list[SkippedDay] | None, *, until: datetime | None = None
    ) -> Iterator[Interval]:
        """Yield disjoint open UTC intervals from `start` on, in order (clipped at `start`).

        The walk begins the local day before `start`, whose overnight window may still be open.
        Closed days whose windows would have reached past the cursor are appended to `skipped`.
        Stops once an interval starts at or after `until` (never, when `until` is None).
        """
        day = start.astimezone(self.zone).date() - _ONE_DAY
        cursor = start
        idle = 0
        while until is None or cursor < until:
            info = self._day(day)
            if info.closed is not None and skipped is not None and info.nominal_end and info.nominal_end > cursor:
                skipped.append(info.closed)
            yielded = False
            for seg_start, seg_end in info.open:
                if seg_end <= cursor:
                    continue
                seg_start = max(seg_start, cursor)
                if until is not None and seg_start >= until:
                    return
                yield seg_start, seg_end
                cursor = seg_end
                yielded = True
            idle = 0 if yielded else idle + 1
            if idle > _MAX_IDLE_DAYS:
                raise ValueError(
                    f"calendar {self.name or self.zone.key} has no open service hours for {_MAX_IDLE_DAYS} days "
                    f"after {start.isoformat()}; check its hours and closed dates"
                )
            day += _ONE_DAY

    def _day(self, day: date) -> _Day:
        cached = self._days.get(day)
        if cached is not None:
            return cached
        if len(self._days) >= _CACHE_LIMIT:
            self._days.clear()
        windows = self.weekly[day.weekday()]
        intervals = tuple(
            (a, b) for a, b in ((self._to_utc(day, s), self._to_utc(day, e)) for s, e in windows) if b > a
        )
        closed = self.closed_reason(day) if intervals else None
        info = _Day(open=(), closed=closed, nominal_end=intervals[-1][1]) if closed else _Day(open=intervals)
        self._days[day] = info
        return info

    def _to_utc(self, day: date, seconds: int) -> datetime:
        """Turn "`seconds` after local midnight of `day`" (may pass 24:00) into a UTC instant."""
        extra_days, rest = divmod(seconds, DAY_SECONDS)
        local = datetime.combine(day + timedelta(days=extra_days), time(rest // 3600, rest % 3600 // 60), self.zone)
        return local.astimezone(UTC)

    def _day_start_utc(self, day: date) -> datetime:
        return self._to_utc(day, 0)
