"""Benchmark: a week of interval staffing (Erlang C) and a week's roster for 40 people (CP-SAT).

Reference for staffing: the textbook Erlang C formula summed in log space, re-evaluated from scratch
for every candidate agent count (what a straightforward implementation does). Reference for the
roster: the solver time limit it is given. Last line: one JSON object of the figures.
"""

from __future__ import annotations

import json
import math
import random
import time
from datetime import date, timedelta
from datetime import time as clock
from fractions import Fraction
from zoneinfo import ZoneInfo

from deskops.core.planning.erlang import Target, required_agents, traffic_erlangs
from deskops.core.planning.erlang_a import erlang_a_required_agents
from deskops.core.planning.roster import Person, RosterProblem, Rules, solve_roster
from deskops.core.planning.shifts import ShiftPattern, days_from, local_instant, shift_options

TARGET = Target(service_level=Fraction(8, 10), answer_within_seconds=20)
AHT = 445.0
ZONE = ZoneInfo("Europe/Amsterdam")
MONDAY = date(2014, 3, 31)


def _week_volumes() -> list[float]:
    """A desk's week in 30-minute intervals: weekday peaks of ~90 contacts, quiet nights and weekends."""
    volumes = []
    for day in range(7):
        for slot in range(48):
            hour = slot / 2
            weekday = 90 * math.exp(-((hour - 10.5) ** 2) / 8) + 60 * math.exp(-((hour - 14.5) ** 2) / 6)
            volumes.append(round(weekday if day < 5 else weekday / 40, 1))
    return volumes


def _textbook_agents(traffic: float, aht: float) -> int:
    """Reference: log-space Erlang C, recomputed from scratch for each candidate agent count."""
    if traffic == 0:
        return 0
    agents = math.floor(traffic) + 1
    while True:
        terms = [k * math.log(traffic) - math.lgamma(k + 1) for k in range(agents)]
        top = agents * math.log(traffic) - math.lgamma(agents + 1) + math.log(agents / (agents - traffic))
        peak = max([*terms, top])
        p_wait = math.exp(top - peak) / (sum(math.exp(t - peak) for t in terms) + math.exp(top - peak))
        if 1 - p_wait * math.exp(-(agents - traffic) * 20 / aht) >= 0.8:
            return agents
        agents += 1


def bench_staffing(volumes: list[float], scale: float) -> tuple[float, float, int]:
    """Seconds for DeskOps and for the reference over one week of intervals (loads × scale)."""
    loads = [traffic_erlangs(v * scale, 1800, AHT) for v in volumes]
    start = time.perf_counter()
    ours = [required_agents(a, AHT, TARGET).agents for a in loads]
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    reference = [_textbook_agents(a, AHT) for a in loads]
    reference_s = time.perf_counter() - start
    assert ours == reference, "the two methods disagree"
    return ours_s, reference_s, max(ours)


def bench_roster(people_count: int, limit: float) -> tuple[float, str, int, int]:
    """Seconds to roster `people_count` people for a week against the staffing of `_week_volumes`."""
    volumes = _week_volumes()
    required = [math.ceil(required_agents(traffic_erlangs(v * 0.5, 1800, AHT), AHT, TARGET).agents / 0.75)
                for v in volumes]
    starts = tuple(local_instant(MONDAY, clock(0), ZONE) + i * timedelta(minutes=30) for i in range(7 * 48))
    patterns = [
        ShiftPattern(name, clock(h, m), timedelta(hours=8, minutes=30), ((timedelta(hours=4), timedelta(minutes=30)),),
                     frozenset(range(5)))
        for name, h, m in (("early", 7, 0), ("day", 8, 30), ("late", 10, 30))
    ]
    patterns.append(ShiftPattern("weekend", clock(8), timedelta(hours=8), (), frozenset({5, 6})))
    rng = random.Random(40)
    people = tuple(
        Person(f"agent-{i:02d}", frozenset({"level-1"}), contracted_minutes=rng.choice([40, 40, 32]) * 60,
               max_weekly_minutes=45 * 60)
        for i in range(people_count)
    )
    shifts = shift_options(patterns, days_from(MONDAY, 7), ZONE)
    problem = RosterProblem(starts, timedelta(minutes=30), {"level-1": required}, shifts, people,
                            Rules(time_limit_seconds=limit))
    start = time.perf_counter()
    roster = solve_roster(problem)
    seconds = time.perf_counter() - start
    return seconds, roster.status, roster.under_person_intervals, sum(required)


def main() -> None:
    """Run the benchmarks and print the figures beside their references."""
    volumes = _week_volumes()
    figures: dict[str, float] = {}
    # ×45 lifts the weekday peak from ~22 to ~1,000 erlangs.
    for label, scale in (("desk", 1.0), ("1000_erlang_peak", 45.0)):
        ours, ref, peak = bench_staffing(volumes, scale)
        print(f"staffing, one week of 336 intervals ({label} load, peak {peak} agents): "
              f"DeskOps {ours * 1000:.1f} ms | textbook log-space reference {ref * 1000:.1f} ms | "
              f"speed-up {ref / ours:.1f}x")
        figures[f"staffing_week_{label}_ms"] = round(ours * 1000, 2)
        figures[f"staffing_week_{label}_reference_ms"] = round(ref * 1000, 2)
        figures[f"staffing_week_{label}_speedup"] = round(ref / ours, 2)
    start = time.perf_counter()
    erlang_a = [erlang_a_required_agents(traffic_erlangs(v, 1800, AHT), AHT, 120, TARGET)[0].agents for v in volumes]
    erlang_a_s = time.perf_counter() - start
    desk_c = figures["staffing_week_desk_ms"]
    print(f"staffing, one week of 336 intervals, desk load, Erlang A (patience 120 s, peak {max(erlang_a)} agents): "
          f"{erlang_a_s * 1000:.1f} ms | Erlang C on the same load {desk_c:.1f} ms")
    figures["staffing_week_erlang_a_ms"] = round(erlang_a_s * 1000, 2)
    limit = 20.0
    seconds, status, under, required = bench_roster(40, limit)
    print(f"roster, one week, 40 people, 336 intervals: {seconds:.2f} s ({status}) | time limit {limit:.0f} s | "
          f"short {under} of {required} person-intervals")
    figures.update({
        "roster_week_40_people_s": round(seconds, 3),
        "roster_time_limit_s": limit,
        "roster_share_of_limit": round(seconds / limit, 3),
        "roster_under_person_intervals": under,
        "roster_optimal": 1.0 if status == "optimal" else 0.0,
    })
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
