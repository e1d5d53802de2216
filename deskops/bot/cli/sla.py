"""`deskops sla due|elapsed`: business-calendar arithmetic from the desk file on the command line.

Contract (DESIGN.md §4): `deskops sla due --calendar NAME --start ISO --target DURATION
[--pause START/END]... [--config FILE] --json` prints `{"due", "due_utc", "consumed_seconds",
"skipped", ...}`; `deskops sla elapsed --calendar NAME --from ISO --to ISO --json` prints
`{"seconds", ...}`. Bad input exits 2 with a message on stderr; a broken desk file exits 1.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from deskops.core.business_calendar import BusinessCalendar, Interval, SkippedDay

sla_app = typer.Typer(help="SLA arithmetic over the desk's business calendars.", no_args_is_help=True)

CalendarOption = Annotated[str, typer.Option("--calendar", "-c", help="Calendar name from the desk file.")]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="Desk file (default: $DESKOPS_CONFIG or config/desk.yaml).")
]
PauseOption = Annotated[
    list[str] | None,
    typer.Option("--pause", help="A paused span START/END (ISO with offsets); repeat for several."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]

MAX_TARGET = timedelta(days=366)
"""Longest target the command computes (a year of business time spans years of calendar days)."""

_ISO_EXAMPLE = "write ISO 8601 with an offset, e.g. 2026-12-24T16:30+01:00 or 2026-12-24T15:30Z"


def register(app: typer.Typer) -> None:
    """Add the `sla` command group to the `deskops` app."""
    app.add_typer(sla_app, name="sla")


def _usage_error(message: str) -> NoReturn:
    """Bad input on the command line: say what to do and exit 2 (nothing was changed)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _parse_instant(text: str, what: str) -> datetime:
    from deskops.core.clock import ensure_utc

    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        _usage_error(f"bad {what} {text!r}; {_ISO_EXAMPLE}")
    if parsed.tzinfo is None:
        _usage_error(f"{what} {text!r} has no offset, so the instant is unknown; {_ISO_EXAMPLE}")
    return ensure_utc(parsed)


def _parse_pauses(texts: list[str] | None) -> list[Interval]:
    pauses: list[Interval] = []
    for text in texts or ():
        start_text, sep, end_text = text.partition("/")
        if not sep:
            _usage_error(f"bad pause {text!r}; write START/END, e.g. 2026-03-26T16:00+01:00/2026-03-30T09:30+02:00")
        start, end = _parse_instant(start_text, "pause start"), _parse_instant(end_text, "pause end")
        if end < start:
            _usage_error(f"pause {text!r} ends before it starts; swap START and END")
        pauses.append((start, end))
    return pauses


def _calendar(name: str, config: Path | None) -> BusinessCalendar:
    """Load the desk file and build the named calendar, or exit with a message saying what to do."""
    from deskops.bot.config_loader import ConfigError, default_config_path, load_config
    from deskops.core.business_calendar import BusinessCalendar

    path = config or default_config_path()
    try:
        desk = load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(problem.render(exc.source), err=True)
        typer.echo(f"error: {path} has problems; fix them (deskops check-config {path})", err=True)
        raise typer.Exit(1) from None
    if name not in desk.calendars:
        known = ", ".join(sorted(desk.calendars)) or "none — add a `calendars:` section"
        _usage_error(f"unknown calendar {name!r} in {path}; known calendars: {known}")
    return BusinessCalendar.from_config(desk.calendars[name], name=name)


def _skipped_lines(skipped: tuple[SkippedDay, ...]) -> list[str]:
    return [f"  {s.day.isoformat()} {s.day.strftime('%a')}  {s.name} ({s.reason})" for s in skipped] or ["  none"]


@sla_app.command("due")
def due(
    calendar: CalendarOption,
    start: Annotated[str, typer.Option("--start", help="When the clock starts (ISO 8601 with an offset).")],
    target: Annotated[str, typer.Option("--target", help="Business time to run: 4h, 30m, 1h30m, 2d, PT4H.")],
    pause: PauseOption = None,
    config: ConfigOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Print when TARGET business time from START runs out on CALENDAR (pauses excluded)."""
    from deskops.core.business_calendar import format_business_time
    from deskops.core.durations import parse_duration

    try:
        target_delta = parse_duration(target)
    except ValueError as exc:
        _usage_error(str(exc))
    if target_delta > MAX_TARGET:
        _usage_error(f"target {target!r} is longer than {MAX_TARGET.days} days of business time; give a shorter one")
    started = _parse_instant(start, "start")
    pauses = _parse_pauses(pause)
    cal = _calendar(calendar, config)
    try:
        result = cal.due(started, target_delta, pauses=pauses)
    except ValueError as exc:
        _usage_error(str(exc))
    local = cal.local(result.due)
    if as_json:
        document = {
            "due": local.isoformat(),
            "due_utc": result.due.isoformat(),
            "consumed_seconds": int(result.consumed.total_seconds()),
            "skipped": [s.to_json() for s in result.skipped],
            "calendar": calendar,
            "timezone": cal.zone.key,
            "start_utc": started.isoformat(),
            "target_seconds": int(target_delta.total_seconds()),
            # business time that fell inside the pauses, i.e. how much later the pauses made the due
            "paused_seconds": int((cal.elapsed(started, result.due) - result.consumed).total_seconds()),
        }
        typer.echo(json.dumps(document))
        return
    lines = [
        f"due       {local.strftime('%a %Y-%m-%d %H:%M:%S')} {local.isoformat()[-6:]} ({cal.zone.key})",
        f"due UTC   {result.due.strftime('%a %Y-%m-%d %H:%M:%S')} UTC",
        f"consumed  {format_business_time(result.consumed)} of business time on {calendar}",
        "skipped holidays and closed days:",
        *_skipped_lines(result.skipped),
    ]
    typer.echo("\n".join(lines))


@sla_app.command("elapsed")
def elapsed(
    calendar: CalendarOption,
    from_: Annotated[str, typer.Option("--from", help="Start instant (ISO 8601 with an offset).")],
    to: Annotated[str, typer.Option("--to", help="End instant (ISO 8601 with an offset).")],
    pause: PauseOption = None,
    config: ConfigOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Print the business time between two instants on CALENDAR (pauses excluded)."""
    from deskops.core.business_calendar import format_business_time
    from deskops.core.durations import format_duration

    start, end = _parse_instant(from_, "--from"), _parse_instant(to, "--to")
    if end < start:
        _usage_error(f"--to {to!r} is before --from {from_!r}; swap them")
    pauses = _parse_pauses(pause)
    cal = _calendar(calendar, config)
    total, skipped = cal.elapsed_with_skips(start, end, pauses=pauses)
    if as_json:
        document = {
            "seconds": int(total.total_seconds()),
            "duration": format_business_time(total),
            "calendar": calendar,
            "timezone": cal.zone.key,
            "from_utc": start.isoformat(),
            "to_utc": end.isoformat(),
            "wall_seconds": int((end - start).total_seconds()),
            "skipped": [s.to_json() for s in skipped],
        }
        typer.echo(json.dumps(document))
        return
    lines = [
        f"business time  {format_business_time(total)} ({int(total.total_seconds())} s) on {calendar} ({cal.zone.key})",
        f"wall time      {format_duration(end - start)}",
        "skipped holidays and closed days:",
        *_skipped_lines(skipped),
    ]
    typer.echo("\n".join(lines))
