"""`deskops plan staffing`: the JSON contract of DESIGN.md §4, table output and refusals."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from deskops.bot.cli import app
from deskops.core.planning.units import parse_service_level, parse_share

REFERENCE = ["plan", "staffing", "--volume", "100", "--interval", "30m", "--aht", "180s", "--target", "80/20s"]


def test_json_has_exactly_the_contract_keys() -> None:
    result = CliRunner().invoke(app, [*REFERENCE, "--shrinkage", "30%", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"agents", "agents_with_shrinkage", "p_wait", "service_level", "asa_seconds", "occupancy"}
    assert (document["agents"], document["agents_with_shrinkage"]) == (14, 20)
    assert document["service_level"] == pytest.approx(0.8884, abs=5e-5)
    assert document["asa_seconds"] == pytest.approx(7.84, abs=5e-3)
    assert document["occupancy"] == pytest.approx(0.714, abs=5e-4)


def test_occupancy_cap_and_table_output() -> None:
    result = CliRunner().invoke(app, [*REFERENCE, "--max-occupancy", "70%"])
    assert result.exit_code == 0, result.output
    assert "15" in result.stdout  # 10 erlangs at most 70 % busy → 15 agents
    assert "occupancy" in result.stdout


@pytest.mark.parametrize(
    "extra, message",
    [(["--shrinkage", "120%"], "outside"), (["--aht", "3x"], "bad duration"), (["--target", "80"], "80/20s")],
)
def test_bad_input_goes_to_stderr_with_exit_1(extra: list[str], message: str) -> None:
    result = CliRunner().invoke(app, [*REFERENCE, *extra, "--json"])
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_share_and_target_parsing() -> None:
    assert parse_share("30%") == parse_share("0.3") == parse_share("30 %")
    assert parse_service_level("80/20s") == (parse_share("80%"), 20.0)
    assert parse_service_level("0.9/PT15S") == (parse_share("90%"), 15.0)
    with pytest.raises(ValueError, match="percentage"):
        parse_share("lots")


def test_patience_switches_to_erlang_a_and_adds_the_abandon_rate() -> None:
    result = CliRunner().invoke(app, [*REFERENCE, "--patience", "2m", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["agents"] < 14  # callers who give up lower the need
    assert 0 < document["p_abandon"] < 0.2
    assert document["service_level"] >= 0.8
