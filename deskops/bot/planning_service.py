"""Run the planning pipeline for the command line and the chat: history → forecast → staffing → roster.

Everything here composes core planning with the history readers; results come back as plain
data plus JSON-ready documents, so the CLI and the chat render the same figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from deskops.bot.planning_io import History, read_bpic2014, read_csv, read_database, read_uci
from deskops.core.business_calendar import BusinessCalendar
from deskops.core.config.desk import DeskConfig
from deskops.core.config.planning import PlanningConfig
from deskops.core.planning.forecast import BASELINE, DEFAULT_MODEL, MODELS, Accuracy, backtest, best_model, predict
from deskops.core.planning.pipeline import IntervalPlan, horizon_slots, roster_problem, staffing_plan
from deskops.core.planning.roster import Roster, RosterProblem, merge_gaps, solve_roster

SOURCE_HOLIDAYS = {"bpic2014 interactions": ("NL", ("public",)), "uci incidents": ("BR", ("public", "optional"))}
"""Holidays of the country each real data set comes from (special days when no calendar is given).

Brazil's optional holidays are included: the UCI arrivals drop on Corpus Christi (26 May 2016) like on a
public holiday."""


@dataclass(frozen=True)
class HistoryRequest:
    """Where to read the arrival history and on which grid."""

    source: str
    interval: timedelta
    data_dir: Path | None = None
    file: Path | None = None
    column: str = "opened_at"
    zone: str = "UTC"
    database_url: str | None = None
    first: date | None = None
    last: date | None = None


def load_history(request: HistoryRequest) -> History:
    """Read the history the request names; a missing file or column is a ValueError saying what to give."""
    r = request
    if r.source in {"bpic2014", "uci"}:
        if r.data_dir is None or not r.data_dir.is_dir():
            raise ValueError(f"real data folder {r.data_dir} not found; give --data DIR (the shared/data folder)")
        reader = read_bpic2014 if r.source == "bpic2014" else read_uci
        return reader(r.data_dir, r.interval, r.first, r.last)
    if r.source == "csv":
        if r.file is None or not r.file.is_file():
            raise ValueError("give --file PATH of a CSV with one arrival timestamp per row (and --column NAME)")
        try:
            return read_csv(r.file, r.column, r.zone, r.interval, r.first, r.last)
        except KeyError as exc:
            raise ValueError(f"{r.file} has no column {r.column!r}; name it with --column") from exc
    if r.source == "db":
        if not r.database_url:
            raise ValueError("give --database URL or set DESKOPS_DATABASE_URL")
        return read_database(r.database_url, r.zone, r.interval, r.first, r.last)
    raise ValueError(f"unknown source {r.source!r}; choose bpic2014, uci, csv or db")


def special_days(history: History, extra_slots: int, calendar: BusinessCalendar | None) -> list[bool]:
    """Holiday flags per slot over history + horizon: the desk calendar's closed days, else the data's country."""
    days = history.series.days(extra_slots)
    if calendar is not None:
        return [calendar.closed_reason(d) is not None for d in days]
    known = SOURCE_HOLIDAYS.get(history.source)
    if known is None:
        return [False] * len(days)
    import holidays

    country, categories = known
    table = holidays.country_holidays(country, categories=categories)
    return [d in table for d in days]


@dataclass(frozen=True)
class ForecastRun:
    """A forecast with its measured accuracy and the model that made it."""

    history: History
    accuracy: tuple[Accuracy, ...]
    model: str
    reason: str
    volumes: tuple[float, ...]
    special: tuple[bool, ...]

    @property
    def horizon(self) -> int:
        """Forecast slots."""
        return len(self.volumes)

    def starts(self) -> list[datetime]:
        """UTC start of every forecast slot."""
        offset = len(self.history.series.values)
        return [self.history.series.slot_start(offset + i) for i in range(self.horizon)]


def run_forecast(history: History, days: int, model: str = "auto", folds: int = 6,
                 calendar: BusinessCalendar | None = None) -> ForecastRun:
    """Back-test every model on the history (rolling weekly folds), then forecast `days` days ahead."""
    series = history.series
    horizon = horizon_slots(series, days)
    fold_length = series.season
    max_folds = len(series.values) // fold_length - 2
    if max_folds < 1:
        raise ValueError(f"the history holds {len(series.values) // series.per_day} days; "
                         "give at least three weeks to back-test and forecast")
    folds = max(1, min(folds, max_folds))
    special = special_days(history, horizon, calendar)
    accuracy = tuple(backtest(series, fold_length, folds, MODELS, special[: len(series.values)]))
    if model == "auto":
        chosen = best_model(accuracy)
        reason = ("lowest WAPE in the back-test" if chosen == DEFAULT_MODEL
                  else f"lowest WAPE in the back-test; it beat the default {DEFAULT_MODEL} on this data")
    elif model in MODELS:
        chosen, reason = model, "chosen by the user"
    else:
        raise ValueError(f"unknown model {model!r}; choose auto or one of {', '.join(MODELS)}")
    volumes = tuple(predict(series, horizon, chosen, special))
    return ForecastRun(history, accuracy, chosen, reason, volumes, tuple(special))


def accuracy_documents(run: ForecastRun) -> list[dict[str, Any]]:
    """The back-test per model, with WAPE relative to same-slot-last-week."""
    baseline = next(a for a in run.accuracy if a.model == BASELINE)
    return [
        {
            "model": a.model,
            "wape": a.wape,
            "bias": a.bias,
            "mase": a.mase,
            "wape_vs_same_slot_last_week": a.wape / baseline.wape if baseline.wape else None,
            "folds": a.folds,
        }
        for a in run.accuracy
    ]


def forecast_document(run: ForecastRun) -> dict[str, Any]:
    """The `deskops plan forecast --json` document."""
    series = run.history.series
    chosen = next(a for a in run.accuracy if a.model == run.model)
    baseline = next(a for a in run.accuracy if a.model == BASELINE)
    return {
        "source": run.history.source,
        "zone": series.zone,
        "interval_minutes": series.step // timedelta(minutes=1),
        "history": {
            "first_day": series.first_day.isoformat(),
            "last_day": run.history.last_day.isoformat(),
            "intervals": len(series.values),
            "arrivals": sum(series.values),
        },
        "aht_seconds_measured": run.history.aht_seconds,
        "backtest": accuracy_documents(run),
        "model": run.model,
        "model_reason": run.reason,
        "beats_same_slot_last_week": chosen.wape < baseline.wape,
        "forecast_total": sum(run.volumes),
        "forecast": [
            {"start": start.isoformat(), "volume": round(volume, 3), "holiday": flag}
            for start, volume, flag in zip(run.starts(), run.volumes, run.special[len(series.values):], strict=True)
        ],
    }


@dataclass(frozen=True)
class PlanRun:
    """A full plan: the forecast, the staffing per interval and (when asked) the roster."""

    forecast: ForecastRun
    config: PlanningConfig
    calendar: BusinessCalendar
    intervals: tuple[IntervalPlan, ...]
    problem: RosterProblem | None = None
    roster: Roster | None = None


def planning_section(desk: DeskConfig) -> tuple[PlanningConfig, BusinessCalendar]:
    """The desk's planning section and its calendar; a ValueError says how to add one when missing."""
    if desk.planning is None:
        raise ValueError("the desk file has no `planning` section; see README 'Workforce planning' for an example")
    config = desk.planning
    calendar = BusinessCalendar.from_config(desk.calendars[config.calendar], name=config.calendar)
    return config, calendar


def run_plan(desk: DeskConfig, history: History, days: int = 7, model: str = "auto", folds: int = 6,
             with_roster: bool = True, aht: timedelta | None = None, skip_days: int = 0) -> PlanRun:
    """Forecast, staff and (optionally) roster the `days` days that start `skip_days` after the history."""
    config, calendar = planning_section(desk)
    if history.series.step != config.interval:
        raise ValueError(f"the history is in {history.series.step} intervals but the desk plans in "
                         f"{config.interval}; read it with --interval {int(config.interval.total_seconds() // 60)}m")
    if aht is not None:
        config = config.model_copy(update={"staffing": config.staffing.model_copy(update={"aht": aht})})
    forecast = run_forecast(history, skip_days + days, model, folds, calendar)
    skip = horizon_slots(history.series, skip_days)
    intervals = tuple(staffing_plan(config, history.series, forecast.volumes[skip:], calendar, skip))
    if not with_roster:
        return PlanRun(forecast, config, calendar, intervals)
    problem = roster_problem(config, history.series, intervals, calendar, calendar.zone)
    return PlanRun(forecast, config, calendar, intervals, problem, solve_roster(problem))


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def staffing_document(run: PlanRun) -> dict[str, Any]:
    """Per-interval staffing of a plan (the `deskops plan staffing --source … --json` document)."""
    starts = [run.forecast.history.series.slot_start(p.index) for p in run.intervals]
    return {
        "aht_seconds": run.config.staffing.aht.total_seconds(),
        "target": run.config.staffing.service_level or f"ASA {run.config.staffing.asa}",
        "shrinkage": run.config.staffing.shrinkage,
        "model": run.forecast.model,
        "intervals": [
            {
                "start": start.isoformat(),
                "volume": round(p.volume, 3),
                "open": p.open,
                "agents": p.staffing.agents,
                "agents_with_shrinkage": p.staffing.agents_with_shrinkage,
                "required": p.required,
                "p_wait": p.staffing.performance.p_wait,
                "service_level": p.staffing.performance.service_level,
                "asa_seconds": _finite(p.staffing.performance.asa_seconds),
                "occupancy": p.staffing.performance.occupancy,
            }
            for start, p in zip(starts, run.intervals, strict=True)
        ],
    }


def roster_document(run: PlanRun) -> dict[str, Any]:
    """The roster of a plan: shifts per person, coverage and uncovered spans (`deskops plan roster --json`)."""
    if run.roster is None or run.problem is None:
        raise ValueError("this plan was made without a roster")
    roster = run.roster
    skill = run.config.skill
    zone = run.calendar.zone
    shifts: dict[str, list[dict[str, Any]]] = {person.name: [] for person in run.problem.people}
    for a in roster.assignments:
        shifts[a.person].append({
            "shift": a.shift.pattern,
            "day": a.shift.day.isoformat(),
            "start": a.shift.start.astimezone(zone).isoformat(),
            "end": a.shift.end.astimezone(zone).isoformat(),
            "skill": a.skill,
            "paid_hours": a.shift.paid_minutes / 60,
            "breaks": [[b0.astimezone(zone).isoformat(), b1.astimezone(zone).isoformat()] for b0, b1 in a.shift.breaks],
        })
    return {
        "status": roster.status,
        "solve_seconds": round(roster.solve_seconds, 3),
        "week": {"first_day": run.problem.interval_starts[0].astimezone(zone).date().isoformat(), "days": len(
            {s.astimezone(zone).date() for s in run.problem.interval_starts})},
        "people": [
            {
                "name": person.name,
                "contracted_hours": person.contracted_minutes / 60,
                "rostered_hours": roster.worked_minutes[person.name] / 60,
                "shifts": shifts[person.name],
            }
            for person in run.problem.people
        ],
        "coverage": {
            "required_person_intervals": sum(run.problem.required[skill]),
            "under_person_intervals": roster.under_person_intervals,
            "over_person_intervals": roster.over_person_intervals,
        },
        "uncovered": [
            {
                "start": g.start.astimezone(zone).isoformat(),
                "end": g.end.astimezone(zone).isoformat(),
                "skill": g.skill,
                "required": g.required,
                "rostered": g.rostered,
                "short": g.short,
            }
            for g in merge_gaps(roster.uncovered)
        ],
    }


@dataclass(frozen=True)
class IntervalQuestion:
    """One interval's staffing question as people write it (`80/20s`, `30%`, `3m`)."""

    volume: float
    aht: str
    interval: str = "30m"
    target: str | None = None
    asa: str | None = None
    shrinkage: str = "0%"
    max_occupancy: str | None = None
    concurrency: int = 1
    patience: str | None = None


def interval_staffing(question: IntervalQuestion) -> tuple[dict[str, Any], float]:
    """The DESIGN §4 staffing document for one interval (plus `p_abandon` with a patience) and the answer time.

    A malformed or contradictory question raises ValueError with what to write instead.
    """
    from deskops.core.durations import parse_duration
    from deskops.core.planning.erlang import Target, chat_required_agents, required_agents, traffic_erlangs
    from deskops.core.planning.erlang_a import erlang_a_required_agents
    from deskops.core.planning.units import parse_service_level, parse_share

    q = question
    target = q.target if q.target is not None or q.asa is not None else "80/20s"  # the customary default
    level, within = parse_service_level(target) if target else (None, 20.0)
    goal = Target(
        service_level=level,
        answer_within_seconds=within,
        max_asa_seconds=parse_duration(q.asa).total_seconds() if q.asa else None,
        max_occupancy=parse_share(q.max_occupancy) if q.max_occupancy else None,
    )
    aht = parse_duration(q.aht).total_seconds()
    traffic = traffic_erlangs(q.volume, parse_duration(q.interval).total_seconds(), aht)
    share = parse_share(q.shrinkage)
    p_abandon: float | None = None
    if q.patience is not None:
        if q.concurrency > 1:
            raise ValueError("a patience (Erlang A) is for calls; chat work with a concurrency uses Erlang C")
        result, p_abandon = erlang_a_required_agents(traffic, aht, parse_duration(q.patience).total_seconds(),
                                                     goal, share)
    elif q.concurrency > 1:
        result = chat_required_agents(traffic, aht, goal, q.concurrency, share)
    else:
        result = required_agents(traffic, aht, goal, share)
    p = result.performance
    document: dict[str, Any] = {
        "agents": result.agents,
        "agents_with_shrinkage": result.agents_with_shrinkage,
        "p_wait": p.p_wait,
        "service_level": p.service_level,
        "asa_seconds": _finite(p.asa_seconds),
        "occupancy": p.occupancy,
    }
    if p_abandon is not None:
        document["p_abandon"] = p_abandon  # Erlang A only; ASA is then the mean wait of all offered
    return document, within
