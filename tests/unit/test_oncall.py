"""On-call schedules: local-time handoffs across DST, layers, overrides, config errors, iCal and CLI."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from deskops.core.config.oncall import ScheduleConfig
from deskops.core.escalation.ical import schedule_to_ical
from deskops.core.escalation.oncall import OVERRIDE, Schedule

ZURICH = ZoneInfo("Europe/Zurich")
NEW_YORK = ZoneInfo("America/New_York")


def schedule(zone: str = "Europe/Zurich", layers: list[dict[str, Any]] | None = None, **extra: Any) -> Schedule:
    layers = layers or [{"name": "weekly", "rotation": "weekly", "start": "2026-03-23", "members": ["bob", "alice"]}]
    return Schedule.from_config("net", ScheduleConfig.model_validate({"timezone": zone, "layers": layers, **extra}))


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)  # type: ignore[misc]


def test_weekly_shift_spanning_spring_forward_lasts_167_hours_and_hands_off_at_local_nine() -> None:
    plan = schedule()  # Zurich springs forward on Sunday 2026-03-29
    shift = plan.who(local(ZURICH, 2026, 3, 25, 12, 0))
    assert shift.people == ("bob",)
    assert shift.start == local(ZURICH, 2026, 3, 23, 9, 0)
    assert shift.end == local(ZURICH, 2026, 3, 30, 9, 0)
    assert shift.end - shift.start == timedelta(hours=167)
    assert shift.end.astimezone(ZURICH).hour == 9
    following = plan.who(shift.end)
    assert following.people == ("alice",)
    assert following.end - following.start == timedelta(hours=168)


def test_weekly_shift_spanning_fall_back_lasts_169_hours_in_new_york() -> None:
    # New York falls back on Sunday 2026-11-01
    plan = schedule("America/New_York", [
        {"name": "w", "rotation": "weekly", "handoff": "09:00", "start": "2026-10-26", "members": ["bob", "alice"]},
    ])
    shift = plan.who(datetime(2026, 10, 30, 15, 0, tzinfo=UTC))
    assert shift.start == local(NEW_YORK, 2026, 10, 26, 9, 0)
    assert shift.end - shift.start == timedelta(hours=169)
    assert shift.end.astimezone(NEW_YORK).hour == 9


def test_handoff_is_half_open_at_the_exact_instant() -> None:
    plan = schedule()
    handoff = local(ZURICH, 2026, 3, 30, 9, 0)
    assert plan.who(handoff - timedelta(microseconds=1)).people == ("bob",)
    assert plan.who(handoff).people == ("alice",)


def test_handoff_inside_the_spring_forward_gap_happens_just_after_the_gap() -> None:
    plan = schedule(layers=[
        {"name": "d", "rotation": "daily", "handoff": "02:30", "start": "2026-03-27", "members": ["bob", "alice"]},
    ])
    # 02:30 does not exist in Zurich on 2026-03-29 (02:00 -> 03:00); fold=0 reads it as 03:30 CEST
    shift = plan.who(datetime(2026, 3, 29, 12, 0, tzinfo=UTC))
    assert shift.start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert shift.start.astimezone(ZURICH).strftime("%H:%M") == "03:30"


def test_daily_and_n_day_rotations_take_turns_in_order_with_groups() -> None:
    plan = schedule(layers=[
        {"name": "three", "rotation": "3d", "handoff": "08:00", "start": "2026-01-01",
         "members": ["bob", ["alice", "erin"], "carol"]},
    ])
    seen = [plan.who(local(ZURICH, 2026, 1, 1 + 3 * k, 12, 0)).people for k in range(4)]
    assert seen == [("bob",), ("alice", "erin"), ("carol",), ("bob",)]
    assert plan.who(local(ZURICH, 2026, 1, 4, 7, 59)).people == ("bob",)


def test_before_a_layer_starts_and_after_it_ends_nobody_is_on_call() -> None:
    plan = schedule(layers=[
        {"name": "w", "rotation": "weekly", "start": "2026-03-23", "until": "2026-04-06", "members": ["bob"]},
    ])
    assert plan.who(local(ZURICH, 2026, 3, 23, 8, 59)).people == ()
    assert plan.who(local(ZURICH, 2026, 4, 6, 8, 59)).people == ("bob",)
    assert plan.who(local(ZURICH, 2026, 4, 6, 9, 0)).people == ()


def test_a_restricted_upper_layer_wins_inside_its_window_and_the_lower_layer_fills_the_rest() -> None:
    plan = schedule(layers=[
        {"name": "nights", "rotation": "weekly", "start": "2026-03-23", "members": ["bob"]},
        {"name": "office", "rotation": "daily", "start": "2026-03-23", "members": ["carol"],
         "restrict": {"mon-fri": "08:00-18:00"}},
    ])
    assert plan.who(local(ZURICH, 2026, 3, 24, 10, 0)).people == ("carol",)
    assert plan.who(local(ZURICH, 2026, 3, 24, 18, 0)).source == "nights"
    saturday = plan.who(local(ZURICH, 2026, 3, 28, 10, 0))
    assert saturday.people == ("bob",)
    assert saturday.end == local(ZURICH, 2026, 3, 30, 8, 0)  # Monday's office window takes over


def test_overrides_are_half_open_take_precedence_and_the_last_listed_wins() -> None:
    plan = schedule(overrides=[
        {"who": "carol", "start": "2026-03-25T10:00", "end": "2026-03-25T14:00"},
        {"who": "erin", "start": "2026-03-25T12:00+01:00", "end": "2026-03-25T13:00+01:00"},
    ])
    assert plan.who(local(ZURICH, 2026, 3, 25, 9, 59)).people == ("bob",)
    carol = plan.who(local(ZURICH, 2026, 3, 25, 10, 0))
    assert (carol.people, carol.source, carol.end) == (("carol",), OVERRIDE, local(ZURICH, 2026, 3, 25, 12, 0))
    assert plan.who(local(ZURICH, 2026, 3, 25, 12, 30)).people == ("erin",)
    assert plan.who(local(ZURICH, 2026, 3, 25, 13, 0)).people == ("carol",)
    assert plan.who(local(ZURICH, 2026, 3, 25, 14, 0)).people == ("bob",)


MIXED = schedule(layers=[
    {"name": "base", "rotation": "weekly", "start": "2026-01-05", "members": ["bob", "alice", "erin"]},
    {"name": "office", "rotation": "2d", "handoff": "07:30", "start": "2026-01-06", "members": ["carol", "dave"],
     "restrict": {"mon-fri": ["08:00-12:00", "13:00-17:00"], "sat": "22:00-02:00"}},
], overrides=[{"who": "zoe", "start": "2026-03-28T23:00", "end": "2026-03-30T10:00"}])


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=60 * 24 * 120))
def test_timeline_agrees_with_who_at_every_instant(minutes: int) -> None:
    start = datetime(2026, 2, 1, tzinfo=UTC)
    at = start + timedelta(minutes=minutes, seconds=17)
    segments = MIXED.timeline(at - timedelta(days=3), at + timedelta(days=3))
    containing = [s for s in segments if s.start <= at < s.end]
    assert len(containing) == 1
    assert containing[0].people == MIXED.who(at).people
    # segments tile the period without gaps or overlaps, and neighbours differ
    for a, b in itertools.pairwise(segments):
        assert a.end == b.start and (a.people, a.source) != (b.people, b.source)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Europe/Zurch"}, "unknown time zone"),
        ({"layers": [{"name": "x", "rotation": "2w", "start": "2026-01-05", "members": ["a"]}]}, "bad rotation"),
        ({"layers": [{"name": "x", "handoff": "25:00", "start": "2026-01-05", "members": ["a"]}]}, "bad handoff"),
        ({"layers": [{"name": "x", "start": "2026-01-05", "members": []}]}, "at least one member"),
        ({"layers": [{"name": "x", "start": "2026-01-05", "members": ["a"]}] * 2}, "unique"),
        ({"layers": [{"name": "x", "start": "2026-01-05", "until": "2026-01-01", "members": ["a"]}]}, "before"),
        ({"overrides": [{"who": "a", "start": "2026-03-25T10:00", "end": "2026-03-25T10:00"}]}, "half-open"),
        ({"layers": []}, "at least one layer"),
    ],
)
def test_bad_schedule_config_is_refused_with_a_message_saying_what_to_do(change: dict[str, Any], message: str) -> None:
    data = {"timezone": "Europe/Zurich", "layers": [{"name": "x", "start": "2026-01-05", "members": ["a"]}]} | change
    with pytest.raises(ValidationError, match=message):
        ScheduleConfig.model_validate(data)


def test_ical_export_round_trips_with_local_times_and_stable_uids() -> None:
    plan = schedule(overrides=[{"who": "carol", "start": "2026-03-25T10:00", "end": "2026-03-25T14:00"}])
    start, end = local(ZURICH, 2026, 3, 24, 12, 0), local(ZURICH, 2026, 4, 13, 9, 0)
    first = icalendar.Calendar.from_ical(schedule_to_ical(plan, start, end, stamp=datetime(2026, 3, 1, tzinfo=UTC)))
    events = first.walk("VEVENT")
    expected = [a for a in plan.timeline(local(ZURICH, 2026, 3, 23, 9, 0), end) if a.people]
    assert [(e["DTSTART"].dt, e["DTEND"].dt) for e in events] == [(a.start, a.end) for a in expected]
    assert events[0]["DTSTART"].dt.tzinfo is not None and str(events[0]["DTSTART"].dt.tzinfo) == "Europe/Zurich"
    assert "carol" in str(events[1]["SUMMARY"])
    assert first.walk("VTIMEZONE"), "calendar apps need the VTIMEZONE to place local times"
    later = icalendar.Calendar.from_ical(
        schedule_to_ical(plan, start + timedelta(hours=5), end, stamp=datetime(2026, 3, 2, tzinfo=UTC))
    )
    assert [e["UID"] for e in later.walk("VEVENT")] == [e["UID"] for e in events]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    # `sys.argv[0]` is "-c" here; typer reads the arguments after it
    command = [sys.executable, "-c", "from deskops.bot.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.fixture()
def desk_file(tmp_path: Path) -> Path:
    path = tmp_path / "desk.yaml"
    path.write_text(
        "schedules:\n"
        "  ny:\n"
        "    timezone: America/New_York\n"
        "    layers:\n"
        "      - {name: w, rotation: weekly, handoff: '09:00', start: 2026-10-26, members: [bob, alice]}\n"
        "people:\n"
        "  bob: {name: Bob}\n"
        "  alice: {name: Alice}\n"
    )
    return path


def test_unknown_people_in_a_schedule_are_located_in_the_desk_file() -> None:
    from deskops.bot.config_loader import ConfigError, parse_config

    text = (
        "people: {bob: {name: Bob}}\n"
        "schedules:\n"
        "  ny:\n"
        "    timezone: America/New_York\n"
        "    layers: [{name: w, start: 2026-10-26, members: [bob, zoe]}]\n"
        "    overrides: [{who: max, start: '2026-11-01T00:00', end: '2026-11-02T00:00'}]\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="desk.yaml")
    rendered = str(caught.value)
    assert "schedules.ny.layers[0].members[1]: unknown person 'zoe' (known: bob)" in rendered
    assert "schedules.ny.overrides[0].who: unknown person 'max'" in rendered


def test_cli_who_json_follows_the_contract(desk_file: Path) -> None:
    result = run_cli("oncall", "who", "--schedule", "ny", "--at", "2026-11-02T13:59:59Z", "--config", str(desk_file),
                     "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["on_call"] == ["bob"]
    assert document["end"] == "2026-11-02T09:00:00-05:00"
    assert document["start"] == "2026-10-26T09:00:00-04:00"
    after = json.loads(run_cli("oncall", "who", "-s", "ny", "--at", "2026-11-02T14:00Z", "--config", str(desk_file),
                               "--json").stdout)
    assert after["on_call"] == ["alice"]


def test_cli_refuses_unknown_schedule_and_naive_instant_on_stderr(desk_file: Path) -> None:
    unknown = run_cli("oncall", "who", "--schedule", "nope", "--config", str(desk_file), "--json")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "known schedules: ny" in unknown.stderr
    naive = run_cli("oncall", "who", "--schedule", "ny", "--at", "2026-11-02T09:00", "--config", str(desk_file))
    assert naive.returncode == 2 and "offset" in naive.stderr


def test_cli_export_writes_a_parseable_calendar(desk_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "ny.ics"
    result = run_cli("oncall", "export", "-s", "ny", "--from", "2026-10-26T13:00Z", "--days", "21", "-o", str(out),
                     "--config", str(desk_file))
    assert result.returncode == 0, result.stderr
    events = icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    # aware datetimes in the same zone subtract as wall-clock times in Python: compare in UTC
    durations = [e["DTEND"].dt.astimezone(UTC) - e["DTSTART"].dt.astimezone(UTC) for e in events]
    assert durations[0] == timedelta(hours=169)  # the shift across the fall-back weekend


def test_weekly_window_overnight_belongs_to_its_start_day_and_next_open_skips_closed_days() -> None:
    from deskops.core.escalation.windows import WeeklyWindow

    nights = WeeklyWindow.from_hours("Europe/Zurich", {"fri": ("22:00-06:00",)})
    assert nights.contains(local(ZURICH, 2026, 3, 28, 1, 0))  # Saturday 01:00 is Friday night's window
    assert not nights.contains(local(ZURICH, 2026, 3, 28, 22, 30))  # Saturday night is not
    # the next opening after Saturday morning is the following Friday 22:00, in summer time by then
    assert nights.next_open(local(ZURICH, 2026, 3, 28, 6, 0)) == datetime(2026, 4, 3, 20, 0, tzinfo=UTC)
    assert nights.next_open(local(ZURICH, 2026, 3, 27, 23, 0)) == local(ZURICH, 2026, 3, 27, 23, 0)
    edges = nights.edges(local(ZURICH, 2026, 3, 27, 0, 0), local(ZURICH, 2026, 3, 29, 0, 0))
    assert sorted(edges) == [local(ZURICH, 2026, 3, 27, 22, 0), local(ZURICH, 2026, 3, 28, 6, 0)]
