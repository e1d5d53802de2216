"""Benchmark: SLA due computations per second, DeskOps vs the `businesstimedelta` package, same run.

100,000 random cases (start minute in 2026-2027, target 1 minute to 5 business days) over three
calendars that `businesstimedelta` can express: office hours with Zurich public holidays, office
hours with a lunch break, and an overnight window every day. Both libraries answer every case; where
the answers differ, an independent minute-by-minute count decides who is right (checked on a sample
of each calendar's differences). Last line: one JSON object of the figures.

Run: .venv/bin/python bench/sla.py [--cases N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
import time as timer
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import businesstimedelta as btd
import holidays
import pytz

from deskops.core.business_calendar import BusinessCalendar, format_business_time
from deskops.core.config.calendars import CalendarConfig

ZONE = "Europe/Zurich"
ORACLE_SAMPLE = 60  # differing cases re-counted minute by minute, per calendar


@dataclass
class Bench:
    """One calendar expressed both ways, plus an independent oracle of its open minutes."""

    name: str
    ours: BusinessCalendar
    theirs: Callable[[datetime, timedelta], datetime]
    open_at: Callable[[datetime], bool]


def _their_due(rule: btd.Rule) -> Callable[[datetime, timedelta], datetime]:
    return lambda start, target: start + btd.BusinessTimeDelta(rule, timedelta=target)


def _window_oracle(windows: list[tuple[time, time]], days: set[int], closed: Callable[[date], bool]):
    """`at` is open if a window of its local day (or an overnight one of the day before) covers it."""
    zone = ZoneInfo(ZONE)

    def open_at(at: datetime) -> bool:
        local_day = at.astimezone(zone).date()
        for day in (local_day - timedelta(days=1), local_day):
            if day.weekday() not in days or closed(day):
                continue
            for start, end in windows:
                begin = datetime.combine(day, start, zone)
                finish = datetime.combine(day + timedelta(days=1) if end <= start else day, end, zone)
                if begin.astimezone(UTC) <= at < finish.astimezone(UTC):
                    return True
        return False

    return open_at


def build() -> list[Bench]:
    """The three calendars of the benchmark."""
    tz = pytz.timezone(ZONE)
    zurich = holidays.country_holidays("CH", subdiv="ZH", years=range(2025, 2030))
    weekdays = [0, 1, 2, 3, 4]

    def ours(hours: dict[str, list[str]], country: bool = False) -> BusinessCalendar:
        section = {"timezone": ZONE, "hours": hours}
        if country:
            section["holidays"] = {"country": "CH", "subdivision": "ZH"}
        return BusinessCalendar.from_config(CalendarConfig.model_validate(section))

    office = btd.Rules([btd.WorkDayRule(time(8), time(17), weekdays, tz=tz), btd.HolidayRule(zurich, tz=tz)])
    lunch = btd.Rules([btd.WorkDayRule(time(8), time(17), weekdays, tz=tz), btd.LunchTimeRule(time(12), time(13),
                                                                                             weekdays, tz=tz)])
    nights = btd.WorkDayRule(time(22), time(6), list(range(7)), tz=tz)
    return [
        Bench("office+CH-ZH holidays", ours({"mon-fri": ["08:00-17:00"]}, country=True), _their_due(office),
              _window_oracle([(time(8), time(17))], set(weekdays), lambda d: d in zurich)),
        Bench("office with lunch", ours({"mon-fri": ["08:00-12:00", "13:00-17:00"]}), _their_due(lunch),
              _window_oracle([(time(8), time(12)), (time(13), time(17))], set(weekdays), lambda d: False)),
        Bench("nights 22:00-06:00", ours({"mon-sun": ["22:00-06:00"]}), _their_due(nights),
              _window_oracle([(time(22), time(6))], set(range(7)), lambda d: False)),
    ]


def oracle_due(bench: Bench, start: datetime, target: timedelta) -> datetime:
    """Count open minutes one by one from `start` until `target` is used up (starts are whole minutes)."""
    left = int(target.total_seconds() // 60)
    at = start
    while True:
        if bench.open_at(at):
            left -= 1
            if left == 0:
                return at + timedelta(minutes=1)
        at += timedelta(minutes=1)


def _local(at: datetime) -> str:
    return f"{at.astimezone(ZoneInfo(ZONE)):%a %Y-%m-%d %H:%M %z}"


def main() -> None:
    """Run the benchmark and print the figures, the last line as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    benches = build()
    base = datetime(2026, 1, 1, tzinfo=UTC)
    cases = [
        (rng.randrange(len(benches)), base + timedelta(minutes=rng.randrange(2 * 365 * 1440)),
         timedelta(minutes=rng.randrange(1, 5 * 9 * 60)))
        for _ in range(args.cases)
    ]

    began = timer.perf_counter()
    ours = [benches[b].ours.add(start, target) for b, start, target in cases]
    ours_seconds = timer.perf_counter() - began

    began = timer.perf_counter()
    for b, start, target in cases:  # every day converted afresh: no cache carried between cases
        benches[b].ours.clear_cache()
        benches[b].ours.add(start, target)
    cold_seconds = timer.perf_counter() - began
    for bench in benches:
        bench.ours.clear_cache()

    began = timer.perf_counter()
    theirs = [benches[b].theirs(start, target) for b, start, target in cases]
    theirs_seconds = timer.perf_counter() - began

    differ: dict[int, list[int]] = {b: [] for b in range(len(benches))}
    for index, ((b, _, _), mine, other) in enumerate(zip(cases, ours, theirs, strict=True)):
        if mine != other:
            differ[b].append(index)

    ours_wrong = theirs_right = checked = 0
    print(f"{'calendar':<24}{'cases':>8}{'identical':>11}{'differ':>8}   oracle on a sample of the differences")
    examples: list[str] = []
    for b, bench in enumerate(benches):
        total = sum(1 for c in cases if c[0] == b)
        sample = differ[b][:ORACLE_SAMPLE]
        ok_ours = ok_theirs = 0
        for index in sample:
            _, start, target = cases[index]
            truth = oracle_due(bench, start, target)
            ok_ours += truth == ours[index]
            ok_theirs += truth == theirs[index]
            if len(examples) < 8 and truth == ours[index]:
                examples.append(
                    f"  {bench.name}: start {_local(start)}, target {format_business_time(target)}: "
                    f"businesstimedelta {_local(theirs[index])}, right {_local(truth)}"
                )
        checked += len(sample)
        ours_wrong += len(sample) - ok_ours
        theirs_right += ok_theirs
        print(f"{bench.name:<24}{total:>8}{total - len(differ[b]):>11}{len(differ[b]):>8}   "
              f"{len(sample)} checked: DeskOps right {ok_ours}, businesstimedelta right {ok_theirs}")
    # Identical answers could be wrong together: re-count a sample of them too.
    differing = {i for v in differ.values() for i in v}
    same = [i for i in range(len(cases)) if i not in differing]
    same_sample = random.Random(args.seed + 1).sample(same, min(ORACLE_SAMPLE * len(benches), len(same)))
    same_wrong = sum(oracle_due(benches[cases[i][0]], cases[i][1], cases[i][2]) != ours[i] for i in same_sample)
    print(f"identical answers re-counted minute by minute: {len(same_sample)} sampled, {same_wrong} wrong")
    if examples:
        print("where businesstimedelta is wrong (examples):")
        print("\n".join(examples))

    ours_rate = len(cases) / ours_seconds
    cold_rate = len(cases) / cold_seconds
    theirs_rate = len(cases) / theirs_seconds
    print(f"\n{'due computations per second':<34}{'DeskOps':>12}{'businesstimedelta':>20}{'ratio':>8}")
    for label, rate in (("day cache kept (as in the desk)", ours_rate), ("day cache cleared every case", cold_rate)):
        print(f"{label:<34}{rate:>12,.0f}{theirs_rate:>20,.0f}{rate / theirs_rate:>8.1f}")
    figures = {
        "cases": len(cases),
        "deskops_due_per_s": round(ours_rate),
        "deskops_cold_due_per_s": round(cold_rate),
        "businesstimedelta_due_per_s": round(theirs_rate),
        "ratio": round(ours_rate / theirs_rate, 2),
        "ratio_cold": round(cold_rate / theirs_rate, 2),
        "identical": len(cases) - sum(len(v) for v in differ.values()),
        "differ": sum(len(v) for v in differ.values()),
        "oracle_checked": checked,
        "oracle_deskops_wrong": ours_wrong,
        "oracle_businesstimedelta_right": theirs_right,
        "oracle_identical_checked": len(same_sample),
        "oracle_identical_wrong": same_wrong,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
