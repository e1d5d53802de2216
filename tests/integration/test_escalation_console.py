"""Escalation live in the console: the real `deskops run --json --clock` process with the example desk file.

A P1 pages at once, the next step pages when `/time` passes it, the first acknowledgement wins and
stops every later step, a second acknowledgement is told who acknowledged and when.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """\
/oncall who network-oncall
/ticket open "Core switch down" --urgency high --impact high
/ticket assign INC-1 --group network
/time +6m
/as bob
/page ack INC-1
/as alice
/page ack INC-1
/time +1h
/ticket escalation INC-1
/page ack INC-404
"""


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    database = tmp_path_factory.mktemp("console") / "desk.db"
    command = [sys.executable, "-c", "from deskops.bot.cli import main; main()", "run", "--json",
               "--database", f"sqlite:///{database}", "--config", str(REPO / "config" / "desk.yaml"),
               "--clock", "2026-12-03T09:00+01:00"]
    result = subprocess.run(command, input=SCRIPT, capture_output=True, text=True, cwd=REPO, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def replies(lines: list[dict[str, Any]], command: str) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("input", "").startswith(command)]


def notifications(lines: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [line["notification"] for line in lines if "notification" in line and line["notification"]["kind"] == kind]


def test_pages_arrive_as_steps_come_due_and_stop_at_the_first_acknowledgement(session: list[dict[str, Any]]) -> None:
    pages = notifications(session, "escalation.page")
    # t0 at once (the ticket has no group yet: the 1st-level group), t1 at +5m (the network group)
    assert [(p["key"].split(":")[3], p["recipient"]) for p in pages] == [("t0", "alice"), ("t1", "bob")]
    won, lost = replies(session, "/page ack INC-1")
    assert won["ok"] and won["data"]["acknowledged"] and won["actor"] == "bob"
    assert not lost["data"]["acknowledged"] and "Bob Keller acknowledged it" in lost["text"]
    told = notifications(session, "escalation.acknowledged")
    assert [n["recipient"] for n in told] == ["alice"]
    # the manager's step at +15m never came: the hour after the acknowledgement paged nobody
    assert notifications(session, "escalation.notify") == []
    status = replies(session, "/ticket escalation INC-1")[0]
    assert status["data"]["status"] == "acknowledged"
    pages_now = [(p["to"], p["status"]) for p in status["data"]["pages"]]
    assert pages_now == [("alice", "cancelled"), ("bob", "acknowledged")]


def test_oncall_who_and_bad_input_answer_in_chat(session: list[dict[str, Any]]) -> None:
    who = replies(session, "/oncall who")[0]
    assert who["data"]["schedules"][0]["on_call"] == ["alice"]  # week of 2026-11-30 in the example rotation
    missing = replies(session, "/page ack INC-404")[0]
    assert not missing["ok"] and "INC-404" in missing["text"]
