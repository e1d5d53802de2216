"""Forecast → staffing → roster for a desk's planning section (pure: data and calendar passed in)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from deskops.core.business_calendar import BusinessCalendar
from deskops.core.config.planning import PlanningConfig, parse_clock
from deskops.core.planning.erlang import (
    Staffing,
    Target,
    chat_required_agents,
    required_agents,
    traffic_erlangs,
)
from deskops.core.planning.erlang_a import erlang_a_required_agents
from deskops.core.planning.forecast import Series
from deskops.core.planning.roster import Person, RosterProblem, Rules
from deskops.core.planning.shifts import (
    ShiftPattern,
    days_from,
    leave_intervals,
    shift_options,
    weekly_availability,
)
from deskops.core.planning.units import parse_service_level, parse_share


def staffing_target(config: PlanningConfig) -> Target:
    """The Erlang target the planning section asks for."""
    staffing = config.staffing
    level, within = parse_service_level(staffing.service_level) if staffing.service_level else (None, 20.0)
    return Target(
        service_level=level,
        answer_within_seconds=within,
        max_asa_seconds=staffing.asa.total_seconds() if staffing.asa else None,
        max_occupancy=parse_share(staffing.max_occupancy) if staffing.max_occupancy else None,
    )


@dataclass(frozen=True)
class IntervalPlan:
    """One interval of the plan: forecast volume, staffing, and the heads to roster."""

    index: int
    volume: float
    staffing: Staffing
    open: bool
    required: int
    """Heads to schedule: agents after shrinkage, at least `min_agents_open` while the desk is open."""


def staffing_plan(config: PlanningConfig, grid: Series, volumes: Sequence[float],
                  calendar: BusinessCalendar | None, skip: int = 0) -> list[IntervalPlan]:
    """Erlang staffing for forecast intervals `skip`, `skip + 1`, … after the history; closed ones need nobody."""
    target = staffing_target(config)
    aht = config.staffing.aht.total_seconds()
    step = grid.step.total_seconds()
    shrinkage = config.staffing.shrinkage_share()
    plan: list[IntervalPlan] = []
    offset = len(grid.values) + skip
    for i, volume in enumerate(volumes):
        traffic = traffic_erlangs(volume, step, aht)
        if config.staffing.patience is not None:
            patience = config.staffing.patience.total_seconds()
            staffing = erlang_a_required_agents(traffic, aht, patience, target, shrinkage)[0]
        elif config.staffing.concurrency > 1:
            staffing = chat_required_agents(traffic, aht, target, config.staffing.concurrency, shrinkage)
        else:
            staffing = required_agents(traffic, aht, target, shrinkage)
        is_open = calendar is None or calendar.is_open(grid.slot_start(offset + i))
        required = max(staffing.agents_with_shrinkage, config.min_agents_open) if is_open else 0
        plan.append(IntervalPlan(offset + i, volume, staffing, is_open, required))
    return plan


def shift_patterns(config: PlanningConfig) -> tuple[ShiftPattern, ...]:
    """The desk file's shift patterns as roster inputs: one variant per allowed placement of the breaks.

    Variants share the pattern's name, and a person works at most one shift a day, so the roster
    picks one placement; staggered breaks keep the desk covered over lunch.
    """
    patterns: list[ShiftPattern] = []
    for name, pattern in config.shifts.items():
        choices = [[(start, b.length) for start in b.starts(config.interval)] for b in pattern.breaks]
        for placement in itertools.product(*choices):
            ordered = tuple(sorted(placement))
            if any(a[0] + a[1] > b[0] for a, b in itertools.pairwise(ordered)):
                continue  # two breaks may not overlap
            patterns.append(ShiftPattern(
                name=name,
                start=parse_clock(pattern.start),
                length=pattern.length,
                breaks=ordered,
                weekdays=pattern.weekdays(),
            ))
    return tuple(patterns)


def roster_people(config: PlanningConfig, days: Sequence[date], zone: ZoneInfo) -> tuple[Person, ...]:
    """The desk file's people as roster inputs over `days` (availability and leave in UTC)."""
    people = []
    for name, person in config.people.items():
        weekly = person.weekly()
        max_hours = person.max_weekly_hours if person.max_weekly_hours is not None else config.rules.max_weekly_hours
        people.append(Person(
            name=name,
            skills=frozenset(person.skills),
            contracted_minutes=round(person.contracted_hours * 60),
            max_weekly_minutes=round(max_hours * 60),
            available=None if weekly is None else weekly_availability(weekly, days, zone),
            leave=leave_intervals(person.leave_days(), zone),
            patterns=frozenset(person.shifts) if person.shifts is not None else None,
        ))
    return tuple(people)


def roster_problem(config: PlanningConfig, grid: Series, plan: Sequence[IntervalPlan],
                   calendar: BusinessCalendar | None, zone: ZoneInfo) -> RosterProblem:
    """The roster problem for the planned intervals: shifts on the days they span, people, rules."""
    if not plan:
        raise ValueError("nothing to roster: the plan has no intervals")
    first_day = grid.slot_local(plan[0].index)[0]
    last_day = grid.slot_local(plan[-1].index)[0]
    days = days_from(first_day, (last_day - first_day).days + 1)
    closed = [d for d in days if calendar is not None and calendar.closed_reason(d) is not None]
    rules = Rules(
        min_rest=config.rules.min_rest,
        rest_days_per_week=config.rules.rest_days_per_week,
        time_limit_seconds=config.solver_seconds,
    )
    return RosterProblem(
        interval_starts=tuple(grid.slot_start(p.index) for p in plan),
        interval=grid.step,
        required={config.skill: [p.required for p in plan]},
        shifts=shift_options(shift_patterns(config), days, zone, closed),
        people=roster_people(config, days, zone),
        rules=rules,
        minimums={skill: [n if p.open else 0 for p in plan] for skill, n in config.minimums.items()},
    )


def horizon_slots(grid: Series, days: int) -> int:
    """Slots in `days` days of the grid."""
    return days * (timedelta(days=1) // grid.step)
