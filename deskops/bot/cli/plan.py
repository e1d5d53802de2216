"""`deskops plan forecast|staffing|roster`: workforce planning on the command line."""

from __future__ import annotations

import json
import math
import os
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import typer

MAX_VOLUME = 1_000_000
"""Largest one-interval volume `plan staffing` takes (far beyond any desk; keeps Erlang C fast)."""

if TYPE_CHECKING:
    from deskops.bot.planning_io import History
    from deskops.bot.planning_service import ForecastRun, IntervalQuestion, PlanRun
    from deskops.core.config.desk import DeskConfig

plan_app = typer.Typer(
    help="Workforce planning: forecast the workload, staff each interval (Erlang C), build the roster.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of a table.")]
SourceOpt = Annotated[str, typer.Option(help="History to plan from: bpic2014, uci (real data), csv, db (the desk's "
                                             "event log).")]
DataOpt = Annotated[Path | None, typer.Option(help="Folder of the real data sets (default ../shared/data).")]
FileOpt = Annotated[Path | None, typer.Option(help="CSV file for --source csv.")]
ColumnOpt = Annotated[str, typer.Option(help="Timestamp column of the CSV.")]
ZoneOpt = Annotated[str | None, typer.Option(help="Time zone of naive CSV times / of the event log's grid "
                                                  "(default: the planning calendar's, else UTC).")]
DatabaseOpt = Annotated[str | None, typer.Option(help="Database URL for --source db (default DESKOPS_DATABASE_URL).")]
FromOpt = Annotated[str | None, typer.Option("--from", help="First day of history (YYYY-MM-DD).")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day of history (YYYY-MM-DD).")]
IntervalOpt = Annotated[
    str | None, typer.Option(help="Interval length, e.g. 30m or 1h (default: the desk's, else 1h).")
]
ModelOpt = Annotated[str, typer.Option(help="auto (best back-test WAPE), holt_winters, same_slot_mean_4w or "
                                            "seasonal_naive.")]
FoldsOpt = Annotated[int, typer.Option(help="Rolling back-test folds of one week each.", min=1, max=52)]
DaysOpt = Annotated[int, typer.Option(help="Days to forecast / plan after the history.", min=1, max=28)]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Desk file (default DESKOPS_CONFIG or "
                                                                 "config/desk.yaml).")]
ChartsOpt = Annotated[Path | None, typer.Option(help="Write PNG charts into this folder.")]
AhtOpt = Annotated[str | None, typer.Option("--aht", help="Average handling time (e.g. 7m), or `measured` to use "
                                                          "the history's own; default: the desk file's.")]


def fail(message: str) -> NoReturn:
    """Print `message` to standard error and exit with status 1."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def emit_json(document: Any) -> None:
    """Print one JSON document on standard output."""
    json.dump(document, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date; write YYYY-MM-DD")


def _desk(config: Path | None, required: bool) -> DeskConfig | None:
    from deskops.bot.config_loader import ConfigError, default_config_path, load_config

    path = config or default_config_path()
    if not required and config is None and not path.is_file():
        return None
    try:
        return load_config(path)
    except ConfigError as exc:
        fail(str(exc))


def _history(source: str, data: Path | None, file: Path | None, column: str, zone: str | None,
             database: str | None, interval: str | None, first: str | None, last: str | None,
             desk: DeskConfig | None) -> History:
    from deskops.bot.planning_service import HistoryRequest, load_history
    from deskops.core.durations import parse_duration

    planning = desk.planning if desk is not None else None
    if zone is None and planning is not None and desk is not None:
        zone = desk.calendars[planning.calendar].timezone
    try:
        step = parse_duration(interval) if interval else (planning.interval if planning else timedelta(hours=1))
        request = HistoryRequest(
            source=source,
            interval=step,
            data_dir=data or Path(os.environ.get("DESKOPS_SHARED_DATA", "../shared/data")),
            file=file,
            column=column,
            zone=zone or "UTC",
            database_url=database or os.environ.get("DESKOPS_DATABASE_URL", "sqlite:///deskops.db"),
            first=_day(first, "--from"),
            last=_day(last, "--to"),
        )
        return load_history(request)
    except ValueError as exc:
        fail(str(exc))


def _print_table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right", no_wrap=i == 0)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def _print_backtest(run: ForecastRun) -> None:
    from deskops.bot.planning_service import accuracy_documents

    rows = [
        [d["model"] + (" ← used" if d["model"] == run.model else ""), f"{d['wape']:.1%}", f"{d['bias']:+.1%}",
         f"{d['mase']:.3f}", f"{d['wape_vs_same_slot_last_week']:.2f}"]
        for d in accuracy_documents(run)
    ]
    series = run.history.series
    _print_table(
        f"Back-test on {run.history.source} ({series.first_day} … {run.history.last_day}, "
        f"{run.accuracy[0].folds} weekly folds)",
        ["model", "WAPE", "bias", "MASE", "WAPE ÷ same slot last week"], rows,
    )
    typer.echo(f"model used: {run.model} ({run.reason})")


def _daily_totals(run: ForecastRun) -> dict[date, float]:
    totals: dict[date, float] = {}
    offset = len(run.history.series.values)
    for i, volume in enumerate(run.volumes):
        day = run.history.series.slot_local(offset + i)[0]
        totals[day] = totals.get(day, 0.0) + volume
    return totals


@plan_app.command()
def forecast(
    source: SourceOpt = "db", data: DataOpt = None, file: FileOpt = None, column: ColumnOpt = "opened_at",
    zone: ZoneOpt = None, database: DatabaseOpt = None, interval: IntervalOpt = None,
    first: FromOpt = None, last: ToOpt = None, days: DaysOpt = 7, model: ModelOpt = "auto",
    folds: FoldsOpt = 6, config: ConfigOpt = None, charts: ChartsOpt = None, as_json: JsonFlag = False,
) -> None:
    """Forecast arrivals per interval, with the back-tested accuracy of every model (WAPE, bias, MASE)."""
    from deskops.bot.planning_service import forecast_document, run_forecast

    # A public data set has its own zone and holidays: the default desk file applies only when named.
    real_data = source in {"bpic2014", "uci"}
    desk = _desk(config, required=False) if config is not None or not real_data else None
    calendar = None
    if desk is not None and desk.planning is not None:
        from deskops.bot.planning_service import planning_section

        calendar = planning_section(desk)[1]
    history = _history(source, data, file, column, zone, database, interval, first, last, desk)
    try:
        run = run_forecast(history, days, model, folds, calendar)
    except ValueError as exc:
        fail(str(exc))
    written = _forecast_charts(run, charts) if charts else []
    document = forecast_document(run)
    document["charts"] = [str(p) for p in written]
    if as_json:
        emit_json(document)
        return
    _print_backtest(run)
    _print_table(f"Forecast ({run.model}), arrivals per day", ["day", "arrivals"],
                 [[f"{d:%a %Y-%m-%d}", f"{v:,.0f}"] for d, v in _daily_totals(run).items()])
    for path in written:
        typer.echo(f"chart: {path}")


def _forecast_charts(run: ForecastRun, folder: Path) -> list[Path]:
    """Last back-test week (every model vs actual) and the forecast ahead."""
    from deskops.bot.planning_charts import forecast_chart
    from deskops.core.planning.forecast import MODELS, Series, predict

    series = run.history.series
    week = series.season
    origin = len(series.values) - week
    train = Series(series.zone, series.first_day, series.step, series.values[:origin])
    flags = list(run.special[: len(series.values)])
    local = ZoneInfo(series.zone)
    starts = [series.slot_start(origin + i).astimezone(local) for i in range(week)]
    fits = {m: predict(train, week, m, flags) for m in MODELS}
    tag = run.history.source.split()[0]
    return [
        forecast_chart(folder / f"forecast-backtest-{tag}.png", starts, series.values[origin:], fits,
                       f"{run.history.source}: last week of history, forecast vs actual"),
        forecast_chart(folder / f"forecast-{tag}.png", [s.astimezone(local) for s in run.starts()], None,
                       {run.model: run.volumes},
                       f"{run.history.source}: forecast for the next {run.horizon // series.per_day} days"),
    ]


def _single_interval(question: IntervalQuestion, as_json: bool) -> None:
    from deskops.bot.planning_service import interval_staffing
    from deskops.core.durations import parse_duration

    try:
        document, within = interval_staffing(question)
        traffic = question.volume * parse_duration(question.aht) / parse_duration(question.interval)
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        emit_json(document)
        return
    q, d = question, document
    asa = "unbounded (too few agents)" if d["asa_seconds"] is None else f"{d['asa_seconds']:.2f} s"
    _print_table(
        f"Staffing for {q.volume:g} contacts in {q.interval} (AHT {q.aht}, {traffic:.2f} erlangs)",
        ["measure", "value"],
        [
            ["agents (productive)", str(d["agents"])],
            [f"agents to schedule ({q.shrinkage} shrinkage)", str(d["agents_with_shrinkage"])],
            ["probability of waiting", f"{d['p_wait']:.1%}"],
            [f"service level (within {within:g} s)", f"{d['service_level']:.2%}"],
            ["average speed of answer", asa],
            ["occupancy", f"{d['occupancy']:.1%}"],
            *([["abandoned (Erlang A)", f"{d['p_abandon']:.1%}"]] if "p_abandon" in d else []),
        ],
    )


def _plan(source: str, data: Path | None, file: Path | None, column: str, zone: str | None,
          database: str | None, first: str | None, last: str | None, days: int, model: str, folds: int,
          config: Path | None, aht: str | None, with_roster: bool) -> PlanRun:
    from deskops.bot.planning_service import run_plan
    from deskops.core.durations import parse_duration

    desk = _desk(config, required=True)
    assert desk is not None
    history = _history(source, data, file, column, zone, database, None, first, last, desk)
    try:
        if aht == "measured":
            if history.aht_seconds is None:
                fail(f"{history.source} records no handling time; give --aht DURATION")
            aht_override: timedelta | None = timedelta(seconds=round(history.aht_seconds))
        else:
            aht_override = parse_duration(aht) if aht else None
        return run_plan(desk, history, days, model, folds, with_roster, aht_override)
    except ValueError as exc:
        fail(str(exc))


@plan_app.command()
def staffing(
    volume: Annotated[float | None, typer.Option(help="Contacts arriving in one interval (single-interval mode).",
                                                 min=0)] = None,
    aht: AhtOpt = None,
    interval: Annotated[str, typer.Option(help="Interval length for --volume, e.g. 30m or 1h.")] = "30m",
    target: Annotated[
        str | None, typer.Option(help="Service level: share answered within a time, e.g. 80/20s.")
    ] = None,
    asa: Annotated[str | None, typer.Option(help="Average-speed-of-answer target instead of (or beside) "
                                                  "--target, e.g. 30s.")] = None,
    shrinkage: Annotated[str, typer.Option(help="Paid time not available, e.g. 30%.")] = "0%",
    max_occupancy: Annotated[str | None, typer.Option(help="Occupancy cap, e.g. 85%.")] = None,
    concurrency: Annotated[int, typer.Option(help="Conversations one agent handles at once (chat work); "
                                                  "the target is then the first-response time.", min=1)] = 1,
    patience: Annotated[str | None, typer.Option(help="Mean patience of waiting callers, e.g. 2m: use Erlang A "
                                                      "(callers who give up) instead of Erlang C.")] = None,
    source: SourceOpt = "db", data: DataOpt = None, file: FileOpt = None, column: ColumnOpt = "opened_at",
    zone: ZoneOpt = None, database: DatabaseOpt = None, first: FromOpt = None, last: ToOpt = None,
    days: DaysOpt = 7, model: ModelOpt = "auto", folds: FoldsOpt = 6, config: ConfigOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Agents needed (Erlang C): one interval with --volume, or every interval of the forecast ahead."""
    if volume is not None:
        if aht is None:
            fail("give --aht with --volume, e.g. --aht 180s")
        if not math.isfinite(volume) or volume > MAX_VOLUME:
            fail(f"--volume must be a finite number of contacts up to {MAX_VOLUME:,.0f} per interval")
        from deskops.bot.planning_service import IntervalQuestion

        _single_interval(IntervalQuestion(volume, aht, interval, target, asa, shrinkage, max_occupancy, concurrency,
                                          patience), as_json)
        return
    from deskops.bot.planning_service import staffing_document

    run = _plan(source, data, file, column, zone, database, first, last, days, model, folds, config, aht, False)
    document = staffing_document(run)
    if as_json:
        emit_json(document)
        return
    zone_info = run.calendar.zone
    rows = [
        [f"{datetime.fromisoformat(d['start']).astimezone(zone_info):%a %d %b %H:%M}",
         f"{d['volume']:.1f}", str(d["agents"]), str(d["required"]), f"{d['service_level']:.1%}",
         f"{d['occupancy']:.0%}"]
        for d in document["intervals"] if d["open"] or d["volume"] >= 0.5
    ]
    _print_table(
        f"Staffing per interval ({document['target']}, AHT {document['aht_seconds']:.0f} s, "
        f"shrinkage {document['shrinkage']}, forecast {document['model']})",
        ["interval (local)", "forecast", "agents", "to schedule", "service level", "occupancy"], rows,
    )


@plan_app.command()
def roster(
    source: SourceOpt = "db", data: DataOpt = None, file: FileOpt = None, column: ColumnOpt = "opened_at",
    zone: ZoneOpt = None, database: DatabaseOpt = None, first: FromOpt = None, last: ToOpt = None,
    days: DaysOpt = 7, model: ModelOpt = "auto", folds: FoldsOpt = 6, config: ConfigOpt = None,
    aht: AhtOpt = None,
    person: Annotated[str | None, typer.Option(help="Show only this person's shifts.")] = None,
    oncall: Annotated[str | None, typer.Option(help="Also give on-call overrides (one person at a time) from "
                                                    "the roster: `all`, or only those working a skill.")] = None,
    charts: ChartsOpt = None, as_json: JsonFlag = False,
) -> None:
    """Roster the desk's people for the days after the history (CP-SAT); uncovered intervals are listed."""
    from deskops.bot.planning_service import roster_document

    run = _plan(source, data, file, column, zone, database, first, last, days, model, folds, config, aht, True)
    document = roster_document(run)
    if person is not None and person not in {p["name"] for p in document["people"]}:
        fail(f"unknown person {person!r} in the planning section; known: "
             f"{', '.join(p['name'] for p in document['people'])}")
    written = _roster_chart(run, charts) if charts else []
    document["charts"] = [str(p) for p in written]
    if oncall is not None:
        document["oncall_overrides"] = _oncall_overrides(run, None if oncall == "all" else oncall)
    if as_json:
        emit_json(document)
        return
    people = [p for p in document["people"] if person is None or p["name"] == person]
    rows = [
        [p["name"], f"{p['rostered_hours']:g} / {p['contracted_hours']:g}",
         ", ".join(f"{s['day'][5:]} {s['shift']} {s['start'][11:16]}-{s['end'][11:16]}" for s in p["shifts"]) or "—"]
        for p in people
    ]
    _print_table(f"Roster from {document['week']['first_day']} ({document['week']['days']} days, "
                 f"solver: {document['status']}, {document['solve_seconds']} s)",
                 ["person", "hours / contract", "shifts"], rows)
    cov = document["coverage"]
    typer.echo(f"coverage: {cov['required_person_intervals']} person-intervals required, "
               f"{cov['under_person_intervals']} short, {cov['over_person_intervals']} surplus")
    shown = 0 if person is not None else 20  # one person's view; a long list belongs in --json or the chart
    for gap in document["uncovered"][:shown]:
        typer.echo(f"uncovered: {gap['start'][:16]} – {gap['end'][11:16]}  {gap['skill']}: "
                   f"{gap['rostered']} of {gap['required']} rostered")
    if person is None and len(document["uncovered"]) > shown:
        typer.echo(f"… and {len(document['uncovered']) - shown} more uncovered spans (see --json or --charts)")
    for path in written:
        typer.echo(f"chart: {path}")
    if oncall is not None:
        typer.echo("# on-call overrides from this roster; paste under schedules.<name>.overrides in the desk file")
        for item in document["oncall_overrides"]:
            typer.echo(f'- {{who: {item["who"]}, start: "{item["start"]}", end: "{item["end"]}", '
                       f'reason: "{item["reason"]}"}}')


def _oncall_overrides(run: PlanRun, skill: str | None) -> list[dict[str, str]]:
    from deskops.core.planning.oncall_feed import oncall_spans

    assert run.roster is not None
    zone = run.calendar.zone
    return [
        {"who": s.who, "start": s.start.astimezone(zone).isoformat(), "end": s.end.astimezone(zone).isoformat(),
         "reason": s.reason}
        for s in oncall_spans(run.roster.assignments, skill)
    ]


def _roster_chart(run: PlanRun, folder: Path) -> list[Path]:
    from deskops.bot.planning_charts import coverage_chart

    assert run.roster is not None and run.problem is not None
    skill = run.config.skill
    local = [s.astimezone(run.calendar.zone) for s in run.problem.interval_starts]
    return [coverage_chart(folder / "roster-coverage.png", local,
                           list(run.problem.required[skill]), list(run.roster.rostered[skill]),
                           f"Required vs rostered ({skill}), {run.forecast.history.source}")]


def register(app: typer.Typer) -> None:
    """Add `deskops plan …` to the `deskops` app."""
    app.add_typer(plan_app, name="plan")
