"""`deskops import` / `deskops report` on the command line: bad input is refused and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deskops.bot.cli import app

EXAMPLE = (
    "ref,at,state,title,group,assignee,priority\n"
    "T-1,2026-03-02T09:00Z,new,Printer jam,service-desk,,P3\n"
    "T-1,2026-03-02T09:30Z,in_progress,,,alice,\n"
    "T-1,2026-03-02T11:00Z,resolved,,,,\n"
    "T-2,2026-03-02T10:00Z,new,VPN,network,,P2\n"
    "T-3,2026-03-02T10:00Z,done,Broken row,network,,P2\n"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DESKOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}", "DESKOPS_CONFIG": str(tmp_path / "none.yaml")}


def run(args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, args, env=env)


def test_csv_import_summary_names_the_rejected_ticket_and_line(tmp_path: Path, env: dict[str, str]) -> None:
    source = tmp_path / "history.csv"
    source.write_text(EXAMPLE, encoding="utf-8")
    result = run(["import", str(source), "--format", "csv", "--json"], env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["imported"], summary["rows"]) == (2, 5)
    assert summary["rejected"] == [{"ref": "T-3", "line": 6, "reason": summary["rejected"][0]["reason"]}]
    assert "done" in summary["rejected"][0]["reason"] and "in_progress" in summary["rejected"][0]["reason"]
    text = run(["report"], env)
    assert text.exit_code == 0 and "The desk" in text.stdout and "By priority" in text.stdout
    md = run(["report", "--format", "md", "--audience", "customer"], env)
    assert md.stdout.startswith("# DeskOps report") and "By group" not in md.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "missing.csv", "--format", "csv"], "no such file"),
        (["import", "{file}", "--format", "uci"], "not a uci file: the columns number"),
        (["import", "{file}", "--format", "csv", "--timezone", "Mars/Olympus"], "unknown time zone"),
        (["report", "--from", "2026-13-01"], "bad --from"),
        (["report", "--from", "2026-03-05", "--to", "2026-03-01"], "give a --to after --from"),
        (["report", "--audience", "ceo"], "choose one of: agent, lead, manager, customer"),
        (["report"], "no DeskOps store"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_creates_nothing(
    tmp_path: Path, env: dict[str, str], args: list[str], message: str
) -> None:
    source = tmp_path / "history.csv"
    source.write_text(EXAMPLE, encoding="utf-8")
    result = run([arg.replace("{file}", str(source)) for arg in args], env)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stdout == ""
    assert not (tmp_path / "desk.db").exists()


def test_series_per_day_adds_up_to_the_whole_period(tmp_path: Path, env: dict[str, str]) -> None:
    source = tmp_path / "history.csv"
    source.write_text(EXAMPLE.replace("T-2,2026-03-02T10:00Z", "T-2,2026-03-04T10:00Z"), encoding="utf-8")
    assert run(["import", str(source), "--format", "csv", "--json"], env).exit_code == 0
    result = run(["report", "--from", "2026-03-01", "--to", "2026-03-05", "--every", "day", "--json"], env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    days = document["series"]
    assert [d["period"]["from"] for d in days] == [f"2026-03-0{i}T00:00:00Z" for i in range(1, 6)]
    assert sum(d["opened"] for d in days) == document["opened"] == 2
    assert [d["backlog_end"] for d in days] == [0, 0, 0, 1, 1]  # T-1 resolved on the 2nd, T-2 open from the 4th
    bad = run(["report", "--from", "2026-03-01", "--every", "fortnight"], env)
    assert bad.exit_code == 2 and "one of: day, week, month" in bad.stderr
