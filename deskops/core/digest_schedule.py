"""When a digest fires: a five-field cron expression read as local wall time in an IANA zone.

Why not APScheduler's CronTrigger: on a fall-back day (2026-11-01 in America/New_York) a 01:30
cron fires twice and then keeps returning a fire time that is not after `now`
(tests/unit/test_digest_schedule.py shows it). Here each local day that matches gives each matching
wall time once: a time that falls in the spring-forward gap fires at the same instant one hour
later on the wall clock (02:30 → 03:30), an ambiguous time fires at its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_NAMES = {
    "month": {n: i + 1 for i, n in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                              "nov", "dec"))},
    "weekday": {n: i for i, n in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))},
}
_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("weekday", 0, 7))


def _value(text: str, field: str) -> int:
    names = _NAMES.get(field, {})
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise ValueError(f"{field}: {text!r} is not a number" + (f" or a name ({', '.join(names)})" if names else ""))
    return int(text)


def _parse_field(text: str, field: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(f"{field}: bad step {step_text!r} in {part!r}")
        if body == "*":
            first, last = low, high
        elif "-" in body:
            first_text, _, last_text = body.partition("-")
            first, last = _value(first_text, field), _value(last_text, field)
        else:
            first = _value(body, field)
            last = high if step else first
        if not (low <= first <= high and low <= last <= high) or first > last:
            raise ValueError(f"{field}: {part!r} is outside {low}-{high}")
        values.update(range(first, last + 1, step or 1))
    return frozenset(values)


@dataclass(frozen=True)
class CronSpec:
    """A parsed cron expression `minute hour day-of-month month day-of-week` (0 and 7 are Sunday)."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str) -> CronSpec:
        """Read a five-field cron expression; raise ValueError saying which field is wrong."""
        parts = expression.split()
        if len(parts) != 5:
            raise ValueError(f"cron {expression!r} needs 5 fields (minute hour day month weekday), e.g. '0 8 * * mon'")
        sets = [_parse_field(text, *spec) for text, spec in zip(parts, _FIELDS, strict=True)]
        weekdays = frozenset(d % 7 for d in sets[4])
        return cls(expression, sets[0], sets[1], sets[2], sets[3], weekdays,
                   any_day=parts[2] == "*", any_weekday=parts[4] == "*")  # fmt: skip

    def matches_day(self, day: date) -> bool:
        """True if the cron fires on this local date (day-of-month OR weekday when both are given, as cron)."""
        if day.month not in self.months:
            return False
        by_day, by_weekday = day.day in self.days, (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return by_day and by_weekday
        return by_day or by_weekday


def fire_times(spec: CronSpec, zone: str, after: datetime, until: datetime) -> list[datetime]:
    """The UTC instants in `(after, until]` when `spec` fires on the wall clock of `zone`, in order."""
    tz = ZoneInfo(zone)
    day = after.astimezone(tz).date() - timedelta(days=1)
    last_day = until.astimezone(tz).date() + timedelta(days=1)
    found: set[datetime] = set()
    while day <= last_day:
        if spec.matches_day(day):
            for hour in spec.hours:
                for minute in spec.minutes:
                    # fold=0: an ambiguous wall time is its first occurrence; a time in the gap maps
                    # with the offset before the change, i.e. one wall-clock hour later.
                    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
                    instant = local.astimezone(UTC)
                    if after < instant <= until:
                        found.add(instant)
        day += timedelta(days=1)
    return sorted(found)


def last_fire(spec: CronSpec, zone: str, at: datetime, lookback: timedelta = timedelta(days=32)) -> datetime | None:
    """The latest fire instant at or before `at` within `lookback`, or None."""
    times = fire_times(spec, zone, at - lookback, at)
    return times[-1] if times else None


def period_start(end: datetime, period: str, zone: str) -> datetime:
    """The start (UTC) of the day, week or month ending at `end`, counted on the local calendar of `zone`."""
    tz = ZoneInfo(zone)
    local = end.astimezone(tz).replace(tzinfo=None)
    if period == "day":
        start = local - timedelta(days=1)
    elif period == "week":
        start = local - timedelta(days=7)
    elif period == "month":
        year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
        start = local.replace(year=year, month=month, day=min(local.day, _month_days(year, month)))
    else:
        raise ValueError(f"unknown period {period!r}; use day, week or month")
    return start.replace(tzinfo=tz).astimezone(UTC)


def _month_days(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
