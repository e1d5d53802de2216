"""`deskops plan forecast|staffing|roster` on a CSV history: documents, on-call feed, refusals."""

from __future__ import annotations

import itertools
import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deskops.bot.cli import app

REPO = Path(__file__).resolve().parents[2]
DESK = str(REPO / "config" / "desk.yaml")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Five weeks of weekday arrivals 08:00-17:00 (local), 30-50 a day, as a CSV of timestamps."""
    rng = random.Random(1)
    rows = ["opened_at"]
    for i in range(35):
        day = date(2026, 10, 5) + timedelta(days=i)
        if day.weekday() < 5:
            opening = datetime(day.year, day.month, day.day, 8)
            count = rng.randint(30, 50)
            rows.extend((opening + timedelta(minutes=rng.randrange(540))).isoformat() for _ in range(count))
    path = tmp_path_factory.mktemp("history") / "arrivals.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def _run(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["plan", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_forecast_reports_every_model_against_last_week(history: str) -> None:
    document = _run("forecast", "--source", "csv", "--file", history, "--config", DESK)
    backtest = {row["model"]: row for row in document["backtest"]}  # type: ignore[attr-defined]
    assert set(backtest) == {"seasonal_naive", "same_slot_mean_4w", "holt_winters"}
    assert backtest["seasonal_naive"]["wape_vs_same_slot_last_week"] == 1.0
    assert document["model"] in backtest
    assert len(document["forecast"]) == 7 * 48  # type: ignore[arg-type]
    assert document["history"]["last_day"] == "2026-11-05"  # type: ignore[index]


def test_staffing_table_for_every_interval_of_the_week(history: str) -> None:
    document = _run("staffing", "--source", "csv", "--file", history, "--config", DESK)
    intervals = document["intervals"]
    assert len(intervals) == 7 * 48  # type: ignore[arg-type]
    closed = [i for i in intervals if not i["open"]]  # type: ignore[attr-defined]
    assert closed and all(i["required"] == 0 for i in closed)
    opened = [i for i in intervals if i["open"]]  # type: ignore[attr-defined]
    assert all(i["required"] >= max(1, i["agents_with_shrinkage"]) for i in opened)


def test_roster_respects_rules_and_feeds_on_call(history: str) -> None:
    document = _run("roster", "--source", "csv", "--file", history, "--config", DESK, "--oncall", "all")
    assert document["status"] in {"optimal", "feasible"}
    people = {p["name"]: p for p in document["people"]}  # type: ignore[attr-defined]
    assert set(people) == {"alice", "bob", "carol"}
    assert people["carol"]["rostered_hours"] <= 16  # her max_weekly_hours
    for person in people.values():
        days = [s["day"] for s in person["shifts"]]
        assert len(days) == len(set(days))
    overrides = document["oncall_overrides"]
    assert overrides
    for first, second in itertools.pairwise(overrides):  # type: ignore[arg-type]
        assert first["end"] <= second["start"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["roster", "--source", "csv", "--config", DESK], "--file"),
        (["forecast", "--source", "csv", "--file", "nope.csv"], "--file"),
        (["forecast", "--source", "csv", "--from", "yesterday"], "not a date"),
        (["forecast", "--source", "bpic2014", "--data", "/nonexistent"], "not found"),
        (["forecast", "--source", "oracle"], "unknown source"),
        (["forecast", "--source", "db", "--database", "sqlite:///no/such/desk.db"], "no desk database"),
    ],
)
def test_bad_input_is_refused_on_stderr(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["plan", *args, "--json"])
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""
