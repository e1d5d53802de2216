"""`deskops sla due|elapsed` answer the issue's cases from a desk file, and refuse bad input clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deskops.bot.cli import app

DESK = """
name: SLA test desk
calendars:
  office:
    timezone: Europe/Zurich
    hours: {mon-fri: ["08:00-17:00"]}
    holidays: {dates: ["2026-12-25"]}
  nights:
    timezone: Europe/Zurich
    hours: {mon-sun: "22:00-06:00"}
  zurich-public:
    timezone: Europe/Zurich
    hours: {mon-fri: ["08:00-12:00", "13:00-17:00"]}
    holidays: {country: CH, subdivision: ZH}
"""


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    """A desk file with the calendars of the issue's cases."""
    path = tmp_path / "desk.yaml"
    path.write_text(DESK, encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    """Run `deskops ARGS` in-process; return exit code, stdout, stderr."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def due_json(desk: Path, *args: str) -> dict[str, object]:
    """Run `deskops sla due ... --json` and parse its one JSON document."""
    code, out, err = run("sla", "due", "--config", str(desk), "--json", *args)
    assert code == 0, err
    document: dict[str, object] = json.loads(out)
    return document


def test_christmas_case(desk: Path) -> None:
    doc = due_json(desk, "--calendar", "office", "--start", "2026-12-24T16:30+01:00", "--target", "4h")
    assert doc["due"] == "2026-12-28T11:30:00+01:00"
    assert doc["due_utc"] == "2026-12-28T10:30:00+00:00"
    assert doc["consumed_seconds"] == 4 * 3600
    assert doc["skipped"] == [{"date": "2026-12-25", "reason": "closed", "name": "closed day"}]


def test_dst_night_case(desk: Path) -> None:
    doc = due_json(desk, "--calendar", "nights", "--start", "2026-10-24T21:00+02:00", "--target", "PT8H")
    assert doc["due"] == "2026-10-25T05:00:00+01:00"


@pytest.mark.parametrize(("target", "expected"), [("60m", "2026-06-16T08:30:00+02:00"),
                                                  ("30m", "2026-06-15T17:00:00+02:00")])
def test_window_end_case(desk: Path, target: str, expected: str) -> None:
    doc = due_json(desk, "--calendar", "office", "--start", "2026-06-15T16:30+02:00", "--target", target)
    assert doc["due"] == expected


def test_pending_case_with_a_pause(desk: Path) -> None:
    doc = due_json(desk, "--calendar", "office", "--start", "2026-03-26T14:00+01:00", "--target", "8h",
                   "--pause", "2026-03-26T16:00+01:00/2026-03-30T09:30+02:00")
    assert doc["due"] == "2026-03-30T15:30:00+02:00"
    assert doc["paused_seconds"] == (1 + 9 + 1.5) * 3600  # Thu 16-17, all Friday, Mon 08:00-09:30
    code, out, _ = run("sla", "elapsed", "--config", str(desk), "--json", "--calendar", "office",
                       "--from", "2026-03-26T14:00+01:00", "--to", "2026-03-30T15:00+02:00",
                       "--pause", "2026-03-26T16:00+01:00/2026-03-30T09:30+02:00")
    assert code == 0
    assert json.loads(out)["seconds"] == 7.5 * 3600


def test_elapsed_lists_public_holidays(desk: Path) -> None:
    code, out, err = run("sla", "elapsed", "--config", str(desk), "--json", "--calendar", "zurich-public",
                         "--from", "2026-12-21T00:00+01:00", "--to", "2026-12-28T00:00+01:00")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["seconds"] == 4 * 8 * 3600  # Mon-Thu; Friday is Christmas Day
    assert doc["skipped"] == [{"date": "2026-12-25", "reason": "holiday", "name": "Christmas Day"}]
    assert doc["wall_seconds"] == 7 * 24 * 3600


def test_human_output_names_due_local_utc_and_skipped_days(desk: Path) -> None:
    code, out, _ = run("sla", "due", "--config", str(desk), "--calendar", "office",
                       "--start", "2026-12-24T16:30+01:00", "--target", "4h")
    assert code == 0
    assert "2026-12-28 11:30:00 +01:00 (Europe/Zurich)" in out
    assert "2026-12-28 10:30:00 UTC" in out
    assert "2026-12-25 Fri  closed day (closed)" in out


def test_config_comes_from_the_environment(desk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKOPS_CONFIG", str(desk))
    code, out, _ = run("sla", "elapsed", "--calendar", "nights", "--json",
                       "--from", "2026-10-24T12:00+02:00", "--to", "2026-10-25T12:00+01:00")
    assert code == 0
    assert json.loads(out)["seconds"] == 9 * 3600


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["due", "--calendar", "nope", "--start", "2026-06-15T10:00Z", "--target", "1h"],
         "unknown calendar 'nope'"),
        (["due", "--calendar", "office", "--start", "2026-06-15T10:00", "--target", "1h"], "has no offset"),
        (["due", "--calendar", "office", "--start", "15/06/2026", "--target", "1h"], "bad start '15/06/2026'"),
        (["due", "--calendar", "office", "--start", "2026-06-15T10:00Z", "--target", "soon"], "bad duration"),
        (["due", "--calendar", "office", "--start", "2026-06-15T10:00Z", "--target", "400d"], "longer than 366 days"),
        (["due", "--calendar", "office", "--start", "2026-06-15T10:00Z", "--target", "1h", "--pause",
          "2026-06-15T10:00Z"], "write START/END"),
        (["due", "--calendar", "office", "--start", "2026-06-15T10:00Z", "--target", "1h", "--pause",
          "2026-06-15T12:00Z/2026-06-15T11:00Z"], "ends before it starts"),
        (["elapsed", "--calendar", "office", "--from", "2026-06-16T10:00Z", "--to", "2026-06-15T10:00Z"],
         "is before --from"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_stdout(desk: Path, args: list[str], message: str) -> None:
    code, out, err = run("sla", *args, "--config", str(desk), "--json")
    assert code == 2
    assert message in err
    assert out == ""


def test_unknown_calendar_lists_the_known_ones(desk: Path) -> None:
    _, _, err = run("sla", "due", "--config", str(desk), "--calendar", "ofice", "--start", "2026-06-15T10:00Z",
                    "--target", "1h")
    assert "known calendars: nights, office, zurich-public" in err


def test_broken_desk_file_exits_1_naming_the_place(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("calendars:\n  office:\n    timezone: Europe/Zurich\n    hours: {mon-fri: ['8-17']}\n")
    code, out, err = run("sla", "due", "--config", str(path), "--calendar", "office",
                         "--start", "2026-06-15T10:00Z", "--target", "1h", "--json")
    assert code == 1
    assert out == ""
    assert "calendars.office.hours" in err
    assert "bad window '8-17'" in err
