"""Charts of a report with matplotlib (PNG files): volume, time to resolve, backlog age, SLA compliance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from deskops.core.kpi.facts import TicketFacts
from deskops.core.kpi.period import Period


def write_charts(directory: Path, tickets: Sequence[TicketFacts], period: Period, document: dict[str, Any],
                 as_of: datetime | None) -> list[Path]:
    """Write the report's charts into `directory` (created if needed); return the files written."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    from deskops.core.kpi.series import age_buckets, volume_series

    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(fig: Any, name: str) -> None:
        path = directory / name
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)

    span_days = _span_days(tickets, period)
    step = "week" if span_days > 120 else "day"
    series = volume_series(tickets, period, step)
    fig, ax = plt.subplots(figsize=(9, 3.5))
    if series:
        days: Any = [day for day, _o, _r in series]  # matplotlib plots dates; its stubs say floats
        ax.plot(days, [o for _d, o, _r in series], label="opened")
        ax.plot(days, [r for _d, _o, r in series], label="resolved")
        ax.legend()
    ax.set_title(f"Tickets opened and resolved per {step}")
    ax.set_ylabel("tickets")
    fig.autofmt_xdate()
    save(fig, "volume.png")

    gross = [t.hours_to_resolve for t in tickets if period.contains(t.resolved_at)]
    net = [t.net_hours_to_resolve for t in tickets if period.contains(t.resolved_at)]
    fig, ax = plt.subplots(figsize=(9, 3.5))
    if gross:
        top = max(1.0, sorted(v for v in gross if v is not None)[int(0.95 * (len(gross) - 1))])
        ax.hist([[min(v or 0.0, top) for v in gross], [min(v or 0.0, top) for v in net]], bins=40,
                label=["gross", "net of pending"])
        ax.legend()
        ax.set_xlabel(f"hours to resolve (values above p95 = {top:,.0f} h drawn at p95)")
    ax.set_title("Time to resolve, tickets resolved in the period")
    ax.set_ylabel("tickets")
    save(fig, "time_to_resolve.png")

    end = period.end or as_of
    ages = [(end - t.opened_at).total_seconds() / 86400 for t in tickets
            if end is not None and period.open_at_end(t.opened_at, t.finished_at)]
    buckets = age_buckets(ages)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar(list(buckets), list(buckets.values()))
    ax.set_title(f"Backlog by age at the end of the period ({len(ages):,} open)")
    ax.set_ylabel("tickets")
    save(fig, "backlog_age.png")

    sla = (document.get("sla") or {}).get("by_priority") or {}
    if sla:
        fig, ax = plt.subplots(figsize=(8, 3.5))
        clocks = sorted({clock for per in sla.values() for clock in per})
        width = 0.8 / max(1, len(clocks))
        priorities = list(sla)
        for index, clock in enumerate(clocks):
            values = [(sla[p].get(clock) or {}).get("compliance") for p in priorities]
            ax.bar([i + index * width for i in range(len(priorities))], [100 * (v or 0) for v in values],
                   width=width, label=clock)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(priorities))], priorities)
        ax.set_ylim(0, 100)
        ax.set_ylabel("% of clocks met")
        ax.set_title("SLA compliance per priority and clock")
        ax.legend()
        save(fig, "sla_compliance.png")
    return written


def _span_days(tickets: Sequence[TicketFacts], period: Period) -> float:
    if period.start is not None and period.end is not None:
        return (period.end - period.start).total_seconds() / 86400
    opened = [t.opened_at for t in tickets]
    return (max(opened) - min(opened)).total_seconds() / 86400 if opened else 0.0
