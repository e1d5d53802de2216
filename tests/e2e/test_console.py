"""End to end: a console session piped through the real `deskops run --json --clock ...` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
# A requester reports, the service desk routes, the network group works it, fixes it, it comes back.
/as dave
/ticket open "VPN drops every hour" --urgency high --impact medium
/as alice
/ticket classify INC-1 --urgency high --impact high --category network --reason "whole floor affected"
/ticket assign INC-1 --group network
/as bob
/ticket assign INC-1 me
/ticket start INC-1
/ticket comment INC-1 "ISP case 4711 opened" --internal
/ticket comment INC-1 "Which office are you in?"
/ticket pending INC-1 --reason customer
/time +30m
/ticket resume INC-1
/time +2h
/ticket resolve INC-1 --code fixed --note "router replaced"
/as dave
/ticket reopen INC-1 "drops again since noon"
/as bob
/ticket resolve INC-1 --code fixed --note "firmware updated"
/ticket close INC-1
/ticket history INC-1
/as dave
/ticket show INC-1
/ticket assign INC-1 --group workplace
/ticket opne INC-2
/ticket close INC-1 --force
/as zoe
/time 2026-06-15T08:00+02:00
"""


def _deskops() -> list[str]:
    script = Path(sys.executable).with_name("deskops")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from deskops.bot.cli import main; main()"]


def _run(tmp_path: Path, script: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DESKOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "DESKOPS_CONFIG": str(REPO / "config" / "desk.yaml"),
        "COLUMNS": "200",  # rich wraps panels at the terminal width; keep sentences on one line
    }
    env.pop("SLACK_BOT_TOKEN", None)
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [*_deskops(), "run", *extra],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=240,  # generous: CI runs many suites at once; a hang still fails well before pytest-timeout
        check=False,
    )


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    tmp_path = tmp_path_factory.mktemp("console")
    result = _run(tmp_path, SCRIPT, "--json", "--clock", "2026-06-15T09:00+02:00")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _replies(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Replies by their input line (the script's lines are unique)."""
    return {line["input"]: line for line in lines if "input" in line}


def _state(reply: dict[str, Any]) -> str:
    return str(reply["data"]["ticket"]["state"])


def test_every_line_is_json_and_each_command_got_one_reply(session: list[dict[str, Any]]) -> None:
    commands = [ln for ln in SCRIPT.splitlines() if ln.strip() and not ln.startswith("#")]
    replies = [line for line in session if "input" in line]
    assert [r["input"] for r in replies] == commands


def test_the_ticket_walks_through_its_life(session: list[dict[str, Any]]) -> None:
    r = _replies(session)
    opened = r['/ticket open "VPN drops every hour" --urgency high --impact medium']
    assert opened["ok"] and opened["ticket"] == "INC-1"
    assert opened["data"]["ticket"]["priority"] == "P2"
    assert opened["data"]["ticket"]["requester"] == "dave"
    classified = r[
        '/ticket classify INC-1 --urgency high --impact high --category network --reason "whole floor affected"'
    ]
    assert classified["data"]["ticket"]["priority"] == "P1"
    assert _state(r["/ticket assign INC-1 --group network"]) == "assigned"
    mine = r["/ticket assign INC-1 me"]
    assert mine["data"]["ticket"]["assignee"] == "bob"
    assert _state(r["/ticket start INC-1"]) == "in_progress"
    pending = r["/ticket pending INC-1 --reason customer"]
    assert (_state(pending), pending["data"]["ticket"]["pending_reason"]) == ("pending", "customer")
    resumed = r["/ticket resume INC-1"]
    assert _state(resumed) == "in_progress"
    assert resumed["data"]["ticket"]["pending_seconds"] == 30 * 60  # the simulated /time +30m
    resolved = r['/ticket resolve INC-1 --code fixed --note "router replaced"']
    assert _state(resolved) == "resolved"
    assert resolved["data"]["ticket"]["resolved_at"].startswith("2026-06-15T09:30:00")  # 09:00+02:00 + 30m + 2h
    reopened = r['/ticket reopen INC-1 "drops again since noon"']
    assert reopened["data"]["ticket"]["reopen_count"] == 1
    assert _state(reopened) in {"assigned", "in_progress"}  # back with the desk, not resolved
    assert _state(r["/ticket close INC-1"]) == "closed"


def test_history_is_the_whole_timeline(session: list[dict[str, Any]]) -> None:
    events = _replies(session)["/ticket history INC-1"]["data"]["events"]
    types = [e["type"] for e in events]
    assert types[0] == "TicketOpened"
    for expected in (
        "PriorityChanged",
        "CategoryChanged",
        "TicketAssigned",
        "TicketAcknowledged",
        "CommentAdded",
        "StateChanged",
        "TicketResolved",
        "TicketReopened",
        "TicketClosed",
    ):
        assert expected in types, expected
    assert types.count("TicketResolved") == 2
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    internal = [e for e in events if e["type"] == "CommentAdded" and e["payload"]["visibility"] == "internal"]
    assert internal and internal[0]["actor"] == "bob"


def test_requester_sees_public_comments_only_and_cannot_work_the_ticket(session: list[dict[str, Any]]) -> None:
    r = _replies(session)
    shown = r["/ticket show INC-1"]
    texts = [c["text"] for c in shown["data"]["comments"]]
    assert "Which office are you in?" in texts
    assert "ISP case 4711 opened" not in texts
    refused = r["/ticket assign INC-1 --group workplace"]
    assert refused["ok"] is False and "agents" in refused["text"]


def test_bad_input_gets_clear_refusals(session: list[dict[str, Any]]) -> None:
    r = _replies(session)
    typo = r["/ticket opne INC-2"]
    assert typo["ok"] is False and "Did you mean 'open'?" in typo["text"]
    assert "open" in typo["data"]["choices"]
    option = r["/ticket close INC-1 --force"]
    assert option["ok"] is False and "no option --force" in option["text"]
    who = r["/as zoe"]
    assert who["ok"] is False and "alice, bob, carol, dave, erin" in who["text"]
    back = r["/time 2026-06-15T08:00+02:00"]
    assert back["ok"] is False and "only moves forward" in back["text"]


def test_notifications_reach_the_requester_and_the_queue(session: list[dict[str, Any]]) -> None:
    notes = [line["notification"] for line in session if "notification" in line]
    to_dave = [n["text"] for n in notes if n["recipient"] == "dave"]
    assert any("resolved" in text for text in to_dave)
    assert any(n["recipient"] == "group:network" for n in notes)
    assert len({n["key"] for n in notes}) == len(notes)  # each delivered once


def test_rich_output_and_refused_changes_leave_the_store_alone(tmp_path: Path) -> None:
    result = _run(tmp_path, '/as dave\n/ticket open "Printer jams" --urgency low\n/ticket close INC-1\n')
    assert result.returncode == 0, result.stderr
    assert "INC-1 · Printer jams" in result.stdout
    assert "Only the desk's agents may close tickets" in result.stdout
    again = _run(tmp_path, "/as alice\n/ticket show INC-1\n", "--json")
    shown = json.loads(again.stdout.splitlines()[-1])
    assert shown["data"]["ticket"]["state"] == "new"  # the refused close changed nothing


def test_bad_clock_and_bad_config_exit_non_zero(tmp_path: Path) -> None:
    naive = _run(tmp_path, "", "--clock", "2026-06-15T09:00")
    assert naive.returncode == 2 and "no UTC offset" in naive.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups:\n  network: {members: [zoe]}\n", encoding="utf-8")
    broken = _run(tmp_path, "", "--config", str(bad))
    assert broken.returncode == 1
    assert f"{bad}:2: groups.network.members[0]: unknown person 'zoe'" in broken.stderr


@pytest.mark.postgres
def test_the_same_session_runs_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    import uuid

    from sqlalchemy import text

    from deskops.core.persistence.db import make_engine

    schema = f"console_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in postgres_url else "?"
        url = f"{postgres_url}{separator}options=-csearch_path%3D{schema}"
        script = "\n".join(
            [
                "/as dave",
                '/ticket open "Share is gone" --urgency medium --impact high --category hardware',
                "/as alice",
                "/ticket assign INC-1 me",
                "/time +45m",
                '/ticket resolve INC-1 --code fixed --note "remapped"',
                "/ticket history INC-1",
            ]
        )
        result = _run(tmp_path, script, "--json", "--clock", "2026-06-15T09:00+02:00", "--database", url)
        assert result.returncode == 0, result.stderr
        replies = _replies([json.loads(line) for line in result.stdout.splitlines()])
        assert all(reply["ok"] for reply in replies.values()), replies
        resolved = replies['/ticket resolve INC-1 --code fixed --note "remapped"']["data"]["ticket"]
        assert resolved["resolved_at"].startswith("2026-06-15T07:45:00")
        types = [e["type"] for e in replies["/ticket history INC-1"]["data"]["events"]]
        assert types[0] == "TicketOpened" and "TicketResolved" in types
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
