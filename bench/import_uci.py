"""Benchmark: the full UCI incident log through `deskops import` into a fresh SQLite store, then `deskops report`.

Goals (issue 2): the import under 30 s and 500 MB peak memory on this machine. Each command runs in
its own process, as a user runs it; wall time, CPU time (user + system, which other load on the
machine does not inflate) and the child's peak resident memory are measured. Beside them, the same
run reads the file with pandas alone (`read_csv` of the zip), the floor any importer starts from.
Last line: one JSON object of the figures.

Usage: .venv/bin/python bench/import_uci.py [PATH_TO_incident_event_log.zip]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FILE = REPO.parent / "shared" / "data" / "uci-incident-event-log" / "incident_event_log.zip"
GOAL_SECONDS = 30.0
GOAL_MB = 500.0


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Run a command in a child process; return wall s, CPU s and peak RSS MB of that child, and its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(args, env=env, stdout=out, stderr=err, text=True)
        # wait4 gives the resource use of this one child (getrusage would give the maximum over all).
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            sys.exit(f"{' '.join(args)} failed ({child.returncode}):\n{err.read()}")
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read()


def main() -> None:
    """Measure and print the figures."""
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FILE
    if not source.is_file():
        sys.exit(f"{source}: not found; pass the path of incident_event_log.zip (see README, public datasets)")
    python = sys.executable
    deskops = str(Path(python).parent / "deskops")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DESKOPS_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}"}
        pandas_wall, pandas_cpu, pandas_mb, _ = _run(
            [python, "-c", f"import pandas as pd; pd.read_csv({str(source)!r}, na_values='?', low_memory=False)"], env
        )
        wall, cpu, peak_mb, out = _run([deskops, "import", str(source), "--format", "uci",
                                        "--json"], env)
        summary = json.loads(out)
        again_wall, _, _, again_out = _run([deskops, "import", str(source), "--format",
                                            "uci", "--json"], env)
        again = json.loads(again_out)
        report_wall, report_cpu, _, report_out = _run([deskops, "report", "--json"], env)
        report = json.loads(report_out)
        bare_wall, bare_cpu, _, _ = _run([deskops, "report", "--no-sla", "--json"], env)
        db_mb = (Path(tmp) / "bench.db").stat().st_size / 1e6
    load = os.getloadavg()[0]
    print(f"file: {source.name}: {summary['rows']:,} rows → {summary['imported']:,} tickets, "
          f"{summary['events']:,} events (SQLite file {db_mb:.0f} MB)")
    print(f"{'':28}{'wall s':>9}{'CPU s':>9}{'peak MB':>10}")
    print(f"{'deskops import (full)':28}{wall:9.1f}{cpu:9.1f}{peak_mb:10.0f}   goal: < {GOAL_SECONDS:.0f} s, "
          f"< {GOAL_MB:.0f} MB")
    print(f"{'pandas read_csv only':28}{pandas_wall:9.1f}{pandas_cpu:9.1f}{pandas_mb:10.0f}   (reference floor)")
    print(f"{'deskops import again':28}{again_wall:9.1f}{'':9}{'':10}   imported {again['imported']} (idempotent)")
    print(f"{'deskops report (all)':28}{report_wall:9.1f}{report_cpu:9.1f}   with every ticket's SLA clocks "
          "(example desk's agreements)")
    print(f"{'deskops report --no-sla':28}{bare_wall:9.1f}{bare_cpu:9.1f}")
    print(f"report: opened {report['opened']:,}, resolved {report['resolved']:,}, median gross "
          f"{report['time_to_resolve_hours']['gross']['median']:.1f} h, net "
          f"{report['time_to_resolve_hours']['net']['median']:.1f} h (SOURCE.md: 24,918 / 23,362 / 22.1 h / 6.7 h)")
    print(f"machine load average while measuring: {load:.1f} on {os.cpu_count()} CPUs "
          "(wall time grows with other load; CPU time does not)")
    print(json.dumps({
        "import_wall_s": round(wall, 2),
        "import_cpu_s": round(cpu, 2),
        "import_peak_mb": round(peak_mb, 1),
        "goal_s": GOAL_SECONDS,
        "goal_mb": GOAL_MB,
        "import_wall_vs_goal": round(wall / GOAL_SECONDS, 3),
        "pandas_read_wall_s": round(pandas_wall, 2),
        "import_vs_pandas_read": round(wall / pandas_wall, 2),
        "reimport_wall_s": round(again_wall, 2),
        "report_wall_s": round(report_wall, 2),
        "report_cpu_s": round(report_cpu, 2),
        "report_no_sla_wall_s": round(bare_wall, 2),
        "report_no_sla_cpu_s": round(bare_cpu, 2),
        "import_cpu_vs_goal": round(cpu / GOAL_SECONDS, 3),
        "tickets": summary["imported"],
        "events": summary["events"],
        "load_average": round(load, 2),
    }))


if __name__ == "__main__":
    main()
