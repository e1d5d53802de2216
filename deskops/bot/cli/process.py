"""`deskops process`: the process map, the findings that say where the process should change, and what-ifs.

- `deskops process map [--from --to] [--filter key=value]… [--calendar NAME] [--top N] [--json] [--chart FILE]`
- `deskops process findings [--from --to] [--json]`
- `deskops process whatif --desk proposed.yaml [--from --to] [--json]`

Periods pick the tickets *opened* in them (dates are UTC days, `--to` included). Bad input exits 2
with a message on stderr and changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from deskops.bot.cli.data import _desk_config, _instant, _require_store, _usage_error
from deskops.bot.process_service import gather_findings, load_traces, opened_logs

if TYPE_CHECKING:
    from datetime import datetime

    from deskops.core.kpi.period import Period

__all__ = ["gather_findings", "load_traces", "opened_logs", "register"]
"""`opened_logs` and friends live in deskops/bot/process_service.py; re-exported for callers that import them here."""

FILTER_KEYS = ("kind", "priority", "category", "service", "customer", "channel", "group")

process_app = typer.Typer(help="Process health: the map of how tickets flow, findings, what-if.", no_args_is_help=True)

From = Annotated[str | None, typer.Option("--from", help="First day (UTC) or ISO instant; tickets opened from then.")]
To = Annotated[str | None, typer.Option("--to", help="Last day, included (UTC), or ISO instant.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="Desk file (default: $DESKOPS_CONFIG or config/desk.yaml).")
]


def register(app: typer.Typer) -> None:
    """Add the `process` command group to the `deskops` app."""
    app.add_typer(process_app, name="process")


def _period(start: str | None, end: str | None) -> Period:
    from deskops.core.kpi.period import Period

    begin = _instant(start, "--from", end_of_day=False) if start else None
    finish = _instant(end, "--to", end_of_day=True) if end else None
    try:
        return Period(begin, finish)
    except ValueError as error:
        _usage_error(f"{error}; give a --to after --from")


def _filters(pairs: list[str] | None) -> dict[str, str]:
    filters: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not value.strip() or key not in FILTER_KEYS:
            _usage_error(f"bad --filter {pair!r}; write key=value with a key among: {', '.join(FILTER_KEYS)}")
        filters[key] = value.strip()
    return filters


def _as_of(period: Period) -> datetime:
    from deskops.core.clock import SystemClock

    return period.end if period.end is not None else SystemClock().now()


@process_app.command("map")
def map_command(
    start: From = None,
    end: To = None,
    filter_: Annotated[
        list[str] | None,
        typer.Option("--filter", help="Only tickets with key=value (repeat): " + ", ".join(FILTER_KEYS)),
    ] = None,
    calendar: Annotated[
        str | None, typer.Option("--calendar", help="Also measure business hours in this calendar of the desk file.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=100, help="How many variants to list.")] = 10,
    chart: Annotated[Path | None, typer.Option("--chart", help="Write a PNG of the main variants and times.")] = None,
    config: ConfigOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Show the paths tickets take, where the time goes, and the loops."""
    from deskops.core.process.map import process_map

    period = _period(start, end)
    filters = _filters(filter_)
    business = None
    if calendar is not None:
        from deskops.core.business_calendar import BusinessCalendar

        desk = _desk_config(config)
        if desk is None or calendar not in desk.calendars:
            known = ", ".join(desk.calendars) if desk is not None else "no desk file found"
            _usage_error(f"unknown calendar {calendar!r}; known: {known or 'none defined'}")
        business = BusinessCalendar.from_config(desk.calendars[calendar], name=calendar)
    engine = _require_store()
    traces = load_traces(engine, period, filters, _as_of(period))
    result = process_map(traces, calendar=business, top=top)
    document: dict[str, Any] = {"period": _period_json(period), "filter": filters, **result.model_dump(mode="json")}
    if chart is not None:
        from deskops.bot.process_chart import write_process_chart

        document["chart"] = str(write_process_chart(chart, result))
    if as_json:
        typer.echo(json.dumps(document, indent=2))
    else:
        _print_map(document)


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} h"


def _print_map(document: dict[str, Any]) -> None:
    """The map as tables a manager reads top-down: paths, where the time goes, loops."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"[bold]{document['tickets']:,}[/] tickets opened in the period (filter: {document['filter'] or 'none'})"
    )
    for key, title in (("state_variants", "Paths through the states"), ("group_variants", "Paths through the groups")):
        table = Table("tickets", "share", "median open→resolved", "path", title=title)
        for variant in document[key]:
            table.add_row(
                f"{variant['tickets']:,}",
                f"{variant['share']:.1%}",
                _hours(variant["median_hours"]),
                " → ".join(variant["path"]) or "(no group)",
            )
        console.print(table)
    business = document["business_calendar"]
    for key, title in (("states", "Where the time goes: states"), ("groups", "Where the time goes: groups")):
        columns = ["name", "tickets", "share of time", "median", "p90"]
        if business:
            columns += [f"median ({business})", f"p90 ({business})"]
        table = Table(*columns, title=title)
        for row in document[key][:15]:
            cells = [
                row["name"],
                f"{row['tickets']:,}",
                f"{row['share_of_time']:.1%}",
                _hours(row["median_hours"]),
                _hours(row["p90_hours"]),
            ]
            if business:
                cells += [_hours(row["business_median_hours"]), _hours(row["business_p90_hours"])]
            table.add_row(*cells)
        console.print(table)
    console.print(
        f"Bottleneck: state [bold]{document['bottleneck_state']}[/], group [bold]{document['bottleneck_group']}[/]"
    )
    loops = document["loops"]
    if loops["tickets"]:
        console.print(
            f"Loops: {loops['ping_pong_tickets']:,} tickets ({loops['ping_pong_rate']:.1%}) went A → B → A between "
            f"groups; {loops['pending_loop_tickets']:,} ({loops['pending_loop_rate']:.1%}) went back to pending "
            "after work resumed."
        )
    if loops["pairs"]:
        table = Table("from", "to and back", "tickets", "bounces", title="Ping-pong between groups")
        for pair in loops["pairs"]:
            table.add_row(pair["first"], pair["second"], f"{pair['tickets']:,}", f"{pair['bounces']:,}")
        console.print(table)
    if document.get("chart"):
        console.print(f"chart: {document['chart']}")


def _period_json(period: Period) -> dict[str, str | None]:
    return {
        "from": period.start.isoformat() if period.start else None,
        "to": period.end.isoformat() if period.end else None,
    }


@process_app.command("whatif")
def whatif_command(
    desk: Annotated[Path, typer.Option("--desk", help="The proposed desk file to replay the period against.")],
    start: From = None,
    end: To = None,
    config: ConfigOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Replay the period's tickets against a proposed desk file and compare with what happened."""
    from deskops.core.errors import InvalidInput
    from deskops.core.process.whatif import Rules, what_if

    period = _period(start, end)
    current = _desk_config(config)
    if current is None:
        _usage_error("no current desk file found; pass --config FILE (or set DESKOPS_CONFIG)")
    proposed = _desk_config(desk)
    if proposed is None:
        _usage_error(f"proposed desk file {desk} not found")
    engine = _require_store()
    as_of = _as_of(period)
    try:
        result = what_if(opened_logs(engine, period), current=Rules.from_config(current),
                         proposed=Rules.from_config(proposed), as_of=as_of)  # fmt: skip
    except InvalidInput as error:
        _usage_error(f"{error.message} {error.hint}")
    document = {"period": _period_json(period), "evaluated_at": as_of.isoformat(), "proposed_desk": str(desk),
                **result.model_dump(mode="json")}  # fmt: skip
    if as_json:
        typer.echo(json.dumps(document, indent=2))
    else:
        _print_whatif(document)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _print_whatif(document: dict[str, Any]) -> None:
    """Current and proposed side by side, then what moved."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    was, now = document["current"], document["proposed"]
    table = Table("", "what happened (current desk)", f"proposed ({document['proposed_desk']})", "change",
                  title=f"What-if over {was['tickets']:,} tickets")  # fmt: skip
    for clock in sorted({*was["clocks"], *now["clocks"]}):
        old, new = was["clocks"].get(clock, {}), now["clocks"].get(clock, {})
        points = document["compliance_change_points"].get(clock)
        table.add_row(
            f"{clock} compliance",
            f"{_rate(old.get('compliance'))} ({old.get('met', 0):,} met, {old.get('breached', 0):,} breached)",
            f"{_rate(new.get('compliance'))} ({new.get('met', 0):,} met, {new.get('breached', 0):,} breached)",
            "-" if points is None else f"{points:+.1f} pts",
        )
    for key, label in (("tickets_breached", "tickets with a breach"), ("escalation_steps", "escalation steps fired"),
                       ("tickets_escalated", "tickets escalated")):  # fmt: skip
        table.add_row(label, f"{was[key]:,}", f"{now[key]:,}", f"{now[key] - was[key]:+,}")
    table.add_row("tickets per priority", _counts(was["by_priority"]), _counts(now["by_priority"]),
                  f"{document['reprioritised']:,} moved")  # fmt: skip
    console.print(table)
    console.print(
        f"{document['breached_to_met']:,} tickets would have gone from breached to met, "
        f"{document['met_to_breached']:,} from met to breached. [dim]{document['definition']}[/]"
    )


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count:,}" for name, count in counts.items()) or "-"


def found_weeks(desk: Any) -> int:
    """The weeks the signals watch (the desk's `process.weeks`, or the default)."""
    from deskops.core.config.process import ProcessConfig

    return int(desk.process.weeks if desk is not None else ProcessConfig().weeks)


@process_app.command("findings")
def findings_command(
    at: Annotated[
        str | None,
        typer.Option("--at", help="Evaluate as of this day (UTC, the day included) or instant; default now."),
    ] = None,
    config: ConfigOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Findings that say where the process should change, with the figures behind each."""
    from deskops.core.clock import SystemClock

    as_of = _instant(at, "--at", end_of_day=True) if at else SystemClock().now()
    desk = _desk_config(config)
    engine = _require_store()
    found = gather_findings(engine, desk, as_of)
    weeks = found_weeks(desk)
    if as_json:
        document = {"as_of": as_of.isoformat(), "weeks": weeks, "findings": [f.model_dump(mode="json") for f in found]}
        typer.echo(json.dumps(document, indent=2))
        return
    if not found:
        typer.echo(
            f"No findings over the {weeks} weeks to {as_of:%Y-%m-%d %H:%M} UTC: no signal crossed its threshold."
        )
        return
    typer.echo(f"{len(found)} findings over the {weeks} weeks to {as_of:%Y-%m-%d %H:%M} UTC:")
    for finding in found:
        typer.echo(f"- [{finding.rule}] {finding.message}")
