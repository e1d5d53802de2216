"""End to end: SLA clocks in a console session of the real `deskops run --json --clock ...` process.

The example desk's standard SLA (office-zurich, P2: response 1 h, resolution 8 h) covers the ticket;
moving the simulated clock runs the sweep, whose warnings and breach arrive as notifications once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
/as alice
/ticket open "Printer queue stuck" --urgency high --impact medium --category hardware
/ticket sla INC-1
/ticket show INC-1
/time +45m
/time +30m
/ticket sla INC-1
/ticket at-risk
/ticket assign INC-1 me
/ticket pending INC-1 --reason customer
/time +1h
/ticket sla INC-1
/as dave
/ticket at-risk
/ticket sla INC-99
"""


def _run(tmp_path: Path) -> list[dict[str, Any]]:
    env = {
        **os.environ,
        "DESKOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "DESKOPS_CONFIG": str(REPO / "config" / "desk.yaml"),
    }
    command = [sys.executable, "-c", "from deskops.bot.cli import main; main()", "run", "--json",
               "--clock", "2026-06-15T09:00+02:00"]  # fmt: skip
    done = subprocess.run(command, input=SCRIPT, text=True, capture_output=True, env=env, cwd=tmp_path,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_clocks_warnings_and_breach_in_the_console(tmp_path: Path) -> None:
    lines = _run(tmp_path)
    replies = [line for line in lines if "input" in line]
    sla = [r for r in replies if r["input"].startswith("/ticket sla")]
    first = {c["name"]: c for c in sla[0]["data"]["clocks"]}
    assert first["standard-sla:response"]["due"] == "2026-06-15T10:00:00+02:00"
    assert first["standard-sla:response"]["due_utc"] == "2026-06-15T08:00:00+00:00"
    assert first["standard-sla:resolution"]["due"] == "2026-06-16T09:00:00+02:00"  # 7 h today (lunch), 1 h Tue
    assert first["standard-sla:resolution"]["state"] == "running"

    later = {c["name"]: c for c in sla[1]["data"]["clocks"]}
    assert later["standard-sla:response"]["state"] == "breached"
    assert later["standard-sla:response"]["percent_used"] == 125.0

    at_risk = next(r for r in replies if r["input"] == "/ticket at-risk" and r["actor"] == "alice")
    assert at_risk["data"]["total"] == 1
    assert at_risk["data"]["tickets"][0]["ref"] == "INC-1"

    paused = {c["name"]: c for c in sla[2]["data"]["clocks"]}
    assert paused["standard-sla:resolution"]["state"] == "paused"
    field = next(f["value"] for f in sla[2]["fields"] if f["label"] == "standard-sla (SLA) · resolution")
    # 75 min used before the pause; 6 h 45 min left from 11:15 (resumed now): 45 m + 4 h + 2 h next day
    assert field.startswith("paused (due if resumed now) · due Tue 16 Jun 10:00 CEST (08:00 UTC) · 6h 45m left")
    assert paused["standard-sla:resolution"]["consumed_seconds"] == 75 * 60  # 09:00-10:15, then pending

    notes = [line["notification"] for line in lines if "notification" in line and line["notification"]["kind"]
             .startswith("sla.")]  # fmt: skip
    keys = [n["key"] for n in notes]
    assert len(keys) == len(set(keys))  # each warning and breach once, though the sweep ran every minute
    response_marks = sorted(k.split(":")[4] for k in keys if ":standard-sla:response:" in k and "group:" in k)
    assert response_marks == ["100", "50", "75", "90"]

    refused = [r for r in replies if r["actor"] == "dave" and r["input"].startswith("/ticket")]
    assert [r["ok"] for r in refused] == [False, False]
    assert "agents" in refused[0]["text"]
    assert "no ticket INC-99" in refused[1]["text"]


def test_show_carries_each_clock_on_the_ticket_card(tmp_path: Path) -> None:
    lines = _run(tmp_path)
    shown = next(line for line in lines if line.get("input") == "/ticket show INC-1")
    assert shown["ok"] is True
    clocks = {f["label"]: f["value"] for f in shown["fields"] if "standard-sla" in f["label"]}
    assert set(clocks) == {"standard-sla (SLA) · response", "standard-sla (SLA) · resolution"}
    assert clocks["standard-sla (SLA) · resolution"].startswith("running · due Tue 16 Jun 09:00 CEST (07:00 UTC)")
