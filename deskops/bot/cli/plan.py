"""`deskops plan forecast|staffing|roster`: workforce planning on the command line."""

from __future__ import annotations

import json
import math
import sys
from typing import Annotated, Any, NoReturn

import typer

plan_app = typer.Typer(
    help="Workforce planning: forecast the workload, staff each interval (Erlang C), build the roster.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of a table.")]


def fail(message: str) -> NoReturn:
    """Print `message` to standard error and exit with status 1."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def finite_or_none(value: float) -> float | None:
    """JSON has no infinity: an unbounded figure (overload) is written as null."""
    return value if math.isfinite(value) else None


def emit_json(document: Any) -> None:
    """Print one JSON document on standard output."""
    json.dump(document, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


@plan_app.command()
def staffing(
    volume: Annotated[float, typer.Option(help="Contacts arriving in the interval.", min=0)],
    aht: Annotated[str, typer.Option(help="Average handling time, e.g. 180s or 3m.")],
    interval: Annotated[str, typer.Option(help="Interval length, e.g. 30m or 1h.")] = "30m",
    target: Annotated[
        str | None, typer.Option(help="Service level: share answered within a time, e.g. 80/20s.")
    ] = None,
    asa: Annotated[str | None, typer.Option(help="Average-speed-of-answer target instead of (or beside) "
                                                  "--target, e.g. 30s.")] = None,
    shrinkage: Annotated[str, typer.Option(help="Paid time not available, e.g. 30%.")] = "0%",
    max_occupancy: Annotated[str | None, typer.Option(help="Occupancy cap, e.g. 85%.")] = None,
    concurrency: Annotated[int, typer.Option(help="Conversations one agent handles at once (chat work); "
                                                  "the target is then the first-response time.", min=1)] = 1,
    as_json: JsonFlag = False,
) -> None:
    """Agents needed for one interval (Erlang C), with P(wait), service level, ASA and occupancy."""
    from deskops.core.durations import parse_duration
    from deskops.core.planning.erlang import Target, chat_required_agents, required_agents, traffic_erlangs
    from deskops.core.planning.units import parse_service_level, parse_share

    try:
        interval_s = parse_duration(interval).total_seconds()
        aht_s = parse_duration(aht).total_seconds()
        if target is None and asa is None:
            target = "80/20s"  # the field's customary default
        level, within = parse_service_level(target) if target else (None, 20.0)
        goal = Target(
            service_level=level,
            answer_within_seconds=within,
            max_asa_seconds=parse_duration(asa).total_seconds() if asa else None,
            max_occupancy=parse_share(max_occupancy) if max_occupancy else None,
        )
        traffic = traffic_erlangs(volume, interval_s, aht_s)
        share = parse_share(shrinkage)
        result = (chat_required_agents(traffic, aht_s, goal, concurrency, share) if concurrency > 1
                  else required_agents(traffic, aht_s, goal, share))
    except ValueError as exc:
        fail(str(exc))
    p = result.performance
    document = {
        "agents": result.agents,
        "agents_with_shrinkage": result.agents_with_shrinkage,
        "p_wait": p.p_wait,
        "service_level": p.service_level,
        "asa_seconds": finite_or_none(p.asa_seconds),
        "occupancy": p.occupancy,
    }
    if as_json:
        emit_json(document)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Staffing for {volume:g} contacts in {interval} (AHT {aht}, {traffic:.2f} erlangs)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("agents (productive)", str(result.agents))
    table.add_row(f"agents to schedule ({shrinkage} shrinkage)", str(result.agents_with_shrinkage))
    table.add_row("probability of waiting", f"{p.p_wait:.1%}")
    table.add_row(f"service level (within {within:g} s)", f"{p.service_level:.2%}")
    table.add_row("average speed of answer", f"{p.asa_seconds:.2f} s")
    table.add_row("occupancy", f"{p.occupancy:.1%}")
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add `deskops plan …` to the `deskops` app."""
    app.add_typer(plan_app, name="plan")
