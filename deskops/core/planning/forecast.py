"""Workload forecast: arrivals per interval, with baselines and a rolling-origin back-test.

Models (all on a weekly season of slots):
- `seasonal_naive` — the same slot last week (also the reference of MASE);
- `same_slot_mean_4w` — the mean of the same slot over the last four weeks;
- `holt_winters` — additive Holt-Winters (statsmodels) with a weekly season: the default.

Holidays are special days: in the history they are replaced by the same slot of the week before
(so one Christmas does not teach the model a wrong week), and in the horizon the forecast is scaled
by the holiday ratio measured on the history's holidays (actual ÷ what an ordinary day would have had).
Accuracy: WAPE (Σ|error| ÷ Σ actual), bias (Σ error ÷ Σ actual) and MASE (mean |error| ÷ the in-sample
mean |y − y one week earlier|). Never MAPE: intervals with zero arrivals make it undefined.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from deskops.core.planning.shifts import local_instant

DAY = timedelta(days=1)
MODELS = ("seasonal_naive", "same_slot_mean_4w", "holt_winters")
DEFAULT_MODEL = "holt_winters"
BASELINE = "seasonal_naive"


@dataclass(frozen=True)
class Series:
    """Counts per slot on a local wall-clock grid: slot i is day `first_day + i // per_day` in `zone`.

    A local grid keeps the weekly pattern fixed across daylight-saving changes (the 9:00 peak stays
    at slot 9:00); `slot_start` gives each slot's UTC instant.
    """

    zone: str
    first_day: date
    step: timedelta
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if self.step <= timedelta(0) or DAY % self.step:
            raise ValueError(f"the interval {self.step} must divide a day (e.g. 15m, 30m, 1h)")
        if any(v < 0 or not math.isfinite(v) for v in self.values):
            raise ValueError("counts must be finite and not negative")

    @property
    def per_day(self) -> int:
        """Slots in one day."""
        return DAY // self.step

    @property
    def season(self) -> int:
        """Slots in one week (the seasonal period)."""
        return 7 * self.per_day

    def slot_local(self, index: int) -> tuple[date, time]:
        """The local day and wall-clock time at which slot `index` starts."""
        day, slot = divmod(index, self.per_day)
        seconds = int((slot * self.step).total_seconds())
        return self.first_day + timedelta(days=day), time(seconds // 3600, seconds // 60 % 60, seconds % 60)

    def slot_start(self, index: int) -> datetime:
        """The UTC instant at which slot `index` starts."""
        day, clock = self.slot_local(index)
        return local_instant(day, clock, ZoneInfo(self.zone))

    def days(self, extra_slots: int = 0) -> tuple[date, ...]:
        """The local day of every slot of the series plus `extra_slots` beyond it."""
        return tuple(self.slot_local(i)[0] for i in range(len(self.values) + extra_slots))


Model = Callable[[Sequence[float], int, int], list[float]]


def seasonal_naive(history: Sequence[float], horizon: int, season: int) -> list[float]:
    """Repeat the last full season."""
    _need_seasons(history, season, 1)
    last = list(history[-season:])
    return [last[i % season] for i in range(horizon)]


def same_slot_mean_4w(history: Sequence[float], horizon: int, season: int) -> list[float]:
    """Mean of the same slot over the last four seasons (fewer if the history is shorter)."""
    _need_seasons(history, season, 1)
    weeks = min(4, len(history) // season)
    recent = history[len(history) - weeks * season:]
    profile = [sum(recent[w * season + i] for w in range(weeks)) / weeks for i in range(season)]
    return [profile[i % season] for i in range(horizon)]


def holt_winters(history: Sequence[float], horizon: int, season: int) -> list[float]:
    """Additive Holt-Winters with a weekly season (statsmodels), without trend; never below zero."""
    _need_seasons(history, season, 2)
    import numpy as np
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    model = ExponentialSmoothing(
        np.asarray(history, dtype=float),
        trend=None,
        seasonal="add",
        seasonal_periods=season,
        initialization_method="heuristic",  # estimating 168+ initial states is slow and overfits
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the back-test measures the result
        fitted = model.fit(optimized=True)
    return [max(0.0, float(v)) for v in fitted.forecast(horizon)]


_MODELS: dict[str, Model] = {
    "seasonal_naive": seasonal_naive,
    "same_slot_mean_4w": same_slot_mean_4w,
    "holt_winters": holt_winters,
}


def _need_seasons(history: Sequence[float], season: int, seasons: int) -> None:
    if len(history) < seasons * season:
        raise ValueError(
            f"the history holds {len(history) / season:.1f} weeks; this model needs at least {seasons}"
        )


def _cleaned(history: Sequence[float], special: Sequence[bool], season: int) -> list[float]:
    """History with special-day slots replaced by the same slot a week earlier (or later at the start)."""
    clean = list(history)
    for i, flagged in enumerate(special[: len(history)]):
        if flagged:
            if i >= season:
                clean[i] = clean[i - season]
            elif i + season < len(history) and not special[i + season]:
                clean[i] = history[i + season]
    return clean


def holiday_ratio(history: Sequence[float], special: Sequence[bool], season: int) -> float | None:
    """Actual ÷ ordinary-day volume over the history's special days; None when there are none to learn from."""
    clean = _cleaned(history, special, season)
    flagged = [i for i, s in enumerate(special[: len(history)]) if s]
    expected = sum(clean[i] for i in flagged)
    if not flagged or expected <= 0:
        return None
    return sum(history[i] for i in flagged) / expected


def predict(series: Series, horizon: int, model: str = DEFAULT_MODEL,
            special: Sequence[bool] | None = None) -> list[float]:
    """Forecast the next `horizon` slots; `special` flags holiday slots over history + horizon."""
    if model not in _MODELS:
        raise ValueError(f"unknown forecast model {model!r}; choose one of {', '.join(MODELS)}")
    if horizon < 1:
        raise ValueError("the horizon must be at least one interval")
    history = series.values
    if special is None:
        return _MODELS[model](history, horizon, series.season)
    if len(special) != len(history) + horizon:
        raise ValueError("special-day flags must cover the history and the horizon")
    forecast = _MODELS[model](_cleaned(history, special, series.season), horizon, series.season)
    ratio = holiday_ratio(history, special, series.season)
    if ratio is not None:
        ahead = special[len(history):]
        forecast = [v * ratio if ahead[i] else v for i, v in enumerate(forecast)]
    return forecast


@dataclass(frozen=True)
class Accuracy:
    """How a model did over the back-test folds."""

    model: str
    wape: float
    bias: float
    mase: float
    folds: int
    actual_total: float


def wape(actual: Sequence[float], forecast: Sequence[float]) -> float:
    """Σ|forecast − actual| ÷ Σ actual (NaN when nothing arrived)."""
    total = sum(actual)
    return sum(abs(f - a) for a, f in zip(actual, forecast, strict=True)) / total if total else math.nan


def bias(actual: Sequence[float], forecast: Sequence[float]) -> float:
    """Σ(forecast − actual) ÷ Σ actual: positive means over-forecast."""
    total = sum(actual)
    return sum(f - a for a, f in zip(actual, forecast, strict=True)) / total if total else math.nan


def mase_scale(history: Sequence[float], season: int) -> float:
    """In-sample mean |y_t − y_(t−season)|: the error of same-slot-last-week on the history."""
    diffs = [abs(history[i] - history[i - season]) for i in range(season, len(history))]
    return sum(diffs) / len(diffs) if diffs else math.nan


def backtest(series: Series, horizon: int, folds: int, models: Sequence[str] = MODELS,
             special: Sequence[bool] | None = None) -> list[Accuracy]:
    """Rolling-origin back-test: `folds` consecutive windows of `horizon` slots at the end of the series."""
    n = len(series.values)
    first_origin = n - folds * horizon
    if folds < 1 or first_origin < 2 * series.season:
        raise ValueError(
            f"{folds} folds of {horizon} slots leave less than two weeks of training history; use fewer folds"
        )
    results: list[Accuracy] = []
    for name in models:
        actual_all: list[float] = []
        forecast_all: list[float] = []
        scaled_errors: list[float] = []
        for k in range(folds):
            origin = first_origin + k * horizon
            train = Series(series.zone, series.first_day, series.step, series.values[:origin])
            flags = special[: origin + horizon] if special is not None else None
            predicted = predict(train, horizon, name, flags)
            actual = series.values[origin: origin + horizon]
            actual_all.extend(actual)
            forecast_all.extend(predicted)
            scale = mase_scale(train.values, series.season)
            mae = sum(abs(f - a) for a, f in zip(actual, predicted, strict=True)) / horizon
            scaled_errors.append(mae / scale if scale else math.nan)
        results.append(Accuracy(
            model=name,
            wape=wape(actual_all, forecast_all),
            bias=bias(actual_all, forecast_all),
            mase=sum(scaled_errors) / len(scaled_errors),
            folds=folds,
            actual_total=sum(actual_all),
        ))
    return results


def best_model(results: Sequence[Accuracy]) -> str:
    """The model with the lowest WAPE in a back-test."""
    return min(results, key=lambda r: (math.isnan(r.wape), r.wape)).model
