"""Roster (CP-SAT): leave moves work to someone else, impossible intervals are reported, rules hold."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from deskops.core.planning.roster import Person, RosterProblem, Rules, merge_gaps, solve_roster
from deskops.core.planning.shifts import (
    ShiftPattern,
    days_from,
    leave_intervals,
    local_instant,
    shift_options,
    weekly_availability,
)

ZURICH = ZoneInfo("Europe/Zurich")
MONDAY = date(2026, 12, 7)
HALF_HOUR = timedelta(minutes=30)
FAST = Rules(time_limit_seconds=5)
DAY_SHIFT = ShiftPattern("day", time(8), timedelta(hours=8, minutes=30),
                         breaks=((timedelta(hours=4), timedelta(minutes=30)),))


def _slots(days: int) -> tuple[datetime, ...]:
    start = local_instant(MONDAY, time(0), ZURICH)
    return tuple(start + i * HALF_HOUR for i in range(days * 48))


def _need_during_day_shift(slots: tuple[datetime, ...], heads: int, weekdays: set[int]) -> list[int]:
    """`heads` people required whenever the day shift works (08:00-12:00, 12:30-16:30 local)."""
    need = []
    for start in slots:
        local = start.astimezone(ZURICH)
        minutes = local.hour * 60 + local.minute
        working = 480 <= minutes < 720 or 750 <= minutes < 990
        need.append(heads if working and local.weekday() in weekdays else 0)
    return need


def _person(name: str, contracted_hours: float = 0, **kwargs: object) -> Person:
    return Person(name, frozenset({"level-1"}), contracted_minutes=int(contracted_hours * 60), **kwargs)  # type: ignore[arg-type]


def test_leave_forces_another_persons_shift() -> None:
    slots = _slots(1)
    shifts = shift_options([DAY_SHIFT], days_from(MONDAY, 1), ZURICH)
    need = {"level-1": _need_during_day_shift(slots, 1, {0})}
    # alice has a contract to fill, bob none: without leave the solver gives Monday to alice.
    people = (_person("alice", 8), _person("bob", 0))
    base = solve_roster(RosterProblem(slots, HALF_HOUR, need, shifts, people, FAST))
    assert [a.person for a in base.assignments] == ["alice"]
    on_leave = (_person("alice", 8, leave=leave_intervals([MONDAY], ZURICH)), people[1])
    moved = solve_roster(RosterProblem(slots, HALF_HOUR, need, shifts, on_leave, FAST))
    assert [a.person for a in moved.assignments] == ["bob"]
    assert moved.uncovered == ()


def test_an_interval_nobody_can_cover_is_reported_not_raised() -> None:
    slots = _slots(1)
    shifts = shift_options([DAY_SHIFT], days_from(MONDAY, 1), ZURICH)
    need = _need_during_day_shift(slots, 1, {0})
    night = slots.index(local_instant(MONDAY, time(3), ZURICH))
    need[night] = 1  # 03:00 on Monday: no shift pattern works then
    roster = solve_roster(RosterProblem(slots, HALF_HOUR, {"level-1": need}, shifts, (_person("alice", 8),), FAST))
    assert roster.status == "optimal"
    assert len(roster.uncovered) == 1
    gap = roster.uncovered[0]
    assert gap.start == local_instant(MONDAY, time(3), ZURICH)
    assert (gap.required, gap.rostered, gap.short) == (1, 0, 1)
    assert roster.assignments  # the rest of the day is still covered


def test_nobody_with_the_skill_leaves_every_interval_uncovered_and_merged() -> None:
    slots = _slots(1)
    shifts = shift_options([DAY_SHIFT], days_from(MONDAY, 1), ZURICH)
    need = {"german": _need_during_day_shift(slots, 1, {0})}
    roster = solve_roster(RosterProblem(slots, HALF_HOUR, need, shifts, (_person("alice", 8),), FAST))
    assert roster.assignments == ()
    assert len(roster.uncovered) == 16
    spans = merge_gaps(roster.uncovered)
    assert [(g.start.astimezone(ZURICH).time(), g.end.astimezone(ZURICH).time()) for g in spans] == [
        (time(8), time(12)),
        (time(12, 30), time(16, 30)),
    ]


def test_weekly_rest_day_and_rest_between_shifts_hold() -> None:
    early = ShiftPattern("early", time(6), timedelta(hours=8))
    late = ShiftPattern("late", time(14), timedelta(hours=8))
    slots = _slots(7)
    shifts = shift_options([early, late], days_from(MONDAY, 7), ZURICH)
    need = {"level-1": [1] * len(slots)}  # more than one person can give: the rules must bind
    rules = Rules(time_limit_seconds=5, min_rest=timedelta(hours=11), rest_days_per_week=1)
    roster = solve_roster(RosterProblem(slots, HALF_HOUR, need, shifts, (_person("alice", 40),), rules))
    worked = roster.shifts_of("alice")
    assert len(worked) == 6  # a free day in the week
    assert len({a.shift.day for a in worked}) == 6
    for first, second in itertools.pairwise(worked):
        assert second.shift.start - first.shift.end >= timedelta(hours=11)
    assert roster.uncovered  # a single person cannot cover around the clock


def test_max_weekly_hours_and_availability_bind() -> None:
    slots = _slots(7)
    shifts = shift_options([DAY_SHIFT], days_from(MONDAY, 7), ZURICH)
    need = {"level-1": _need_during_day_shift(slots, 1, {0, 1, 2, 3, 4})}
    mornings_only = [[(6 * 3600, 12 * 3600)]] * 7  # never long enough for the 8.5-hour shift
    carol_windows = weekly_availability(mornings_only, days_from(MONDAY, 7), ZURICH)
    people = (
        _person("alice", 40, max_weekly_minutes=24 * 60),
        _person("carol", 40, available=carol_windows),
    )
    roster = solve_roster(RosterProblem(slots, HALF_HOUR, need, shifts, people, FAST))
    assert roster.worked_minutes["alice"] <= 24 * 60
    assert roster.worked_minutes["alice"] == 3 * 8 * 60  # three 8-hour paid shifts fit, a fourth does not
    assert roster.shifts_of("carol") == ()
    assert len(merge_gaps(roster.uncovered)) == 4  # two weekdays uncovered, each in two halves


def test_shift_options_follow_local_time_across_dst() -> None:
    autumn_sunday = date(2026, 10, 25)  # Europe/Zurich leaves summer time at 03:00
    options = shift_options([DAY_SHIFT], days_from(autumn_sunday - timedelta(days=1), 2), ZURICH)
    saturday, sunday = options
    assert saturday.start == datetime(2026, 10, 24, 6, tzinfo=UTC)
    assert sunday.start == datetime(2026, 10, 25, 7, tzinfo=UTC)
    assert sunday.paid_minutes == 8 * 60


def test_a_language_minimum_puts_a_speaker_on_duty_and_reports_a_missing_one() -> None:
    slots = _slots(1)
    shifts = shift_options([DAY_SHIFT], days_from(MONDAY, 1), ZURICH)
    need = {"level-1": _need_during_day_shift(slots, 1, {0})}
    speaker = Person("alice", frozenset({"level-1", "de"}))
    people = (speaker, _person("bob", 8))
    plain = solve_roster(RosterProblem(slots, HALF_HOUR, need, shifts, people, FAST))
    assert [a.person for a in plain.assignments] == ["bob"]
    minimums = {"de": _need_during_day_shift(slots, 1, {0}), "fr": _need_during_day_shift(slots, 1, {0})}
    roster = solve_roster(RosterProblem(slots, HALF_HOUR, need, shifts, people, FAST, minimums))
    assert "alice" in {a.person for a in roster.assignments}
    assert max(roster.present["de"]) == 1
    assert {g.skill for g in roster.uncovered} == {"fr"}  # nobody speaks French: reported, not raised
    assert len(roster.uncovered) == 16


def test_the_roster_feeds_on_call_one_person_at_a_time() -> None:
    from deskops.core.planning.oncall_feed import oncall_spans
    from deskops.core.planning.roster import Assignment, ShiftOption

    def shift(name: str, start_h: int, end_h: int) -> ShiftOption:
        day = local_instant(MONDAY, time(0), ZURICH)
        return ShiftOption(name, MONDAY, day + timedelta(hours=start_h), day + timedelta(hours=end_h))

    assignments = [
        Assignment("alice", shift("early", 6, 14), "level-1"),
        Assignment("bob", shift("day", 8, 16), "level-1"),
        Assignment("carol", shift("late", 12, 20), "level-2"),
        Assignment("dave", shift("night", 22, 30), "level-1"),
    ]
    spans = oncall_spans(assignments)
    assert [(s.who, s.start.hour, s.end.hour) for s in spans] == [
        ("alice", 5, 13), ("carol", 13, 19), ("dave", 21, 5),  # UTC hours; Zurich is UTC+1 in December
    ]
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
    level_1 = oncall_spans(assignments, "level-1")
    assert [s.who for s in level_1] == ["alice", "bob", "dave"]
    assert level_1[1].start == level_1[0].end  # bob takes over when alice's shift ends
