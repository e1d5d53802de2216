"""Roster: named people on shifts covering the required staff per interval (OR-Tools CP-SAT).

Hard rules: a person works only shifts they may work (skills, availability, no leave), at most one
shift a day, at least `min_rest` between two shifts, `rest_days_per_week` free days in each week of
the horizon and at most their maximum weekly hours. Everything else is a cost the solver minimises:
under-staffing first, then missing contracted hours, overtime beyond the contract and over-staffing.
A requirement nobody can meet is never an error: those intervals come back in `Roster.uncovered`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from deskops.core.clock import ensure_utc

Interval = tuple[datetime, datetime]
"""A half-open UTC interval `[start, end)`."""


@dataclass(frozen=True)
class ShiftOption:
    """One concrete shift someone could work: a pattern on a local day, as UTC instants."""

    pattern: str
    day: date
    start: datetime
    end: datetime
    breaks: tuple[Interval, ...] = ()

    @property
    def key(self) -> str:
        """A stable name, e.g. `early 2026-12-07`."""
        return f"{self.pattern} {self.day.isoformat()}"

    @property
    def paid_minutes(self) -> int:
        """Length of the shift without its breaks, in minutes."""
        unpaid = sum((b - a for a, b in self.breaks), timedelta(0))
        return int((self.end - self.start - unpaid).total_seconds() // 60)

    def works_during(self, start: datetime, end: datetime) -> bool:
        """True when the whole of `[start, end)` is inside the shift and outside its breaks."""
        if start < self.start or end > self.end:
            return False
        return all(end <= a or start >= b for a, b in self.breaks)


@dataclass(frozen=True)
class Person:
    """Someone who can be rostered, with the rules that bind their shifts."""

    name: str
    skills: frozenset[str]
    contracted_minutes: int = 0
    """Contracted working time per week (minutes); missing it is a cost, not a hard rule."""
    max_weekly_minutes: int | None = None
    available: tuple[Interval, ...] | None = None
    """UTC intervals in which the person may work; None means any time."""
    leave: tuple[Interval, ...] = ()
    patterns: frozenset[str] | None = None
    """Shift patterns the person may work; None means all."""

    def can_work(self, option: ShiftOption) -> bool:
        """True when `option` fits the person's patterns, availability and leave."""
        if self.patterns is not None and option.pattern not in self.patterns:
            return False
        if any(option.start < b and a < option.end for a, b in self.leave):
            return False
        if self.available is None:
            return True
        return any(a <= option.start and option.end <= b for a, b in self.available)


@dataclass(frozen=True)
class Rules:
    """Working-time rules and the weights of the costs the solver trades off."""

    min_rest: timedelta = timedelta(hours=11)
    rest_days_per_week: int = 1
    under_weight: int = 3000
    """Cost of one missing person for one interval; far above the rest, so coverage comes first."""
    contract_shortfall_weight: int = 4
    """Cost per minute below a person's contracted weekly time."""
    overtime_weight: int = 2
    """Cost per minute above a person's contracted weekly time (up to their maximum)."""
    over_weight: int = 30
    """Cost of one surplus person for one interval."""
    time_limit_seconds: float = 10.0
    workers: int = 2
    seed: int = 1


@dataclass(frozen=True)
class RosterProblem:
    """What to roster: interval starts (UTC), required heads per skill per interval, shifts, people."""

    interval_starts: tuple[datetime, ...]
    interval: timedelta
    required: Mapping[str, Sequence[int]]
    shifts: tuple[ShiftOption, ...]
    people: tuple[Person, ...]
    rules: Rules = field(default_factory=Rules)
    minimums: Mapping[str, Sequence[int]] = field(default_factory=dict)
    """At least this many people on duty who have the skill, whatever role they work (languages, levels)."""

    def __post_init__(self) -> None:
        for skill, counts in [*self.required.items(), *self.minimums.items()]:
            if len(counts) != len(self.interval_starts):
                raise ValueError(
                    f"skill {skill!r} has {len(counts)} requirement values for {len(self.interval_starts)} intervals"
                )
            if any(c < 0 for c in counts):
                raise ValueError(f"skill {skill!r} has a negative requirement")
        for start in self.interval_starts:
            ensure_utc(start)
        if self.interval <= timedelta(0):
            raise ValueError("the interval must be longer than zero")


@dataclass(frozen=True)
class Assignment:
    """A person working a shift in the role of one skill."""

    person: str
    shift: ShiftOption
    skill: str


@dataclass(frozen=True)
class Gap:
    """An interval where fewer people are rostered than required for a skill."""

    start: datetime
    end: datetime
    skill: str
    required: int
    rostered: int

    @property
    def short(self) -> int:
        """How many people are missing."""
        return self.required - self.rostered


@dataclass(frozen=True)
class Roster:
    """The solver's answer: assignments, coverage per interval, gaps, and how good it is."""

    status: str
    """`optimal`, `feasible` (time limit reached with a solution) or `no_solution`."""
    assignments: tuple[Assignment, ...]
    rostered: Mapping[str, tuple[int, ...]]
    present: Mapping[str, tuple[int, ...]]
    """People on duty per interval for each skill with a minimum (whatever role they work)."""
    uncovered: tuple[Gap, ...]
    """Intervals short of a role requirement or of a skill minimum (`Gap.skill` names which)."""
    under_person_intervals: int
    """Missing people summed over intervals, for the role requirements (skill minimums are in `uncovered`)."""
    over_person_intervals: int
    worked_minutes: Mapping[str, int]
    solve_seconds: float

    def shifts_of(self, person: str) -> tuple[Assignment, ...]:
        """The assignments of one person, in time order."""
        return tuple(sorted((a for a in self.assignments if a.person == person), key=lambda a: a.shift.start))


def _week_index(day: date, first: date) -> int:
    return (day - first).days // 7


def solve_roster(problem: RosterProblem) -> Roster:
    """Build the roster with CP-SAT within the time limit; gaps are reported, never raised."""
    from ortools.sat.python import cp_model

    rules = problem.rules
    model = cp_model.CpModel()
    skills = list(problem.required)
    ends = [s + problem.interval for s in problem.interval_starts]
    first_day = min((o.day for o in problem.shifts), default=None)

    # x[(person index, option index, skill)] = 1 when that person works that shift in that role.
    x: dict[tuple[int, int, str], cp_model.IntVar] = {}
    works: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for p, person in enumerate(problem.people):
        roles = [k for k in skills if k in person.skills]
        for o, option in enumerate(problem.shifts):
            if roles and person.can_work(option):
                for k in roles:
                    var = model.new_bool_var(f"x_{p}_{o}_{k}")
                    x[(p, o, k)] = var
                    works[(p, o)].append(var)

    worked: dict[int, cp_model.LinearExpr] = {}
    for p, person in enumerate(problem.people):
        options = sorted((o for (q, o) in works if q == p), key=lambda o: problem.shifts[o].start)
        on: dict[int, cp_model.LinearExpr] = {o: cp_model.LinearExpr.sum(works[(p, o)]) for o in options}
        for o in options:
            model.add(on[o] <= 1)  # one role per shift
        by_day: dict[date, list[int]] = defaultdict(list)
        for o in options:
            by_day[problem.shifts[o].day].append(o)
        for same_day in by_day.values():
            model.add(sum(on[o] for o in same_day) <= 1)
        for i, a in enumerate(options):
            for b in options[i + 1:]:
                first, second = problem.shifts[a], problem.shifts[b]
                if first.day == second.day:
                    continue
                if second.start >= first.end + rules.min_rest:
                    break  # sorted by start: later options are further away still
                model.add(on[a] + on[b] <= 1)
        weeks: dict[int, list[int]] = defaultdict(list)
        if first_day is not None:
            for o in options:
                weeks[_week_index(problem.shifts[o].day, first_day)].append(o)
        for in_week in weeks.values():
            # At most one shift a day, so counting shifts counts working days.
            model.add(sum(on[o] for o in in_week) <= max(0, 7 - rules.rest_days_per_week))
            minutes = sum(on[o] * problem.shifts[o].paid_minutes for o in in_week)
            if person.max_weekly_minutes is not None:
                model.add(minutes <= person.max_weekly_minutes)
        worked[p] = cp_model.LinearExpr.weighted_sum(
            [on[o] for o in options], [problem.shifts[o].paid_minutes for o in options]
        )

    costs: list[cp_model.LinearExprT] = []
    horizon_weeks = max(1.0, len(problem.interval_starts) * problem.interval / timedelta(days=7))
    for p, person in enumerate(problem.people):
        target = round(person.contracted_minutes * horizon_weeks)
        bound = 60 * 24 * 7 * max(1, round(horizon_weeks))
        shortfall = model.new_int_var(0, max(target, 0), f"short_{p}")
        overtime = model.new_int_var(0, bound, f"over_{p}")
        model.add(shortfall >= target - worked[p])
        model.add(overtime >= worked[p] - target)
        costs.append(rules.contract_shortfall_weight * shortfall + rules.overtime_weight * overtime)

    covering: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    for (_p, o, k), var in x.items():
        option = problem.shifts[o]
        for i, start in enumerate(problem.interval_starts):
            if option.works_during(start, ends[i]):
                covering[(k, i)].append(var)
    for k in skills:
        for i, need in enumerate(problem.required[k]):
            cover = covering.get((k, i), [])
            if not cover:
                continue  # nothing to decide: any requirement here is a gap by construction
            under = model.new_int_var(0, need, f"under_{k}_{i}")
            over = model.new_int_var(0, len(cover), f"surplus_{k}_{i}")
            model.add(sum(cover) + under - over == need)
            costs.append(rules.under_weight * under + rules.over_weight * over)
    for skill, needs in problem.minimums.items():
        for i, need in enumerate(needs):
            present = [var for (p, o, _k), var in x.items()
                       if skill in problem.people[p].skills and problem.shifts[o].works_during(
                           problem.interval_starts[i], ends[i])]
            if need and present:
                missing = model.new_int_var(0, need, f"missing_{skill}_{i}")
                model.add(sum(present) + missing >= need)
                costs.append(rules.under_weight * missing)
    model.minimize(sum(costs))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = rules.time_limit_seconds
    solver.parameters.num_workers = rules.workers
    solver.parameters.random_seed = rules.seed
    code = solver.solve(model)
    status = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible"}.get(code, "no_solution")

    chosen = [key for key, var in x.items() if status != "no_solution" and solver.value(var)]
    assignments = tuple(
        sorted(
            (Assignment(problem.people[p].name, problem.shifts[o], k) for p, o, k in chosen),
            key=lambda a: (a.shift.start, a.person),
        )
    )
    return _summarise(problem, assignments, status, solver.wall_time)


def _summarise(problem: RosterProblem, assignments: tuple[Assignment, ...], status: str,
               seconds: float) -> Roster:
    """Count coverage per interval from the assignments themselves and list the gaps."""
    rostered: dict[str, list[int]] = {k: [0] * len(problem.interval_starts) for k in problem.required}
    present: dict[str, list[int]] = {k: [0] * len(problem.interval_starts) for k in problem.minimums}
    skills_of = {person.name: person.skills for person in problem.people}
    minutes: dict[str, int] = {person.name: 0 for person in problem.people}
    for a in assignments:
        minutes[a.person] += a.shift.paid_minutes
        counts = rostered[a.skill]
        for i, start in enumerate(problem.interval_starts):
            if a.shift.works_during(start, start + problem.interval):
                counts[i] += 1
                for skill in skills_of[a.person] & present.keys():
                    present[skill][i] += 1
    gaps: list[Gap] = []
    for skill, needs in problem.minimums.items():
        for i, need in enumerate(needs):
            if present[skill][i] < need:
                start = problem.interval_starts[i]
                gaps.append(Gap(start, start + problem.interval, skill, need, present[skill][i]))
    under = over = 0
    for k, needs in problem.required.items():
        for i, need in enumerate(needs):
            have = rostered[k][i]
            under += max(0, need - have)
            over += max(0, have - need)
            if have < need:
                start = problem.interval_starts[i]
                gaps.append(Gap(start, start + problem.interval, k, need, have))
    gaps.sort(key=lambda g: (g.start, g.skill))
    return Roster(
        status=status,
        assignments=assignments,
        rostered={k: tuple(v) for k, v in rostered.items()},
        present={k: tuple(v) for k, v in present.items()},
        uncovered=tuple(gaps),
        under_person_intervals=under,
        over_person_intervals=over,
        worked_minutes=minutes,
        solve_seconds=seconds,
    )


def merge_gaps(gaps: Sequence[Gap]) -> tuple[Gap, ...]:
    """Join back-to-back gaps of the same skill and shortfall into one span (for readable reports)."""
    merged: list[Gap] = []
    for gap in sorted(gaps, key=lambda g: (g.skill, g.start)):
        last = merged[-1] if merged else None
        if (last is not None and last.skill == gap.skill and last.end == gap.start
                and last.short == gap.short and last.required == gap.required):
            merged[-1] = Gap(last.start, gap.end, gap.skill, gap.required, gap.rostered)
        else:
            merged.append(gap)
    return tuple(sorted(merged, key=lambda g: (g.start, g.skill)))
