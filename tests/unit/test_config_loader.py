"""The desk-file loader: every kind of problem is named with file, path inside it and YAML line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deskops.bot.cli import app
from deskops.bot.config_loader import (
    ConfigError,
    default_config_path,
    format_path,
    load_config,
    parse_config,
    parse_path,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "desk.yaml"


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="desk.yaml")
    return [p.render("desk.yaml") for p in caught.value.problems]


def test_example_desk_file_loads() -> None:
    config = load_config(EXAMPLE)
    assert {"office-zurich", "always"} <= set(config.calendars)


def test_unknown_key_is_located_with_a_suggestion() -> None:
    text = "name: x\ncalendars:\n  always:\n    timezone: UTC\n    hourz: 24x7\n"
    problems = _problems(text)
    assert "desk.yaml:5: calendars.always.hourz: unknown key 'hourz'; did you mean 'hours'?" in problems


def test_unknown_top_level_section_lists_a_close_name() -> None:
    assert _problems("calender: {}\n") == ["desk.yaml:1: calender: unknown key 'calender'; did you mean 'calendars'?"]


def test_bad_time_zone_names_the_calendar_and_line() -> None:
    text = "calendars:\n  office:\n    hours: 24x7\n    timezone: Mars/Base\n"
    [problem] = _problems(text)
    assert problem.startswith("desk.yaml:4: calendars.office.timezone: unknown time zone 'Mars/Base'")


def test_missing_key_is_named() -> None:
    [problem] = _problems("calendars:\n  office:\n    hours: 24x7\n")
    assert problem == "desk.yaml:2: calendars.office.timezone: required key 'timezone' is missing"


def test_union_errors_keep_the_deeper_alternative_only() -> None:
    text = "calendars:\n  office:\n    timezone: UTC\n    hours:\n      mon: [1]\n"
    assert _problems(text) == ["desk.yaml:5: calendars.office.hours.mon[0]: Input should be a valid string"]


def test_every_problem_is_reported_at_once() -> None:
    text = "calendars:\n  a:\n    timezone: Nowhere/X\n    hours: 24x7\n  b:\n    timezone: UTC\n"
    problems = _problems(text)
    assert len(problems) == 2
    assert any("calendars.a.timezone" in p for p in problems)
    assert any("calendars.b.hours" in p for p in problems)


def test_duplicate_keys_are_refused_although_pyyaml_accepts_them() -> None:
    import yaml

    text = "name: a\nname: b\n"
    assert yaml.safe_load(text) == {"name": "b"}  # what PyYAML alone does: the first value vanishes
    [problem] = _problems(text)
    assert problem == "desk.yaml:2: not valid YAML: duplicate key 'name' (first on line 1); remove one of them"


def test_yaml_syntax_error_has_its_line() -> None:
    [problem] = _problems("name: ok\ncalendars: [\n  x\n")
    assert problem.startswith("desk.yaml:4: not valid YAML:")


def test_top_level_must_be_a_mapping() -> None:
    [problem] = _problems("- a\n- b\n")
    assert "must be a mapping" in problem


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file; give the desk file's path or set DESKOPS_CONFIG"):
        load_config(tmp_path / "absent.yaml")


def test_default_path_follows_the_environment() -> None:
    assert default_config_path({}) == Path("config/desk.yaml")
    assert default_config_path({"DESKOPS_CONFIG": "/etc/desk.yaml"}) == Path("/etc/desk.yaml")


@pytest.mark.parametrize("path", ["groups.network.members[2]", "calendars.always", "name", "a[0][1].b"])
def test_paths_round_trip(path: str) -> None:
    assert format_path(parse_path(path)) == path


def test_check_config_exit_codes_and_messages(tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(app, ["check-config", str(EXAMPLE)])
    assert good.exit_code == 0, good.output
    assert "OK" in good.stdout

    bad = tmp_path / "bad.yaml"
    bad.write_text("calendars:\n  a:\n    timezone: Mars/Base\n    hours: 24x7\n", encoding="utf-8")
    result = runner.invoke(app, ["check-config", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: calendars.a.timezone: unknown time zone 'Mars/Base'" in result.stderr
    assert result.stdout == ""

    as_json = runner.invoke(app, ["check-config", str(bad), "--json"])
    assert as_json.exit_code == 1
    document = json.loads(as_json.stdout)
    assert document["ok"] is False
    assert document["problems"][0]["path"] == "calendars.a.timezone"
    assert document["problems"][0]["line"] == 3


def test_check_config_uses_deskops_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    desk = tmp_path / "desk.yaml"
    desk.write_text("name: Env Desk\n", encoding="utf-8")
    monkeypatch.setenv("DESKOPS_CONFIG", str(desk))
    result = CliRunner().invoke(app, ["check-config", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["name"] == "Env Desk"


def test_cross_references_are_split_and_located() -> None:
    text = (
        "groups:\n"
        "  network:\n"
        "    members: [bob, zoe]\n"
        "    calendar: nowhere\n"
        "categories:\n"
        "  vpn: {default_group: netwrok}\n"
        "people:\n"
        "  bob: {name: Bob}\n"
    )
    assert _problems(text) == [
        "desk.yaml:3: groups.network.members[1]: unknown person 'zoe' (known: bob)",
        "desk.yaml:4: groups.network.calendar: unknown calendar 'nowhere' (known: none defined)",
        "desk.yaml:6: categories.vpn.default_group: unknown group 'netwrok' (known: network)",
    ]


def test_matrix_gap_names_the_missing_cell() -> None:
    text = (
        "priorities:\n"
        "  matrix:\n"
        "    high: {high: P1, medium: P2}\n"
        "    medium: {high: P2, medium: P3, low: P4}\n"
        "    low: {high: P3, medium: P4, low: P4}\n"
    )
    assert _problems(text) == ["desk.yaml:3: priorities.matrix.high.low: gap in the matrix; give a priority"]
