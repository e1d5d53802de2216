"""Benchmark: the KPI report over a generated store of N tickets (default 1,000,000) on SQLite, beside pandas.

The same tickets are held as a flat pandas DataFrame, and pandas computes the same headline figures
(opened, resolved, backlog at the end, gross/net time to resolve mean/median/p90, reopen rate,
mean reassignments, per priority) in the same run; the figures are compared and both times printed.
Goal (issue 6): the report over 1,000,000 tickets within 2 s on SQLite and no slower than pandas.
The SLA clocks (evaluated per ticket log) are left out here: they are measured on real data by
`deskops report` itself. Optionally also times the report over an imported UCI store.

Usage: .venv/bin/python bench/kpi.py [N] [--uci-db sqlite:///path.db]
Last line: one JSON object of the figures.
"""

from __future__ import annotations

import json
import math
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from deskops.core.kpi.period import Period
from deskops.core.kpi.report import ReportOptions, report_from_cells
from deskops.core.persistence.bulk import sqlite_datetime
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.kpi_sql import aggregate_cells

GOAL_SECONDS = 2.0
START = datetime(2026, 1, 1, tzinfo=UTC)
MARCH = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
#: The whole generated year, with an end so both sides count the same backlog.
YEAR = Period(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
PRIORITIES = (("P1", 0.02), ("P2", 0.08), ("P3", 0.6), ("P4", 0.3))


Ticket = tuple[str, str, str, datetime, datetime | None, float, int, int]
COLUMNS = ["ref", "priority", "group_name", "opened_at", "resolved_at", "pending_seconds", "reopen_count",
           "reassignment_count"]


def generate(n: int, seed: int = 7) -> list[Ticket]:
    """N tickets over 2026 with long-tailed resolution times, pending spans, reopens and hops."""
    rng = random.Random(seed)
    names = [name for name, _weight in PRIORITIES]
    weights = [weight for _name, weight in PRIORITIES]
    rows: list[Ticket] = []
    year = 365 * 86400
    for i in range(n):
        opened = START + timedelta(seconds=rng.randrange(year))
        resolved = opened + timedelta(hours=rng.lognormvariate(2.5, 1.5)) if rng.random() < 0.93 else None
        pending = rng.expovariate(1 / 20000) if rng.random() < 0.25 else 0.0
        rows.append((
            f"GEN-{i}", rng.choices(names, weights)[0], f"group-{rng.randrange(50)}", opened, resolved,
            pending, 1 if rng.random() < 0.012 else 0, min(27, int(rng.expovariate(1.0))),
        ))
    return rows


def store(tickets: list[Ticket], url: str) -> float:
    """Write the tickets into a migrated SQLite store; return the seconds it took."""
    engine = make_engine(url)
    ensure_schema(engine)
    engine.dispose()
    started = time.perf_counter()
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    stamp = sqlite_datetime
    rows = [
        (ref, "incident", "t", "", "in_progress" if resolved is None else "resolved", priority, "requester",
         group, "bench", stamp(opened), stamp(resolved or opened), None if resolved is None else stamp(resolved),
         pending, reopens, hops)
        for ref, priority, group, opened, resolved, pending, reopens, hops in tickets
    ]
    connection.executemany(
        "INSERT INTO tickets (ref, kind, title, description, state, priority, requester, group_name, source, "
        "opened_at, updated_at, resolved_at, pending_seconds, reopen_count, reassignment_count, escalation_count, "
        "last_seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,0)",
        rows,
    )
    connection.commit()
    connection.close()
    return time.perf_counter() - started


def deskops_report(url: str, period: Period) -> tuple[float, float, dict[str, Any]]:
    """The report as `deskops report --no-sla` computes it (totals in SQL); return (seconds, JSON document)."""
    engine = make_engine(url)
    started = time.perf_counter()
    cpu = time.process_time()
    options = ReportOptions()
    cells, channels, categories, workload = aggregate_cells(engine, period, options)
    report = report_from_cells(cells, period, channels=channels, categories=categories, options=options,
                                workload=workload)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return seconds, cpu, report.model_dump(mode="json", by_alias=True)


def pandas_report(frame: pd.DataFrame, period: Period) -> tuple[float, float, dict[str, Any]]:
    """The same headline figures with pandas from the flat table (vectorised)."""
    started = time.perf_counter()
    cpu = time.process_time()
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    opened_in = (frame.opened_at >= start) & (frame.opened_at < end)
    resolved_in = (frame.resolved_at >= start) & (frame.resolved_at < end)
    backlog = (frame.opened_at < end) & ~(frame.resolved_at < end)
    resolved = frame[resolved_in]
    gross = (resolved.resolved_at - resolved.opened_at).dt.total_seconds() / 3600
    net = (gross - resolved.pending_seconds / 3600).clip(lower=0)
    figures = {
        "opened": int(opened_in.sum()),
        "resolved": int(resolved_in.sum()),
        "backlog_end": int(backlog.sum()),
        "gross": [gross.mean(), gross.median(), gross.quantile(0.9)],
        "net": [net.mean(), net.median(), net.quantile(0.9)],
        "reopen_rate": float((resolved.reopen_count > 0).mean()),
        "reassignments_mean": float(frame[opened_in].reassignment_count.mean()),
        "by_priority_resolved": resolved.groupby("priority").size().to_dict(),
        "by_priority_gross_median": (gross.groupby(resolved.priority).median()).to_dict(),
        "by_group_opened": frame[opened_in].groupby("group_name").size().to_dict(),
    }
    return time.perf_counter() - started, time.process_time() - cpu, figures


def compare(document: dict[str, Any], figures: dict[str, Any]) -> list[str]:
    """Names of the figures where DeskOps and pandas disagree (empty when they agree)."""
    ttr = document["time_to_resolve_hours"]
    pairs = [
        ("opened", document["opened"], figures["opened"]),
        ("resolved", document["resolved"], figures["resolved"]),
        ("backlog_end", document["backlog_end"], figures["backlog_end"]),
        ("reopen_rate", document["reopen_rate"], figures["reopen_rate"]),
        ("reassignments_mean", document["reassignments_mean"], figures["reassignments_mean"]),
    ]
    for kind in ("gross", "net"):
        pairs += [(f"{kind}.{stat}", ttr[kind][stat], value)
                  for stat, value in zip(("mean", "median", "p90"), figures[kind], strict=True)]
    for priority, count in figures["by_priority_resolved"].items():
        pairs.append((f"{priority}.resolved", document["by_priority"][priority]["resolved"], count))
        pairs.append((f"{priority}.gross.median",
                      document["by_priority"][priority]["time_to_resolve_hours"]["gross"]["median"],
                      figures["by_priority_gross_median"][priority]))
    for group, count in figures["by_group_opened"].items():
        pairs.append((f"{group}.opened", document["by_group"][group]["opened"], count))
    # Hours agree to 1e-6 h (3.6 ms): SQLite's julianday() keeps milliseconds.
    return [name for name, ours, theirs in pairs if not math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-6)]


def main() -> None:
    """Generate, store, measure both, compare, print."""
    args = sys.argv[1:]
    uci_db = None
    if "--uci-db" in args:
        index = args.index("--uci-db")
        uci_db = args[index + 1]
        del args[index : index + 2]
    n = int(args[0]) if args else 1_000_000
    started = time.perf_counter()
    tickets = generate(n)
    frame = pd.DataFrame(tickets, columns=COLUMNS)
    generated = time.perf_counter() - started
    result: dict[str, Any] = {"tickets": n, "goal_s": GOAL_SECONDS}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'kpi.db'}"
        stored = store(tickets, url)
        del tickets
        print(f"{n:,} generated tickets over 2026 (made in {generated:.1f} s, stored in {stored:.1f} s)")
        print(f"{'':44}{'deskops s':>10}{'(CPU)':>8}{'pandas s':>10}{'(CPU)':>8}{'ratio':>7}  figures")
        for name, period in (("year", YEAR), ("march", MARCH)):
            ours, ours_cpu, document = deskops_report(url, period)
            theirs, theirs_cpu, figures = pandas_report(frame, period)
            mismatches = compare(document, figures)
            label = f"report {name}: {document['opened']:,} opened, {document['resolved']:,} resolved"
            same = "identical" if not mismatches else "DIFFER: " + ", ".join(mismatches[:8])
            print(f"{label:44}{ours:10.2f}{ours_cpu:8.2f}{theirs:10.2f}{theirs_cpu:8.2f}{ours / theirs:7.1f}  {same}")
            result |= {f"{name}_report_s": round(ours, 3), f"{name}_pandas_s": round(theirs, 3),
                       f"{name}_report_cpu_s": round(ours_cpu, 3), f"{name}_pandas_cpu_s": round(theirs_cpu, 3),
                       f"{name}_report_vs_pandas": round(ours / theirs, 2),
                       f"{name}_report_vs_goal": round(ours / GOAL_SECONDS, 2), f"{name}_figures_match": not mismatches}
    print(f"goal: the report over {n:,} tickets within {GOAL_SECONDS:.0f} s on SQLite and no slower than pandas "
          "(pandas works on a table already in memory; DeskOps reads the store)")
    print(f"machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall time grows with it)")
    if uci_db:
        uci_started = time.perf_counter()
        everything = Period()
        engine = make_engine(uci_db)
        options = ReportOptions()
        cells, channels, categories, workload = aggregate_cells(engine, everything, options)
        report_from_cells(cells, everything, channels=channels, categories=categories, options=options,
                          workload=workload)
        result["uci_report_s"] = round(time.perf_counter() - uci_started, 3)
        print(f"{'deskops report over the UCI store':38}{result['uci_report_s']:9.2f}   (no SLA clocks)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
