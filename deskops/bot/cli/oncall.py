"""`deskops oncall who|shifts|export`: on-call schedules from the desk file on the command line."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from deskops.core.escalation.oncall import Assignment, Schedule

oncall_app = typer.Typer(
    help="On-call schedules: who is on call, the shifts ahead, iCalendar export.",
    no_args_is_help=True,
)

ScheduleOption = Annotated[str, typer.Option("--schedule", "-s", help="Schedule name from the desk file.")]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="Desk file (default: $DESKOPS_CONFIG or config/desk.yaml).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def register(app: typer.Typer) -> None:
    """Add the `oncall` command group to the `deskops` app."""
    app.add_typer(oncall_app, name="oncall")


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _instant(text: str | None, what: str) -> datetime:
    """Parse an ISO instant with an offset (`Z` allowed); default: the current instant."""
    from deskops.core.clock import SystemClock, ensure_utc

    if text is None:
        return SystemClock().now()
    example = "write ISO 8601 with an offset, e.g. 2026-03-29T09:00+02:00 or 2026-03-29T07:00Z"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        _fail(f"bad {what} {text!r}; {example}", 2)
    if parsed.tzinfo is None:
        _fail(f"{what} {text!r} has no offset, so the instant is unknown; {example}", 2)
    if not 1970 <= parsed.year <= 2199:  # rotations are computed from local dates; keep far from date limits
        _fail(f"{what} {text!r} is out of range; give an instant between 1970 and 2199", 2)
    return ensure_utc(parsed)


def _schedule(name: str, config: Path | None) -> Schedule:
    """Load the desk file and build the named schedule, or exit with a message saying what to do."""
    from deskops.bot.config_loader import ConfigError, default_config_path, load_config
    from deskops.core.escalation.oncall import Schedule

    path = config or default_config_path()
    try:
        desk = load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(problem.render(exc.source), err=True)
        _fail(f"{path} has problems; fix them (deskops check-config {path})")
    if name not in desk.schedules:
        known = ", ".join(sorted(desk.schedules)) or "none — add a `schedules:` section"
        _fail(f"unknown schedule {name!r} in {path}; known schedules: {known}", 2)
    return Schedule.from_config(name, desk.schedules[name])


def _as_json(assignment: Assignment, schedule: Schedule) -> dict[str, object]:
    return {
        "on_call": list(assignment.people),
        "source": assignment.source or None,
        "start": assignment.start.astimezone(schedule.zone).isoformat(),
        "end": assignment.end.astimezone(schedule.zone).isoformat(),
        "start_utc": assignment.start.isoformat(),
        "end_utc": assignment.end.isoformat(),
    }


@oncall_app.command()
def who(
    schedule: ScheduleOption,
    at: Annotated[str | None, typer.Option(help="Instant to ask about, ISO 8601 with offset (default: now).")] = None,
    config: ConfigOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Who is on call for a schedule now (or at --at), since when and until when."""
    when = _instant(at, "--at")
    plan = _schedule(schedule, config)
    current = plan.who(when)
    if as_json:
        document = {"schedule": schedule, "at": when.isoformat(), "timezone": str(plan.zone)}
        json.dump(document | _as_json(current, plan), sys.stdout)
        sys.stdout.write("\n")
        return
    local = current.end.astimezone(plan.zone)
    if not current.people:
        typer.echo(f"{schedule}: nobody is on call at {when.astimezone(plan.zone):%Y-%m-%d %H:%M %Z} "
                   f"(until {local:%a %Y-%m-%d %H:%M %Z}); add a layer or an override to cover it")
        return
    how = "override" if current.source == "override" else f"layer {current.source}"
    typer.echo(f"{schedule}: {', '.join(current.people)} ({how}) until {local:%a %Y-%m-%d %H:%M %Z}")


@oncall_app.command()
def shifts(
    schedule: ScheduleOption,
    start: Annotated[str | None, typer.Option("--from", help="Start, ISO 8601 with offset (default: now).")] = None,
    days: Annotated[int, typer.Option(help="How many days ahead to list.", min=1, max=366)] = 14,
    config: ConfigOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The final schedule (layers and overrides combined) over the next days."""
    begin = _instant(start, "--from")
    plan = _schedule(schedule, config)
    timeline = plan.timeline(begin, begin + timedelta(days=days))
    if as_json:
        document = {"schedule": schedule, "timezone": str(plan.zone), "shifts": [_as_json(a, plan) for a in timeline]}
        json.dump(document, sys.stdout)
        sys.stdout.write("\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"On call: {schedule} ({plan.zone})")
    for column in ("from", "to", "on call", "source"):
        table.add_column(column)
    for a in timeline:
        table.add_row(
            f"{a.start.astimezone(plan.zone):%a %Y-%m-%d %H:%M}",
            f"{a.end.astimezone(plan.zone):%a %Y-%m-%d %H:%M}",
            ", ".join(a.people) or "(nobody)",
            a.source or "-",
        )
    Console().print(table)


@oncall_app.command()
def export(
    schedule: ScheduleOption,
    start: Annotated[str | None, typer.Option("--from", help="Start, ISO 8601 with offset (default: now).")] = None,
    days: Annotated[int, typer.Option(help="How many days to export.", min=1, max=731)] = 90,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this .ics file.")] = None,
    config: ConfigOption = None,
) -> None:
    """Export the schedule as iCalendar (.ics) to standard output or --output."""
    from deskops.core.clock import SystemClock
    from deskops.core.escalation.ical import schedule_to_ical

    begin = _instant(start, "--from")
    plan = _schedule(schedule, config)
    document = schedule_to_ical(plan, begin, begin + timedelta(days=days), stamp=SystemClock().now())
    if output is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
        return
    try:
        output.write_bytes(document)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}; check the folder exists and is writable", 1)
    typer.echo(f"wrote {output} ({document.count(b'BEGIN:VEVENT')} shifts)", err=True)
