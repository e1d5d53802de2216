"""Benchmark: the process map (ten most frequent variants, where the time goes) over the whole UCI log.

Times, in the same run: reading the ticket logs from the store and folding them into traces, then
building the map (variants, time per state and group, loops); beside them the reference, the same
top ten variants and hours per open state computed with pandas straight from the CSV (the recipe of
tests/integration/test_process_uci.py), whose figures must agree. Goal (issue 12): under 10 s for
the whole log. Gross hours only (business hours cost extra and are measured with --calendar).

Usage: .venv/bin/python bench/process.py [--db sqlite:///uci.db] [--calendar]
Without --db the zip from ../shared/data is imported into a temporary SQLite store first (not timed).
Last line: one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from deskops.bot.process_service import load_traces  # noqa: E402
from deskops.core.business_calendar import BusinessCalendar  # noqa: E402
from deskops.core.config.calendars import CalendarConfig  # noqa: E402
from deskops.core.kpi.period import Period  # noqa: E402
from deskops.core.persistence.db import make_engine  # noqa: E402
from deskops.core.process.map import process_map  # noqa: E402
from tests.integration.test_process_uci import OPEN_STATES, recipe  # noqa: E402

GOAL_SECONDS = 10.0
ZIP = REPO.parent / "shared" / "data" / "uci-incident-event-log" / "incident_event_log.zip"
AS_OF = datetime(2018, 1, 1, tzinfo=UTC)  # after the last event of the log: every ticket is finished


def _import(url: str) -> None:
    command = [sys.executable, "-c", "from deskops.bot.cli import main; main()", "import", str(ZIP), "--format", "uci"]
    subprocess.run(command, check=True, env={"DESKOPS_DATABASE_URL": url, "PATH": ""}, capture_output=True)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an SQLite/PostgreSQL URL holding the imported UCI log")
    parser.add_argument("--calendar", action="store_true", help="also measure business hours (office 08-17 UTC)")
    options = parser.parse_args()
    url = options.db
    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='deskops-bench-')}/uci.db"
        print(f"importing {ZIP.name} into {url} (not timed) …", flush=True)
        _import(url)
    engine = make_engine(url)
    calendar = None
    if options.calendar:
        section = CalendarConfig.model_validate({"timezone": "UTC", "hours": {"mon-fri": ["08:00-17:00"]}})
        calendar = BusinessCalendar.from_config(section, name="office")

    started = time.perf_counter()
    traces = load_traces(engine, Period(None, AS_OF), {}, AS_OF)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    result = process_map(traces, calendar=calendar, top=10)
    mapped = time.perf_counter() - started
    ours = loaded + mapped

    started = time.perf_counter()
    with zipfile.ZipFile(ZIP) as archive:
        variants, hours = recipe(archive)
    reference = time.perf_counter() - started
    top = sorted(variants.items(), key=lambda item: (-item[1], item[0]))[:10]
    same_variants = [(tuple(v.path), v.tickets) for v in result.state_variants] == top
    measured = {f.name: f.total_hours for f in result.states if f.name in OPEN_STATES}
    worst = max(abs(measured[s] - hours[s]) / hours[s] for s in OPEN_STATES)

    print(f"tickets: {result.tickets:,}")
    print("ten most frequent variants (tickets, share, median open→resolved):")
    for variant in result.state_variants:
        median = f"{variant.median_hours:,.1f} h" if variant.median_hours is not None else "-"
        print(f"  {variant.tickets:>6,} {variant.share:6.1%} {median:>10}  {' → '.join(variant.path)}")
    print("where the time goes (total hours, share, median, p90 per stay):")
    for figure in result.states:
        print(f"  {figure.name:<12} {figure.total_hours:>12,.0f} h {figure.share_of_time:6.1%} "
              f"{figure.median_hours:8.1f} h {figure.p90_hours:8.1f} h")  # fmt: skip
    print(f"bottleneck: {result.bottleneck_state} (resolved is the wait to close and is not named)")
    print(f"deskops: load+fold {loaded:.2f} s + map {mapped:.2f} s = {ours:.2f} s (goal < {GOAL_SECONDS:.0f} s)"
          f"{' with business hours' if calendar else ''}")  # fmt: skip
    print(f"pandas recipe from the CSV: {reference:.2f} s; same ten variants: {same_variants}; "
          f"largest gap in hours per open state: {worst:.4%}")  # fmt: skip
    load = os.getloadavg()[0]
    print(f"machine load average (1 min) at the end: {load:.1f} on {os.cpu_count()} CPUs (timings scale with it)")
    print(json.dumps({
        "tickets": result.tickets, "load_fold_seconds": round(loaded, 3), "map_seconds": round(mapped, 3),
        "deskops_seconds": round(ours, 3), "pandas_seconds": round(reference, 3),
        "ratio_to_pandas": round(ours / reference, 3), "goal_seconds": GOAL_SECONDS, "under_goal": ours < GOAL_SECONDS,
        "same_top10": same_variants, "max_hours_gap": round(worst, 6), "business_hours": calendar is not None,
        "load_average": round(load, 2),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
