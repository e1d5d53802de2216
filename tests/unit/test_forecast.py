"""Forecast models, holiday handling, accuracy measures and the rolling-origin back-test."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from deskops.core.planning.forecast import (
    Series,
    backtest,
    best_model,
    bias,
    holiday_ratio,
    mase_scale,
    predict,
    same_slot_mean_4w,
    seasonal_naive,
    wape,
)

HOUR = timedelta(hours=1)
MONDAY = date(2026, 1, 5)


def _weekly_profile() -> list[float]:
    """A desk's week: busy weekday mornings and afternoons, quiet nights and weekends."""
    profile = []
    for day in range(7):
        for hour in range(24):
            base = 0.5 if day >= 5 else (40.0 if 9 <= hour < 12 else 25.0 if 13 <= hour < 17 else 2.0)
            profile.append(base)
    return profile


def _noisy_weeks(weeks: int, seed: int = 7) -> list[float]:
    rng = random.Random(seed)
    profile = _weekly_profile()
    return [max(0.0, round(profile[i % 168] * rng.uniform(0.6, 1.4))) for i in range(weeks * 168)]


def test_seasonal_naive_repeats_last_week_and_four_week_mean_averages() -> None:
    history = [float(i % 7) for i in range(14)] + [float(10 + i) for i in range(7)]
    assert seasonal_naive(history, 9, 7) == [10, 11, 12, 13, 14, 15, 16, 10, 11]
    weeks = [[1.0] * 7, [2.0] * 7, [3.0] * 7, [4.0] * 7, [9.0] * 7]
    flat = [v for week in weeks for v in week]
    assert same_slot_mean_4w(flat, 7, 7) == [4.5] * 7  # the first week is older than four weeks


def test_holt_winters_beats_same_slot_last_week_on_noisy_seasonal_data() -> None:
    series = Series("Europe/Zurich", MONDAY, HOUR, tuple(_noisy_weeks(12)))
    results = {r.model: r for r in backtest(series, horizon=168, folds=4)}
    assert results["holt_winters"].wape < results["seasonal_naive"].wape
    assert results["same_slot_mean_4w"].wape < results["seasonal_naive"].wape
    assert best_model(list(results.values())) != "seasonal_naive"
    assert abs(results["holt_winters"].bias) < 0.1


def test_forecasts_never_go_negative_and_zero_intervals_do_not_break_the_measures() -> None:
    series = Series("UTC", MONDAY, HOUR, tuple(_noisy_weeks(4)))
    assert min(predict(series, 168)) >= 0
    assert wape([0, 0, 4], [1, 0, 3]) == pytest.approx(0.5)
    assert bias([0, 0, 4], [1, 0, 3]) == pytest.approx(0.0)
    assert math.isnan(wape([0, 0], [1, 1]))


def test_mase_scale_is_the_in_sample_error_of_last_week() -> None:
    assert mase_scale([1, 2, 3, 5, 2, 7], 3) == pytest.approx((4 + 0 + 4) / 3)


def test_holidays_are_cleaned_from_history_and_scaled_in_the_horizon() -> None:
    values = _noisy_weeks(5)
    special = [False] * (len(values) + 168)
    holiday_in_history = range(3 * 168 + 48, 3 * 168 + 72)  # Wednesday of week 4: almost nobody came
    for i in holiday_in_history:
        values[i] = 0.0 if values[i] < 10 else 1.0
        special[i] = True
    holiday_ahead = range(len(values) + 24, len(values) + 48)  # Tuesday next week
    for i in holiday_ahead:
        special[i] = True
    series = Series("UTC", MONDAY, HOUR, tuple(values))
    ratio = holiday_ratio(series.values, special, 168)
    assert ratio is not None and ratio < 0.1
    plain = predict(series, 168, "seasonal_naive")
    aware = predict(series, 168, "seasonal_naive", special)
    wednesday = slice(48 + 9, 48 + 12)  # last week's Wednesday morning was ordinary
    assert aware[wednesday] == plain[wednesday]
    tuesday_morning = [aware[i] for i in range(24 + 9, 24 + 12)]
    assert sum(tuesday_morning) < 0.1 * sum(plain[24 + 9: 24 + 12])


def test_bad_input_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="divide a day"):
        Series("UTC", MONDAY, timedelta(minutes=7), (1.0,))
    with pytest.raises(ValueError, match="unknown forecast model"):
        predict(Series("UTC", MONDAY, HOUR, tuple(_noisy_weeks(2))), 24, "prophet")
    with pytest.raises(ValueError, match="needs at least 2"):
        predict(Series("UTC", MONDAY, HOUR, tuple(_noisy_weeks(1))), 24, "holt_winters")
    with pytest.raises(ValueError, match="fewer folds"):
        backtest(Series("UTC", MONDAY, HOUR, tuple(_noisy_weeks(3))), 168, 2)


def test_slots_follow_local_wall_clock_across_dst() -> None:
    series = Series("Europe/Amsterdam", date(2013, 10, 26), HOUR, (0.0,) * 48)
    assert series.slot_start(9) == datetime(2013, 10, 26, 7, tzinfo=UTC)  # summer time, UTC+2
    assert series.slot_start(24 + 9) == datetime(2013, 10, 27, 8, tzinfo=UTC)  # winter time, UTC+1


def test_the_desk_calendars_holidays_and_closed_days_are_special() -> None:
    from pathlib import Path

    from deskops.bot.config_loader import load_config
    from deskops.bot.planning_io import History
    from deskops.bot.planning_service import special_days
    from deskops.core.business_calendar import BusinessCalendar

    desk = load_config(Path(__file__).resolve().parents[2] / "config" / "desk.yaml")
    calendar = BusinessCalendar.from_config(desk.calendars["office-zurich"])
    history = History(Series("Europe/Zurich", date(2026, 12, 21), HOUR, (0.0,) * 7 * 24), "desk event log")
    flags = special_days(history, 24, calendar)
    special = sorted({history.series.slot_local(i)[0] for i, flag in enumerate(flags) if flag})
    # 24 Dec is a closed day in the example desk file; 25-26 Dec are Zurich public holidays.
    assert special == [date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)]
    assert len(flags) == 8 * 24
