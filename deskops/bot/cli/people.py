"""`deskops people`: role profiles, the skills matrix with its gaps, and training needs from the event log.

- `deskops people profile ROLE [--format md|html]`
- `deskops people matrix [--group G] [--json] [--chart FILE]`
- `deskops people training [--from --to] [--first-level G]… [--as PERSON] [--json]`

Training periods pick the tickets *opened* in them (dates are UTC days, `--to` included). With `--as`,
the output is what that person may see (privacy rules of deskops/core/people/privacy.py). Bad input
exits 2 with a message on stderr and changes nothing.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from deskops.bot.cli.data import _usage_error
from deskops.bot.cli.process import ConfigOption, From, JsonFlag, To

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from deskops.core.config.desk import DeskConfig
    from deskops.core.kpi.period import Period
    from deskops.core.people.matrix import MatrixRow
    from deskops.core.people.training import TrainingReport

people_app = typer.Typer(help="The desk's people: role profiles, skills matrix, training needs.", no_args_is_help=True)


class ProfileFormat(StrEnum):
    """Output formats of a role profile."""

    MD = "md"
    HTML = "html"


def register(app: typer.Typer) -> None:
    """Add the `people` command group to the `deskops` app."""
    app.add_typer(people_app, name="people")


def _desk(config: Path | None) -> DeskConfig:
    """The desk file; exit 2 when there is none (the people sections live there)."""
    from deskops.bot.cli.data import _desk_config

    desk: DeskConfig | None = _desk_config(config)
    if desk is None:
        _usage_error("no desk file; give --config FILE or set DESKOPS_CONFIG (people_profiles and skills live there)")
    return desk


@people_app.command("profile")
def profile_command(
    role: Annotated[str, typer.Argument(help="A role of people_profiles in the desk file.")],
    output: Annotated[ProfileFormat, typer.Option("--format", help="md or html.")] = ProfileFormat.MD,
    config: ConfigOption = None,
) -> None:
    """Print a role profile as a job description (mission, responsibilities, required skills, hours)."""
    from deskops.core.errors import DeskError
    from deskops.core.people.profiles import profile_html, profile_markdown

    desk = _desk(config)
    try:
        text = profile_html(desk, role) if output is ProfileFormat.HTML else profile_markdown(desk, role)
    except DeskError as error:
        _usage_error(str(error))
    typer.echo(text, nl=False)


@people_app.command("matrix")
def matrix_command(
    group: Annotated[str | None, typer.Option("--group", help="Only this group's members.")] = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="Write a heat-map PNG of the levels.")] = None,
    config: ConfigOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Show everyone's skill levels (0–4), certifications and roles, with the gaps against profiles and shifts."""
    from deskops.core.clock import SystemClock
    from deskops.core.people.matrix import matrix, profile_gaps, shift_gaps

    desk = _desk(config)
    if group is not None and group not in desk.groups:
        _usage_error(f"unknown group {group!r}; groups: {', '.join(desk.groups) or 'none in the desk file'}")
    rows = matrix(desk, group=group)
    gaps = profile_gaps(desk, rows, now=SystemClock().now()) + shift_gaps(desk, group=group)
    gap_list = [{key: getattr(g, key) for key in ("kind", "subject", "detail", "person", "have", "need", "shift")}
                for g in gaps]  # fmt: skip
    document: dict[str, Any] = {
        "group": group,
        "people": [
            {"person": r.person, "name": r.name, "roles": list(r.roles), "groups": list(r.groups), "levels": r.levels,
             "certifications": {k: v.isoformat() if v else None for k, v in r.certifications.items()}}
            for r in rows
        ],
        "gaps": gap_list,
    }  # fmt: skip
    if chart is not None:
        _heat_map(rows, chart)
        document["chart"] = str(chart)
    if as_json:
        typer.echo(json.dumps(document, indent=2))
        return
    _print_matrix(rows, gap_list)
    if chart is not None:
        typer.echo(f"chart: {chart}")


def _skill_columns(rows: list[MatrixRow]) -> list[str]:
    return sorted({skill for row in rows for skill in row.levels})


def _print_matrix(rows: list[MatrixRow], gaps: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not rows:
        console.print("Nobody in the skills matrix (add a skills section to the desk file).")
    # People are columns and skills rows, so a desk with many skills still fits a terminal.
    table = Table(title="Skills matrix (0 none · 1 aware · 2 with help · 3 alone · 4 teaches)")
    table.add_column("Skill")
    for row in rows:
        table.add_column(row.name, justify="center")
    table.add_row("roles", *(", ".join(row.roles) or "–" for row in rows), end_section=True)
    for skill in _skill_columns(rows):
        table.add_row(skill, *(str(row.levels.get(skill, "·")) for row in rows))
    certs = [(row.name, name, until) for row in rows for name, until in row.certifications.items()]
    console.print(table)
    for name, cert, until in certs:
        console.print(f"- {name}: {cert}" + (f", valid to {until.isoformat()}" if until else ", does not expire"))
    if gaps:
        console.print("[bold]Gaps[/bold]")
        for gap in gaps:
            console.print(f"- {gap['kind']}: {gap['detail']}")
    else:
        console.print("No gaps against the role profiles or the shifts.")


def _heat_map(rows: list[MatrixRow], path: Path) -> None:
    """Write people × skills as a heat map (0–4), numbers in the cells."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    skills = _skill_columns(rows)
    if not rows or not skills:
        _usage_error("nothing to chart: the skills matrix is empty for this selection")
    values = [[row.levels.get(skill, 0) for skill in skills] for row in rows]
    figure, axes = plt.subplots(figsize=(max(4.0, 0.7 * len(skills) + 2), max(2.5, 0.45 * len(rows) + 1.5)))
    image = axes.imshow(values, cmap="YlGn", vmin=0, vmax=4, aspect="auto")
    axes.set_xticks(range(len(skills)), skills, rotation=45, ha="right")
    axes.set_yticks(range(len(rows)), [row.name for row in rows])
    for y, line in enumerate(values):
        for x, value in enumerate(line):
            axes.text(x, y, str(value), ha="center", va="center", color="black" if value < 3 else "white")
    figure.colorbar(image, ax=axes, ticks=range(5), label="level")
    axes.set_title("Skills matrix")
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=110)
    except OSError as error:
        _usage_error(f"cannot write the chart to {path}: {error.strerror}")
    finally:
        plt.close(figure)


def load_training(engine: Engine, desk: DeskConfig | None, period: Period,
                  first_level: frozenset[str] | None = None) -> TrainingReport:
    """Training needs over the tickets opened in the period (shared by the CLI and `/people training`).

    The 1st level is `first_level`, else the desk file's level-1 groups when the log uses them, else
    the group that took each ticket (imported history with its own group names).
    """
    from deskops.bot.cli.process import opened_logs
    from deskops.core.people.outcomes import outcome_from_events
    from deskops.core.people.training import training_needs

    outcomes = [o for log in opened_logs(engine, period) if (o := outcome_from_events(log)) is not None]
    if first_level is None and desk is not None:
        levels = frozenset(name for name, group in desk.groups.items() if group.level == 1)
        first_level = levels if any(o.first_group in levels for o in outcomes) else None
    return training_needs(outcomes, first_level=first_level)


@people_app.command("training")
def training_command(
    start: From = None,
    end: To = None,
    first_level: Annotated[
        list[str] | None, typer.Option("--first-level", help="A 1st-level group (repeat); default: the desk file's.")
    ] = None,
    viewer: Annotated[str | None, typer.Option("--as", help="Show only what this person may see.")] = None,
    config: ConfigOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Rank what each 1st-level group (and person) should learn next, from the desk's own tickets."""
    from deskops.bot.cli.data import _desk_config, _require_store
    from deskops.bot.cli.process import _period, _period_json
    from deskops.core.people.privacy import for_viewer

    period = _period(start, end)
    desk = _desk_config(config)
    if viewer is not None and (desk is None or viewer not in desk.people):
        _usage_error(f"--as {viewer!r}: not a person of the desk file; give a people id")
    report = load_training(_require_store(), desk, period, frozenset(first_level) if first_level else None)
    if viewer is not None and desk is not None:
        report = for_viewer(report, desk, viewer)
    document = {"period": _period_json(period), **report.model_dump(mode="json")}
    if as_json:
        typer.echo(json.dumps(document, indent=2))
        return
    typer.echo(training_text(report))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


def training_text(report: TrainingReport, *, limit: int = 5) -> str:
    """The ranked needs as plain text: per group, then per person (already privacy-filtered)."""
    lines = [f"Training needs from {report.tickets} tickets (1st level: {report.first_level})."]
    if not report.groups:
        lines.append("No 1st-level group's tickets in this period.")
    for group in report.groups:
        lines.append(f"\n{group.group}: {group.tickets} tickets, escalated {_pct(group.escalated_share)}, "
                     f"first-contact resolution {_pct(group.first_contact_resolution)}")
        if not group.needs:
            lines.append("  nothing stands out: no category with enough tickets is worse than the group's average")
        for need in group.needs[:limit]:
            lines.append(f"  {need.rank}. {need.learn}")
            lines.append(f"     why: {'; '.join(need.reasons)}")
            lines.append(f"     expected gain: {need.expected_gain_tickets} more tickets resolved at the 1st level")
    if report.people:
        lines.append("\nPeople (private: shown to them, their team lead and managers):")
        for person in report.people[:limit]:
            lines.append(f"  {person.person} in {person.group}/{person.category}: median {person.median_hours:.1f} h "
                         f"over {person.tickets} tickets vs the group's {person.group_median_hours:.1f} h "
                         f"(about {person.expected_gain_hours:.0f} h to gain) — {person.learn}")
    return "\n".join(lines)
