"""Planning on the real histories: loaders match SOURCE.md, the forecast beats last week, the roster runs."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deskops.bot.cli import app
from deskops.bot.planning_io import History, read_bpic2014, read_uci
from deskops.bot.planning_service import run_forecast
from deskops.core.planning.forecast import BASELINE, DEFAULT_MODEL

pytestmark = pytest.mark.realdata
REPO = Path(__file__).resolve().parents[2]


def _per_weekday(history: History) -> dict[int, float]:
    """Mean arrivals per day for each weekday (Monday = 0)."""
    series = history.series
    totals: dict[int, list[float]] = {d: [] for d in range(7)}
    for day_index in range(len(series.values) // series.per_day):
        day = series.first_day + timedelta(days=day_index)
        chunk = series.values[day_index * series.per_day:(day_index + 1) * series.per_day]
        totals[day.weekday()].append(sum(chunk))
    return {d: sum(v) / len(v) for d, v in totals.items()}


def test_bpic2014_loader_matches_the_published_weekday_profile(shared_data: Path) -> None:
    history = read_bpic2014(shared_data, timedelta(hours=1))
    assert history.series.first_day == date(2013, 10, 7)
    assert history.last_day == date(2014, 3, 30)
    assert len(history.series.values) == 25 * 168
    means = _per_weekday(history)
    # SOURCE.md: Mon 1,255, Tue 1,197, Wed 1,022, Thu 1,096, Fri 990 (over Oct 2013 - Mar 2014).
    for weekday, reference in enumerate([1255, 1197, 1022, 1096, 990]):
        assert means[weekday] == pytest.approx(reference, rel=0.05)
    assert means[5] < 40 and means[6] < 10
    assert history.aht_seconds == pytest.approx(445, rel=0.05)  # SOURCE.md: mean 445 s


def test_uci_loader_matches_the_published_daily_volumes(shared_data: Path) -> None:
    history = read_uci(shared_data, timedelta(hours=1))
    assert len(history.series.values) == 13 * 168
    means = _per_weekday(history)
    weekday = sum(means[d] for d in range(5)) / 5
    weekend = (means[5] + means[6]) / 2
    assert weekday == pytest.approx(352, rel=0.05)  # SOURCE.md: 352 per weekday, 46 per weekend day
    assert weekend == pytest.approx(46, rel=0.1)


def test_bpic2014_holt_winters_beats_same_slot_last_week(shared_data: Path) -> None:
    run = run_forecast(read_bpic2014(shared_data, timedelta(hours=1)), days=7, folds=6)
    wape = {a.model: a.wape for a in run.accuracy}
    assert wape[DEFAULT_MODEL] < wape[BASELINE]
    assert run.model == DEFAULT_MODEL
    assert len(run.volumes) == 168 and min(run.volumes) >= 0


def test_uci_picks_a_model_that_beats_same_slot_last_week(shared_data: Path) -> None:
    run = run_forecast(read_uci(shared_data, timedelta(hours=1)), days=7, folds=6)
    wape = {a.model: a.wape for a in run.accuracy}
    assert wape[run.model] == min(wape.values())
    assert wape[run.model] < wape[BASELINE]
    assert wape[DEFAULT_MODEL] < wape[BASELINE]


@pytest.mark.slow
def test_roster_for_next_week_from_the_bpic2014_history(shared_data: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "plan", "roster", "--source", "bpic2014", "--data", str(shared_data),
        "--config", str(REPO / "config" / "desk-bpic2014.yaml"), "--charts", str(tmp_path), "--json",
    ])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["status"] in {"optimal", "feasible"}
    assert document["week"]["first_day"] == "2014-03-31"
    assert len(document["people"]) == 42
    coverage = document["coverage"]
    listed = sum(g["short"] for g in document["uncovered"])
    assert coverage["under_person_intervals"] >= listed > 0 or coverage["under_person_intervals"] == 0
    assert (tmp_path / "roster-coverage.png").stat().st_size > 10_000
    for person in document["people"]:
        days = [s["day"] for s in person["shifts"]]
        assert len(days) == len(set(days)) <= 6
        assert person["rostered_hours"] <= 45


@pytest.mark.slow
def test_holidays_as_special_days_improve_the_bpic2014_backtest_over_christmas(shared_data: Path) -> None:
    from deskops.bot.planning_service import special_days
    from deskops.core.planning.forecast import backtest

    history = read_bpic2014(shared_data, timedelta(hours=1))
    flags = special_days(history, 0, None)  # Dutch public holidays: 25-26 Dec, 1 Jan in the window
    assert sum(flags) == 3 * 24
    plain = {a.model: a.wape for a in backtest(history.series, 168, 20, [DEFAULT_MODEL])}
    aware = {a.model: a.wape for a in backtest(history.series, 168, 20, [DEFAULT_MODEL], flags)}
    assert aware[DEFAULT_MODEL] < plain[DEFAULT_MODEL]
