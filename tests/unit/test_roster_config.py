"""The desk file's `planning` section: a valid example loads, mistakes are located and explained."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from deskops.bot.config_loader import ConfigError, parse_config
from deskops.core.config.planning import parse_leave

DESK = """
calendars:
  office:
    timezone: Europe/Zurich
    hours: {mon-fri: ["08:00-17:00"]}
planning:
  calendar: office
  interval: 30m
  staffing: {aht: 6m, service_level: 80/20s, shrinkage: 30%, max_occupancy: 85%}
  shifts:
    day: {start: "08:00", length: 9h, breaks: [{after: 4h, length: 30m}], days: mon-fri}
  people:
    alice: {skills: [level-1], contracted_hours: 40, leave: ["2026-12-24", "2026-12-28/2026-12-31"]}
    bob: {skills: [level-1, de], availability: {mon-wed: ["07:00-18:00"]}, shifts: [day]}
"""


def test_a_valid_planning_section_loads() -> None:
    planning = parse_config(DESK).planning
    assert planning is not None
    assert planning.interval == timedelta(minutes=30)
    assert planning.shifts["day"].weekdays() == frozenset(range(5))
    assert len(planning.people["alice"].leave_days()) == 5
    assert planning.people["bob"].weekly() is not None
    assert planning.staffing.shrinkage_share() * 10 == 3


@pytest.mark.parametrize(
    "change, message",
    [
        (("calendar: office", "calendar: nowhere"), "unknown calendar 'nowhere'"),
        (("shifts: [day]", "shifts: [night]"), "unknown shift 'night'"),
        (("2026-12-24", "2026-24-12"), "bad leave"),
        (("length: 30m}]", "length: 6h}]"), "does not fit"),
        (("length: 30m}]", "length: 30m, latest: 1h}]"), "before its earliest"),
        (("start: \"08:00\"", "start: \"8am\""), "HH:MM"),
        (("shrinkage: 30%", "shrinkage: 130%"), "outside"),
        (("contracted_hours: 40", "contracted_hourz: 40"), "contracted_hourz"),
    ],
)
def test_mistakes_are_located_and_explained(change: tuple[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(DESK.replace(*change), source="desk.yaml")
    text = str(caught.value)
    assert message in text
    assert "planning" in text


def test_leave_ranges_include_both_ends() -> None:
    assert parse_leave("2026-12-30/2027-01-02") == tuple(date(2026, 12, 30) + timedelta(days=i) for i in range(4))
    with pytest.raises(ValueError, match="ends before"):
        parse_leave("2026-12-30/2026-12-01")


def _roster_for_break(break_yaml: str) -> tuple[int, set[str]]:
    """Roster alice and bob (8 h contracts) on Monday for one person 08:00-16:30; return gaps and break starts."""
    from zoneinfo import ZoneInfo

    from deskops.core.planning.forecast import Series
    from deskops.core.planning.pipeline import roster_problem, staffing_plan
    from deskops.core.planning.roster import solve_roster

    text = f"""
calendars:
  office: {{timezone: Europe/Zurich, hours: {{mon-fri: ["08:00-16:30"]}}}}
planning:
  calendar: office
  min_agents_open: 1
  staffing: {{aht: 1m}}
  solver_seconds: 5
  shifts:
    day: {{start: "08:00", length: 8h30m, breaks: [{break_yaml}], days: mon}}
  people:
    alice: {{skills: [level-1], contracted_hours: 8}}
    bob: {{skills: [level-1], contracted_hours: 8}}
"""
    desk = parse_config(text)
    assert desk.planning is not None
    from deskops.core.business_calendar import BusinessCalendar

    calendar = BusinessCalendar.from_config(desk.calendars["office"])
    grid = Series("Europe/Zurich", date(2026, 11, 30), timedelta(minutes=30), ())  # plan starts Monday
    plan = staffing_plan(desk.planning, grid, [0.0] * 48, calendar)
    roster = solve_roster(roster_problem(desk.planning, grid, plan, calendar, ZoneInfo("Europe/Zurich")))
    starts = {a.shift.breaks[0][0].isoformat() for a in roster.assignments}
    return len(roster.uncovered), starts


def test_a_break_window_lets_the_roster_stagger_breaks() -> None:
    fixed_gaps, fixed_starts = _roster_for_break("{after: 4h, length: 30m}")
    assert (fixed_gaps, len(fixed_starts)) == (1, 1)  # both at lunch together: nobody at the desk
    gaps, starts = _roster_for_break("{after: 3h, latest: 5h, length: 30m}")
    assert gaps == 0 and len(starts) == 2
