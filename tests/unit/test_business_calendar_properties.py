"""Business calendar properties over random calendars, zones with DST, holidays and pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from deskops.core.business_calendar import BusinessCalendar, Interval
from deskops.core.config.calendars import weekly_windows

ZONES = ["Europe/Zurich", "America/New_York", "Australia/Lord_Howe", "UTC", "Asia/Kolkata", "America/Santiago"]
# Around the 2026 DST changes of these zones as well as ordinary weeks
BASE = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_MINUTES = 2 * 365 * 24 * 60


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def windows(draw: st.DrawFn) -> str:
    """One window `HH:MM-HH:MM` (quarter-hour grid, possibly overnight or ending at 24:00)."""
    start = draw(st.integers(0, 95)) * 15
    end = draw(st.integers(1, 96).filter(lambda q: q * 15 != start)) * 15
    return f"{_hhmm(start)}-{'24:00' if end == 1440 else _hhmm(end)}"


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    """A random calendar: zone, 1-7 days with 1-3 windows each, and a few closed dates."""
    hours: dict[str, tuple[str, ...]] = {}
    for day in draw(st.sets(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1)):
        hours[day] = tuple(draw(st.lists(windows(), min_size=1, max_size=3)))
    closed = draw(st.sets(st.dates(date(2026, 1, 1), date(2028, 1, 31)), max_size=20))
    return BusinessCalendar(timezone=draw(st.sampled_from(ZONES)), weekly=weekly_windows(hours), closed_dates=closed)


instants = st.integers(0, SPAN_MINUTES).map(lambda m: BASE + timedelta(minutes=m))
targets = st.integers(0, 120 * 3600).map(lambda s: timedelta(seconds=s))


@st.composite
def pauses(draw: st.DrawFn, start: datetime) -> list[Interval]:
    """Up to four pauses starting near `start` (overlaps allowed: they are merged)."""
    result = []
    for _ in range(draw(st.integers(0, 4))):
        begin = start + timedelta(minutes=draw(st.integers(-600, 20_000)))
        result.append((begin, begin + timedelta(minutes=draw(st.integers(0, 5_000)))))
    return result


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, targets)
def test_adding_then_measuring_returns_the_target(cal: BusinessCalendar, start: datetime, target: timedelta) -> None:
    due = cal.add(start, target)
    assert due >= start
    assert cal.elapsed(start, due) == target


@settings(max_examples=100, deadline=None)
@given(calendars(), instants, targets, targets)
def test_due_is_monotonic_in_the_target(cal: BusinessCalendar, start: datetime, a: timedelta, b: timedelta) -> None:
    small, large = sorted((a, b))
    assert cal.add(start, small) <= cal.add(start, large)


@settings(max_examples=100, deadline=None)
@given(calendars(), instants, st.integers(0, 30 * 24 * 60), st.integers(0, 30 * 24 * 60))
def test_elapsed_is_never_negative_never_exceeds_real_time_and_adds_up(
    cal: BusinessCalendar, start: datetime, first: int, second: int
) -> None:
    middle = start + timedelta(minutes=first)
    end = middle + timedelta(minutes=second)
    a, b = cal.elapsed(start, middle), cal.elapsed(middle, end)
    assert timedelta(0) <= a <= middle - start
    assert timedelta(0) <= b <= end - middle
    assert cal.elapsed(start, end) == a + b


@settings(max_examples=100, deadline=None)
@given(st.data(), calendars(), instants, targets)
def test_a_pause_never_makes_the_due_earlier(data: st.DataObject, cal: BusinessCalendar, start: datetime,
                                             target: timedelta) -> None:
    paused = data.draw(pauses(start))
    due = cal.add(start, target)
    due_paused = cal.add(start, target, pauses=paused)
    assert due_paused >= due
    assert cal.elapsed(start, due_paused, pauses=paused) == target


def _open_by_brute_force(cal: BusinessCalendar, at: datetime) -> bool:
    """Independent oracle: is `at` inside a window of its local day or the day before (not closed)?"""
    zone = ZoneInfo(cal.zone.key)
    for day in (at.astimezone(zone).date() - timedelta(days=1), at.astimezone(zone).date()):
        if cal.closed_reason(day) is not None:
            continue
        for start, end in cal.weekly[day.weekday()]:
            begin = datetime.combine(day, time(0), zone) + timedelta(seconds=start)  # wall-clock arithmetic
            finish = datetime.combine(day, time(0), zone) + timedelta(seconds=end)
            if begin.astimezone(UTC) <= at < finish.astimezone(UTC):
                return True
    return False


@settings(max_examples=40, deadline=None)
@given(calendars(), instants)
def test_elapsed_matches_a_minute_by_minute_count(cal: BusinessCalendar, start: datetime) -> None:
    end = start + timedelta(days=3)
    minutes = sum(_open_by_brute_force(cal, start + timedelta(minutes=m)) for m in range(3 * 24 * 60))
    assert cal.elapsed(start, end) == timedelta(minutes=minutes)


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, st.integers(0, 3 * 365 * 24 * 60), st.data())
def test_long_spans_from_running_totals_equal_the_day_by_day_walk(
    cal: BusinessCalendar, start: datetime, minutes: int, data: st.DataObject
) -> None:
    end = start + timedelta(minutes=minutes)
    paused = data.draw(pauses(start))
    walked, _ = cal.elapsed_with_skips(start, end, pauses=paused)  # the plain walk over every day
    assert cal.elapsed(start, end, pauses=paused) == walked
