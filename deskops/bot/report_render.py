"""Render a report's JSON document as tables: in the terminal (rich), Markdown or HTML.

One builder turns the document into neutral tables (title, headings, rows); each format only
draws them, so text, Markdown and HTML always show the same figures.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

GROUPS_SHOWN = 15


@dataclass(frozen=True)
class Table:
    """A titled table of text cells."""

    title: str
    headings: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _summary(summary: dict[str, Any] | None) -> str:
    if not summary or summary.get("count", 0) == 0:
        return "-"
    return f"{_hours(summary['mean'])} / {_hours(summary['median'])} / {_hours(summary['p90'])}"


_SLICE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("opened", "opened"),
    ("resolved", "resolved"),
    ("backlog_end", "backlog at end"),
    ("time_to_acknowledge_hours", "to acknowledge h (mean/median/p90)"),
    ("time_to_resolve_hours.gross", "to resolve h gross (mean/median/p90)"),
    ("time_to_resolve_hours.net", "to resolve h net"),
    ("reopen_rate", "reopen rate"),
    ("reassignments_mean", "reassignments/ticket"),
    ("first_contact_resolution", "FCR"),
)


def _lookup(measures: dict[str, Any], key: str) -> tuple[bool, Any]:
    value: Any = measures
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _cell(key: str, value: Any) -> str:
    if key.startswith("time_to_"):
        return _summary(value)
    if key in ("reopen_rate", "first_contact_resolution"):
        return _percent(value)
    if key == "reassignments_mean":
        return "-" if value is None else f"{value:.3f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _slice_table(title: str, slices: dict[str, dict[str, Any]], label: str) -> Table:
    sample = next(iter(slices.values()), {})
    columns = [(key, heading) for key, heading in _SLICE_COLUMNS if _lookup(sample, key)[0]]
    rows = [(name, *(_cell(key, _lookup(m, key)[1]) for key, _h in columns)) for name, m in slices.items()]
    return Table(title, (label, *(heading for _k, heading in columns)), rows)


def build_tables(document: dict[str, Any]) -> list[Table]:
    """The report as tables: headline, per priority, busiest groups, SLA per clock, volume by channel."""
    tables = [_slice_table("The desk", {"all tickets": document}, "")]
    headline = []
    for key, heading in (
        ("reopened_share_of_opened", "reopened (share of opened)"),
        ("reassigned_share", "reassigned at least once"),
        ("reassigned_3plus_share", "reassigned 3 times or more"),
        ("escalated_share", "escalated"),
        ("first_level_resolution", "first-level resolution"),
    ):
        if key in document:
            headline.append((heading, _percent(document[key])))
    if "unacknowledged" in document:
        headline.append(("opened and not acknowledged", f"{document['unacknowledged']:,}"))
    if "backlog_age_days" in document:
        threshold = document.get("backlog_age_threshold_days")
        headline.append(("backlog age days (mean/median/p90)", _summary(document["backlog_age_days"])))
        headline.append((f"backlog older than {threshold:g} days", f"{document.get('backlog_older_than', 0):,}"))
    if headline:
        tables.append(Table("More measures", ("measure", "value"), headline))
    if document.get("by_priority"):
        tables.append(_slice_table("By priority", document["by_priority"], "priority"))
    if document.get("by_group"):
        busiest = sorted(document["by_group"].items(), key=lambda item: -item[1].get("opened", 0))[:GROUPS_SHOWN]
        title = f"By group ({len(busiest)} busiest of {len(document['by_group'])})"
        tables.append(_slice_table(title, dict(busiest), "group"))
    sla = document.get("sla") or {}
    if sla.get("clocks"):
        rows = []
        for priority, clocks in [("all", sla["clocks"]), *sla.get("by_priority", {}).items()]:
            for clock, figures in clocks.items():
                risk = figures["at_risk"]
                rows.append((priority, clock, f"{figures['met']:,}", f"{figures['breached']:,}",
                             _percent(figures["compliance"]), f"{risk['50-75']} / {risk['75-90']} / {risk['90+']}"))
        tables.append(Table("SLA compliance per clock", ("priority", "clock", "met", "breached", "compliance",
                                                         "open at risk 50-75 / 75-90 / 90+ %"), rows))
    if document.get("series"):
        series_rows: list[tuple[str, ...]] = []
        for entry in document["series"]:
            ttr = entry.get("time_to_resolve_hours") or {}
            sla_cells = [f"{clock} {_percent(c['compliance'])}" for clock, c in (entry.get("sla") or {}).items()]
            series_rows.append((entry["period"]["from"][:10], f"{entry['opened']:,}", f"{entry['resolved']:,}",
                         f"{entry['backlog_end']:,}" if "backlog_end" in entry else "-",
                         _hours((ttr.get("gross") or {}).get("median")), _hours((ttr.get("net") or {}).get("median")),
                         ", ".join(sla_cells) or "-"))
        tables.append(Table("Per period", ("from", "opened", "resolved", "backlog at end", "TTR gross median h",
                                           "TTR net median h", "SLA compliance"), series_rows))
    workload = document.get("workload") or {}
    if workload:
        busiest = list(workload.items())[:GROUPS_SHOWN]
        tables.append(Table(f"Workload ({len(busiest)} busiest of {len(workload)} assignees)",
                            ("assignee", "resolved in period", "open at end"),
                            [(name, f"{load['resolved']:,}", f"{load['backlog_end']:,}") for name, load in busiest]))
    volume = document.get("volume") or {}
    if volume.get("by_channel"):
        tables.append(Table("Opened by channel", ("channel", "opened"),
                            [(name, f"{count:,}") for name, count in volume["by_channel"].items()]))
    return tables


def period_line(document: dict[str, Any]) -> str:
    """One line naming the period, the audience and the filter."""
    period = document.get("period", {})
    start, end = period.get("from") or "the beginning", period.get("to") or "now"
    parts = [f"DeskOps report {start} → {end} (UTC, end excluded)"]
    if document.get("audience"):
        parts.append(f"for the {document['audience']}")
    active = {k: v for k, v in (document.get("filter") or {}).items() if v}
    if active:
        parts.append("filter " + ", ".join(f"{k}={v}" for k, v in active.items()))
    return "; ".join(parts)


def to_markdown(document: dict[str, Any], charts: list[str] | None = None) -> str:
    """The report as Markdown (tables, chart images, then the definitions used)."""
    lines = [f"# {period_line(document)}", ""]
    for table in build_tables(document):
        lines += [f"## {table.title}", "", "| " + " | ".join(table.headings) + " |",
                  "|" + "|".join(" --- " for _ in table.headings) + "|"]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table.rows]
        lines.append("")
    for chart in charts or []:
        lines += [f"![{chart}]({chart})", ""]
    lines += ["## Definitions", ""] + [f"- **{k}**: {v}" for k, v in document.get("definitions", {}).items()]
    return "\n".join(lines) + "\n"


def to_html(document: dict[str, Any], charts: list[str] | None = None) -> str:
    """The report as a standalone HTML page."""
    e = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'>", f"<title>{e(period_line(document))}</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}"
             "</style></head><body>", f"<h1>{e(period_line(document))}</h1>"]
    for table in build_tables(document):
        parts.append(f"<h2>{e(table.title)}</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in table.headings)
                     + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>" for row in table.rows]
        parts.append("</table>")
    parts += [f"<p><img src='{e(chart)}' alt='{e(chart)}'></p>" for chart in charts or []]
    parts.append("<h2>Definitions</h2><dl>")
    parts += [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in document.get("definitions", {}).items()]
    parts.append("</dl></body></html>")
    return "\n".join(parts) + "\n"


def print_tables(document: dict[str, Any]) -> None:
    """Draw the report in the terminal with rich."""
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console()
    console.print(f"[bold]{period_line(document)}[/]")
    for table in build_tables(document):
        rich_table = RichTable(*table.headings, title=table.title)
        for row in table.rows:
            rich_table.add_row(*row)
        console.print(rich_table)
    console.print("Definitions of every figure: add --json (key \"definitions\") or --format md.")
