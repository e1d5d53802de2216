"""`deskops people`: profile, matrix and training from the command line; training on the real UCI log."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from deskops.bot.cli import app

DESK = Path(__file__).resolve().parents[2] / "config" / "desk.yaml"
SLICE_TICKETS = 800


def run(args: list[str], database: str = "sqlite:///:memory:", code: int = 0) -> Any:
    result = CliRunner().invoke(app, args, env={"DESKOPS_DATABASE_URL": database, "DESKOPS_CONFIG": str(DESK)})
    assert result.exit_code == code, result.output
    return result


def test_profile_prints_a_job_description_in_markdown_and_html() -> None:
    text = run(["people", "profile", "first-level-agent"]).stdout
    assert text.startswith("# 1st level agent")
    assert "## Required" not in text and "## Technical skills" in text and "ITIL 4 Foundation" in text
    page = run(["people", "profile", "first-level-agent", "--format", "html"]).stdout
    assert page.startswith("<!doctype html>") and "<h2>Languages</h2>" in page
    refused = run(["people", "profile", "nurse"], code=2)
    assert "first-level-agent" in refused.stderr and refused.stdout == ""


def test_matrix_json_lists_levels_and_gaps_and_writes_a_heat_map(tmp_path: Path) -> None:
    chart = tmp_path / "matrix.png"
    document = json.loads(run(["people", "matrix", "--json", "--chart", str(chart)]).stdout)
    alice = next(p for p in document["people"] if p["person"] == "alice")
    assert alice["levels"]["network"] == 1 and alice["roles"] == ["first-level-agent"]
    gaps = {(g["kind"], g["person"], g["subject"]) for g in document["gaps"]}
    assert ("below_profile", "alice", "network") in gaps
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    refused = run(["people", "matrix", "--group", "nope"], code=2)
    assert "service-desk" in refused.stderr


def test_training_without_a_store_says_how_to_get_one(tmp_path: Path) -> None:
    refused = run(["people", "training"], database=f"sqlite:///{tmp_path / 'none.db'}", code=2)
    assert "import history first" in refused.stderr
    assert not (tmp_path / "none.db").exists()


def _slice(shared_data: Path, target: Path, tickets: int | None) -> Path:
    archive = shared_data / "uci-incident-event-log" / "incident_event_log.zip"
    with zipfile.ZipFile(archive) as zipped, zipped.open("incident_event_log.csv") as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        with target.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(next(reader))
            seen: set[str] = set()
            for row in reader:
                if tickets is not None and row[0] not in seen and len(seen) == tickets:
                    break
                seen.add(row[0])
                writer.writerow(row)
    return target


def expected_by_category(path: Path) -> pd.DataFrame:
    """Per category, from the file with pandas: tickets, share that left their first group, share reassigned."""
    df = pd.read_csv(path, na_values="?", low_memory=False)
    df["sys_updated_at"] = pd.to_datetime(df.sys_updated_at, format="%d/%m/%Y %H:%M")
    df["order"] = range(len(df))
    df = df.sort_values(["number", "sys_mod_count", "sys_updated_at", "order"])
    category = df.groupby("number").category.last().fillna("(none)")  # last known value
    held = df.dropna(subset=["assignment_group"])
    changed = held.assignment_group != held.groupby("number").assignment_group.shift()
    first = held.groupby("number").assignment_group.transform("first")
    tickets = pd.DataFrame({
        "hops": changed.groupby(held.number).sum() - 1,
        "left_first": (held.assignment_group != first).groupby(held.number).any(),
    })
    tickets["category"] = category.reindex(tickets.index)
    return tickets.groupby("category").agg(tickets=("hops", "size"), escalated=("left_first", "mean"),
                                           reassigned=("hops", lambda h: (h > 0).mean()))


def _training_on(path: Path, database: str) -> dict[str, Any]:
    run(["import", str(path), "--format", "uci", "--json"], database)
    document: dict[str, Any] = json.loads(run(["people", "training", "--json"], database).stdout)
    return document


def _check_against_the_file(document: dict[str, Any], expected: pd.DataFrame) -> None:
    figures = {c["category"]: c for c in document["categories"]}
    assert document["tickets"] == int(expected.tickets.sum())
    for name, row in expected.iterrows():
        assert figures[name]["tickets"] == row.tickets, name
        assert figures[name]["escalated_share"] == pytest.approx(row.escalated), name
        assert figures[name]["reassigned_share"] == pytest.approx(row.reassigned), name
    shares = [c["escalated_share"] for c in document["categories"]]
    assert shares == sorted(shares, reverse=True)  # highest escalation rate first


@pytest.mark.realdata
def test_training_on_a_slice_of_the_real_uci_log(shared_data: Path, tmp_path: Path) -> None:
    path = _slice(shared_data, tmp_path / "slice.csv", SLICE_TICKETS)
    document = _training_on(path, f"sqlite:///{tmp_path / 'desk.db'}")
    _check_against_the_file(document, expected_by_category(path))
    top = document["groups"][0]["needs"][0]
    assert top["rank"] == 1 and top["expected_gain_tickets"] > 0
    assert top["figures"]["escalated_share"] > document["groups"][0]["escalated_share"]
    assert any(reason.startswith("escalated ") for reason in top["reasons"])


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_training_on_the_whole_uci_log(shared_data: Path, tmp_path: Path) -> None:
    path = _slice(shared_data, tmp_path / "all.csv", None)
    document = _training_on(path, f"sqlite:///{tmp_path / 'desk.db'}")
    _check_against_the_file(document, expected_by_category(path))
