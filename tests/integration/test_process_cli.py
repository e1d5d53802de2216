"""`deskops process map|whatif|findings` on a small imported store, `/process findings` in the console, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from deskops.bot.cli import app

REPO = Path(__file__).resolve().parents[2]
HISTORY = (
    "ref,at,state,title,group,assignee,priority\n"
    "T-1,2026-03-02T09:00Z,new,Printer jam,desk,,P3\n"
    "T-1,2026-03-02T09:30Z,in_progress,,desk,alice,\n"
    "T-1,2026-03-02T11:00Z,resolved,,,,\n"
    "T-2,2026-03-02T10:00Z,new,VPN down,desk,,P3\n"
    "T-2,2026-03-02T10:10Z,assigned,,network,,\n"
    "T-2,2026-03-02T10:20Z,assigned,,desk,,\n"
    "T-2,2026-03-02T10:30Z,assigned,,network,,\n"
    "T-2,2026-03-02T12:30Z,in_progress,,network,bob,\n"
    "T-2,2026-03-02T13:00Z,resolved,,,,\n"
)
CURRENT = """\
calendars: {office: {timezone: UTC, hours: {mon-fri: ["08:00-17:00"]}}}
agreements:
  standard:
    calendar: office
    targets: {P1: {resolution: 1h}, P2: {resolution: 1h}, P3: {resolution: 2h}, P4: {resolution: 8h}}
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "history.csv").write_text(HISTORY, encoding="utf-8")
    (tmp_path / "current.yaml").write_text(CURRENT, encoding="utf-8")
    (tmp_path / "proposed.yaml").write_text(CURRENT.replace("P3: {resolution: 2h}", "P3: {resolution: 4h}"))
    return {
        "DESKOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "DESKOPS_CONFIG": str(tmp_path / "current.yaml"),
    }


def run(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(app, args, env=env)


def _imported(env: dict[str, str], tmp: Path) -> None:
    result = run(["import", str(tmp / "history.csv"), "--format", "csv"], env)
    assert result.exit_code == 0, result.output


def test_map_shows_variants_loops_and_writes_a_chart(env: dict[str, str], tmp_path: Path) -> None:
    _imported(env, tmp_path)
    result = run(["process", "map", "--json", "--to", "2026-03-31", "--chart", str(tmp_path / "map.png")], env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert sorted((v["path"], v["tickets"]) for v in document["group_variants"]) == [
        (["desk"], 1), (["desk", "network", "desk", "network"], 1)
    ]  # fmt: skip
    assert document["loops"]["ping_pong_tickets"] == 1
    # T-1 resolved 2 h after opening, T-2 3 h after: medians of one ticket each.
    assert sorted(v["median_hours"] for v in document["state_variants"]) == [2.0, 3.0]
    assert (tmp_path / "map.png").stat().st_size > 10_000 and document["chart"] == str(tmp_path / "map.png")
    only = json.loads(run(["process", "map", "--json", "--to", "2026-03-31", "--filter", "group=network"], env).stdout)
    assert only["tickets"] == 1
    text = run(["process", "map", "--to", "2026-03-31", "--calendar", "office"], {**env, "COLUMNS": "200"})
    assert text.exit_code == 0 and "Ping-pong between groups" in text.stdout and "median (office)" in text.stdout


def test_whatif_compares_a_proposed_desk_file(env: dict[str, str], tmp_path: Path) -> None:
    _imported(env, tmp_path)
    args = ["process", "whatif", "--desk", str(tmp_path / "proposed.yaml"), "--to", "2026-03-31", "--json"]
    result = run(args, env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    # Resolution in business hours: T-1 2 h (met at 2 h, met at 4 h), T-2 3 h (breached at 2 h, met at 4 h).
    assert document["current"]["clocks"]["resolution"]["compliance"] == 0.5
    assert document["proposed"]["clocks"]["resolution"]["compliance"] == 1.0
    assert document["compliance_change_points"]["resolution"] == 50.0 and document["breached_to_met"] == 1
    text = run(args[:-1], env)
    assert text.exit_code == 0 and "+50.0 pts" in text.stdout


def test_findings_json_parses(env: dict[str, str], tmp_path: Path) -> None:
    _imported(env, tmp_path)
    result = run(["process", "findings", "--at", "2026-03-31", "--json"], env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["weeks"] == 8 and document["findings"] == []  # two tickets: nothing is significant


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["process", "map", "--filter", "colour=red"], "bad --filter 'colour=red'"),
        (["process", "map", "--from", "2026-03-05", "--to", "2026-03-01"], "give a --to after --from"),
        (["process", "map", "--calendar", "mars"], "unknown calendar 'mars'; known: office"),
        (["process", "whatif", "--desk", "{tmp}/missing.yaml"], "missing.yaml"),
        (["process", "findings", "--at", "yesterday"], "bad --at"),
    ],
)
def test_bad_input_exits_non_zero_with_a_message(env: dict[str, str], tmp_path: Path, args: list[str],
                                                 message: str) -> None:  # fmt: skip
    _imported(env, tmp_path)
    result = run([arg.replace("{tmp}", str(tmp_path)) for arg in args], env)
    assert result.exit_code != 0
    assert message in result.stderr


def test_without_a_store_it_says_so_and_creates_none(env: dict[str, str], tmp_path: Path) -> None:
    result = run(["process", "map"], env)
    assert result.exit_code == 2 and "no DeskOps store" in result.stderr
    assert not (tmp_path / "desk.db").exists()


def test_process_findings_in_the_console_for_managers_only(tmp_path: Path) -> None:
    script = "/as carol\n/process findings\n/as alice\n/process findings\n"
    command = [sys.executable, "-c", "from deskops.bot.cli import main; main()", "run", "--json",
               "--database", f"sqlite:///{tmp_path / 'desk.db'}", "--config", str(REPO / "config" / "desk.yaml"),
               "--clock", "2026-12-03T09:00+01:00"]  # fmt: skip
    result = subprocess.run(command, input=script, capture_output=True, text=True, cwd=REPO, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    answers = [line for line in map(json.loads, result.stdout.splitlines()) if line.get("input") == "/process findings"]
    assert len(answers) == 2
    manager, agent = answers
    assert manager["ok"] and "No findings over the last 8 weeks" in manager["text"]
    assert not agent["ok"] and "for managers" in agent["text"]


def test_digest_lines_list_the_strongest_findings_and_count_the_rest(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from deskops.bot.process_service import digest_lines
    from deskops.core.config.desk import DeskConfig
    from deskops.core.persistence.db import ensure_schema, make_engine

    rows = ["ref,at,state,title,group,assignee,priority,category"]
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for i in range(60):  # vpn tickets bounce desk → network; printer tickets stay with the desk
        at = start + timedelta(hours=i)
        bounce = i % 2 == 0
        rows.append(f"T-{i},{at:%Y-%m-%dT%H:%MZ},new,t,desk,,P3,{'vpn' if bounce else 'printer'}")
        if bounce:
            rows.append(f"T-{i},{at + timedelta(minutes=5):%Y-%m-%dT%H:%MZ},assigned,,network,,,")
        rows.append(f"T-{i},{at + timedelta(hours=1):%Y-%m-%dT%H:%MZ},resolved,,,,,")
    (tmp_path / "h.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    env = {"DESKOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}", "DESKOPS_CONFIG": str(tmp_path / "none.yaml")}
    assert run(["import", str(tmp_path / "h.csv"), "--format", "csv"], env).exit_code == 0
    engine = make_engine(env["DESKOPS_DATABASE_URL"])
    ensure_schema(engine)
    lines = digest_lines(engine, DeskConfig(), start + timedelta(days=7), limit=1)
    assert lines[0].startswith("[reassignment rate] category vpn: 100% of its 30 tickets reassigned")
