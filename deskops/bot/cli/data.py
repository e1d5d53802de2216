"""`deskops import` (history from other tools) and `deskops report` (the desk's KPIs for a period).

- `deskops import FILE --format uci|csv [--timezone TZ] [--batch-size N] [--json]`: load tickets with
  their history into the store (DESKOPS_DATABASE_URL, default sqlite:///deskops.db). Idempotent: a
  ticket whose ref is already stored is skipped. Shows a progress bar on stderr and ends with a
  summary of what was imported, skipped and why.
- `deskops report [--from DATE] [--to DATE] [--priority P] [--group G] [--category C] [--json]`:
  the report of DESIGN.md §4 as tables, or one JSON document.

Bad input (missing file, unknown format or time zone, wrong columns, bad dates) exits 2 with a
message on stderr and changes nothing.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import tzinfo

    from rich.console import Console
    from sqlalchemy import Engine

    from deskops.bot.data_files import CsvSource
    from deskops.core.importing.records import ImportedTicket, Rejected
    from deskops.core.kpi.period import Period

DEFAULT_DATABASE_URL = "sqlite:///deskops.db"
REJECTED_SHOWN = 50


class ImportFormat(StrEnum):
    """The history formats `deskops import` reads."""

    UCI = "uci"
    CSV = "csv"


JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def register(app: typer.Typer) -> None:
    """Add `import` and `report` to the `deskops` app."""
    app.command("import")(import_history)
    app.command("report")(report)


def _usage_error(message: str) -> NoReturn:
    """Bad input: say what to do, exit 2, change nothing."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _database_url() -> str:
    return os.environ.get("DESKOPS_DATABASE_URL") or DEFAULT_DATABASE_URL


def _shown_url(url: str) -> str:
    """The database URL without its password, for summaries."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _engine() -> Engine:
    from deskops.core.persistence.db import make_engine

    return make_engine(_database_url())


def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        _usage_error(f"unknown time zone {name!r}; give an IANA name such as America/Sao_Paulo or Europe/Zurich")


# ----- import ----------------------------------------------------------------------------------


def import_history(
    file: Annotated[Path, typer.Argument(help="History file: .csv, .csv.gz, or a .zip holding one CSV.")],
    format: Annotated[ImportFormat, typer.Option("--format", "-f", help="uci (UCI 498 ServiceNow log) or csv.")],
    timezone: Annotated[str, typer.Option("--timezone", help="Time zone of the file's local times.")] = "UTC",
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Tickets per transaction.")] = 2000,
    as_json: JsonFlag = False,
) -> None:
    """Import tickets with their history (idempotent: tickets already stored are skipped)."""
    from rich.console import Console

    from deskops.bot.data_files import DataFileError, open_csv

    zone = _zone(timezone)
    err = Console(stderr=True)
    started = time.perf_counter()
    try:
        with open_csv(file) as source:
            _check_columns(format, source.header, file)
            engine = _engine()
            from deskops.core.persistence.db import ensure_schema

            ensure_schema(engine)
            summary = _load(engine, format, zone, source, err, batch_size)
    except DataFileError as error:
        _usage_error(str(error))
    summary.update(
        file=str(file),
        format=str(format),
        timezone=timezone,
        database=_shown_url(_database_url()),
        seconds=round(time.perf_counter() - started, 2),
    )
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    else:
        _print_import_summary(summary, Console())


def _check_columns(format: ImportFormat, header: list[str], file: Path) -> None:
    from deskops.core.importing import csv_format, uci

    missing = (uci if format is ImportFormat.UCI else csv_format).missing_columns(header)
    if missing:
        _usage_error(
            f"{file}: not a {format} file: the columns {', '.join(missing)} are missing "
            f"(found: {', '.join(header[:12])}{'…' if len(header) > 12 else ''}); check --format"
            + ("; the generic format is described in docs/csv-format.md" if format is ImportFormat.CSV else "")
        )


def _parse(format: ImportFormat, rows: Iterator[dict[str, str]], zone: tzinfo) -> Iterator[ImportedTicket | Rejected]:
    if format is ImportFormat.UCI:
        from deskops.core.importing.uci import parse_uci

        return parse_uci(rows, timezone=zone)
    from deskops.core.importing.csv_format import parse_csv

    return parse_csv(rows, timezone=zone)


def _load(
    engine: Engine, format: ImportFormat, zone: tzinfo, source: CsvSource, err: Console, batch_size: int
) -> dict[str, Any]:
    """Parse and store batch by batch under a progress bar; return the summary figures."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from deskops.core.importing.records import NOTICE_MEANINGS, ImportedTicket
    from deskops.core.persistence.bulk import load_batch

    counts: Counter[str] = Counter()
    notices: Counter[str] = Counter()
    rejected: list[dict[str, Any]] = []
    already: list[str] = []
    batch: list[ImportedTicket] = []
    rows_read = 0

    def counted_rows() -> Iterator[dict[str, str]]:
        nonlocal rows_read
        for row in source.rows:
            rows_read += 1
            yield row

    def flush() -> None:
        result = load_batch(engine, batch)
        counts["imported"] += len(result.inserted)
        counts["events"] += result.events
        already.extend(result.existing)
        batch.clear()

    columns = (TextColumn("importing"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[tickets]} tickets"),
               TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("import", total=source.total_bytes, tickets=0)
        for item in _parse(format, counted_rows(), zone):
            if isinstance(item, ImportedTicket):
                counts["tickets"] += 1
                for code in {notice.code for notice in item.notices}:
                    notices[code] += 1
                batch.append(item)
                if len(batch) >= batch_size:
                    flush()
                    progress.update(task, completed=source.bytes_read, tickets=counts["tickets"])
            else:
                rejected.append({"ref": item.ref, "line": item.line, "reason": item.reason})
        flush()
        progress.update(task, completed=source.total_bytes, tickets=counts["tickets"])
    return {
        "rows": rows_read,
        "tickets_read": counts["tickets"],
        "imported": counts["imported"],
        "events": counts["events"],
        "skipped": {"already_stored": len(already), "rejected": len(rejected)},
        "already_stored_examples": already[:10],
        "rejected": rejected[:REJECTED_SHOWN],
        "notices": {
            code: {"tickets": count, "meaning": NOTICE_MEANINGS.get(code, code)}
            for code, count in notices.most_common()
        },
    }


def _print_import_summary(summary: dict[str, Any], console: Console) -> None:
    from rich.table import Table

    console.print(
        f"[bold]{summary['imported']:,}[/] tickets imported with {summary['events']:,} events "
        f"from {summary['rows']:,} rows of {summary['file']} ({summary['format']}, times in {summary['timezone']}) "
        f"into {summary['database']} in {summary['seconds']} s."
    )
    skipped = summary["skipped"]
    if skipped["already_stored"]:
        examples = ", ".join(summary["already_stored_examples"])
        console.print(
            f"Skipped {skipped['already_stored']:,} tickets already stored (e.g. {examples}): "
            "importing again adds nothing."
        )
    if skipped["rejected"]:
        table = Table("ticket", "line", "why it was not imported", title=f"Rejected: {skipped['rejected']:,}")
        for item in summary["rejected"][:20]:
            table.add_row(item["ref"] or "-", str(item["line"] or "-"), item["reason"])
        console.print(table)
    if summary["notices"]:
        table = Table("tickets", "notice", title="Source quirks (imported, with what was done)")
        for code, notice in summary["notices"].items():
            table.add_row(f"{notice['tickets']:,}", f"[bold]{code}[/]: {notice['meaning']}")
        console.print(table)


# ----- report ----------------------------------------------------------------------------------


def _instant(text: str, what: str, *, end_of_day: bool) -> datetime:
    """A date (UTC midnight; the end date counts whole) or an ISO instant with an offset."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        value = datetime.fromisoformat(text)
    except ValueError:
        _usage_error(f"bad {what} {text!r}; write a date like 2016-03-01 or an instant like 2016-03-01T08:00+00:00")
    if value.tzinfo is None:
        _usage_error(f"{what} {text!r} has no offset; add one (e.g. +00:00) or give a plain date (UTC)")
    return value.astimezone(UTC)


class ReportFormat(StrEnum):
    """How `deskops report` prints."""

    TEXT = "text"
    JSON = "json"
    MD = "md"
    HTML = "html"


def report(
    start: Annotated[str | None, typer.Option("--from", help="First day (UTC) or ISO instant; default: all.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, included (UTC), or ISO instant.")] = None,
    priority: Annotated[str | None, typer.Option("--priority", help="Only this priority, e.g. P1.")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Only this assignment group.")] = None,
    category: Annotated[str | None, typer.Option("--category", help="Only this category.")] = None,
    audience: Annotated[str, typer.Option("--audience", help="agent, lead, manager or customer.")] = "manager",
    output: Annotated[ReportFormat, typer.Option("--format", help="text, json, md or html.")] = ReportFormat.TEXT,
    charts: Annotated[Path | None, typer.Option("--charts", help="Write PNG charts into this folder.")] = None,
    older_than: Annotated[float, typer.Option("--older-than", min=0, help="Backlog age threshold, days.")] = 7.0,
    first_level: Annotated[
        list[str] | None,
        typer.Option("--first-level", help="A 1st-level group (repeat); default: level-1 groups of the desk file."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Desk file for agreements and groups (default: $DESKOPS_CONFIG "
                                  "or config/desk.yaml when present).")
    ] = None,
    sla: Annotated[bool, typer.Option("--sla/--no-sla", help="Evaluate the SLA clocks of every ticket.")] = True,
    every: Annotated[
        str | None, typer.Option("--every", help="Also give the figures per day, week or month (key \"series\").")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Report the desk's KPIs for a period: volume, backlog, MTTA/MTTR, reopens, hops, FCR, SLA compliance."""
    from deskops.bot.report_render import print_tables, to_html, to_markdown
    from deskops.core.clock import SystemClock
    from deskops.core.kpi.audience import Audience, for_audience
    from deskops.core.kpi.period import Period
    from deskops.core.kpi.report import ReportOptions, report_from_cells
    from deskops.core.kpi.sla import sla_compliance
    from deskops.core.persistence.kpi_facts import count_sla_breaches, load_ticket_facts
    from deskops.core.persistence.kpi_sql import aggregate_cells

    try:
        reader = Audience(audience)
    except ValueError:
        _usage_error(f"unknown audience {audience!r}; choose one of: {', '.join(a.value for a in Audience)}")
    begin = _instant(start, "--from", end_of_day=False) if start else None
    finish = _instant(end, "--to", end_of_day=True) if end else None
    try:
        period = Period(begin, finish)
    except ValueError as error:
        _usage_error(f"{error}; give a --to after --from")
    desk = _desk_config(config)
    levels = frozenset(first_level) if first_level else _first_level_groups(desk)
    engine = _require_store()
    as_of = SystemClock().now() if period.end is None else period.end
    filters = {"priority": priority, "group": group, "category": category}
    options = ReportOptions(as_of=as_of, older_than_days=older_than, first_level_groups=levels)
    cells, channels, categories, workload = aggregate_cells(engine, period, options, **filters)
    statuses = _clock_statuses(engine, period, filters, desk, as_of) if sla else None
    compliance = None if statuses is None else sla_compliance(statuses, period)
    result = report_from_cells(
        cells,
        period,
        channels=channels,
        categories=categories,
        options=options,
        sla_breached=count_sla_breaches(engine, period),
        sla=compliance,
        workload=workload,
    )
    document = result.model_dump(mode="json", by_alias=True)
    if every is not None:
        document["series"] = _series(engine, period, every, options, filters, statuses)
    document["filter"] = filters
    document["database"] = _shown_url(_database_url())
    document = for_audience(document, reader)
    chart_files: list[str] = []
    if charts is not None:
        from deskops.bot.report_charts import write_charts

        facts = list(load_ticket_facts(engine, period, **filters))
        chart_files = [str(path) for path in write_charts(charts, facts, period, document, as_of)]
        document["charts"] = chart_files
    if as_json or output is ReportFormat.JSON:
        typer.echo(json.dumps(document, indent=2))
    elif output is ReportFormat.MD:
        typer.echo(to_markdown(document, chart_files), nl=False)
    elif output is ReportFormat.HTML:
        typer.echo(to_html(document, chart_files), nl=False)
    else:
        print_tables(document)
        if chart_files:
            typer.echo("charts: " + ", ".join(chart_files))


def _desk_config(path: Path | None) -> Any:
    """The desk file named, or the default one when present; None when there is none (exit 1 if broken)."""
    from deskops.bot.config_loader import ConfigError, default_config_path, load_config

    target = path or default_config_path()
    if path is None and not target.is_file():
        return None
    try:
        return load_config(target)
    except ConfigError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def _first_level_groups(desk: Any) -> frozenset[str] | None:
    if desk is None:
        return None
    return frozenset(name for name, group in desk.groups.items() if group.level == 1)


def _clock_statuses(engine: Engine, period: Period, filters: dict[str, Any], desk: Any, as_of: datetime) -> Any:
    """Every relevant ticket's SLA clocks as of `as_of`, with the desk's agreements; None without agreements."""
    if desk is None or not desk.agreements:
        return None
    from deskops.core.persistence.kpi_facts import iter_ticket_logs
    from deskops.core.sla.service import SlaEngine

    clocks = SlaEngine.from_config(desk)
    return [status for log in iter_ticket_logs(engine, period, **filters) for status in clocks.clocks(log, as_of)]


MAX_SERIES = 400


def _series(engine: Engine, period: Period, every: str, options: Any, filters: dict[str, Any],
            statuses: Any) -> list[dict[str, Any]]:
    """The headline measures (and SLA outcomes) for each day, week or month of the period."""
    from dataclasses import replace

    from deskops.core.kpi.period import Period, split
    from deskops.core.kpi.report import Measures, report_from_cells
    from deskops.core.kpi.sla import sla_compliance
    from deskops.core.persistence.kpi_sql import aggregate_cells, opened_span

    first, _last = opened_span(engine)
    start = period.start or first
    end = period.end or options.as_of
    if start is None or end is None or end <= start:
        return []
    try:
        parts = split(Period(start, end), every)
    except ValueError as error:
        _usage_error(f"--every: {error}")
    if len(parts) > MAX_SERIES:
        _usage_error(f"--every {every} gives {len(parts)} periods (at most {MAX_SERIES}); use a longer step or period")
    series = []
    for part in parts:
        part_options = replace(options, as_of=part.end)
        cells, channels, categories, _workload = aggregate_cells(engine, part, part_options, **filters)
        figures = report_from_cells(cells, part, channels=channels, categories=categories, options=part_options)
        entry: dict[str, Any] = {"period": {"from": part.start, "to": part.end}}
        entry |= figures.model_dump(mode="json", include=set(Measures.model_fields))
        if statuses is not None:
            outcome = sla_compliance(statuses, part)
            entry["sla"] = {clock: {"met": c.met, "breached": c.breached, "compliance": c.compliance}
                            for clock, c in outcome.clocks.items()}
        entry["period"] = {k: v.isoformat().replace("+00:00", "Z") for k, v in entry["period"].items()}
        series.append(entry)
    return series


def _require_store() -> Engine:
    """The store to report on; exit 2 (creating nothing) when there is none yet."""
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url

    url = make_url(_database_url())
    missing = f"no DeskOps store at {_shown_url(_database_url())}; set DESKOPS_DATABASE_URL, " + (
        "or import history first (deskops import FILE --format uci|csv)"
    )
    on_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if on_file and not Path(url.database or "").is_file():
        _usage_error(missing)
    engine = _engine()
    if "tickets" not in inspect(engine).get_table_names():
        _usage_error(missing)
    return engine
