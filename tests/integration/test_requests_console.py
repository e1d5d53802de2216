"""Ordering from the catalog in the console: the real `deskops run --json --clock` process with the
example desk file — order, two approvals, two parallel tasks by their groups, the requester told."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """\
/as dave
/request
/request open new-laptop model=developer
/request open new-laptop model=developer needed_by=2026-12-20 reason="my old one broke down"
/request approve REQ-1
/as carol
/request pending
/request approve REQ-1
/as bob
/request approve REQ-1
/request task-done REQ-1 1
/request task-done REQ-1 2
/as alice
/request task-done REQ-1 1 --note "handed over at the desk"
/as dave
/request open software-access application=erp
/as carol
/request reject REQ-2 --reason "ask your team lead for a shared login"
"""


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    database = tmp_path_factory.mktemp("console") / "desk.db"
    command = [sys.executable, "-c", "from deskops.bot.cli import main; main()", "run", "--json",
               "--database", f"sqlite:///{database}", "--config", str(REPO / "config" / "desk.yaml"),
               "--clock", "2026-12-03T09:00+01:00"]  # fmt: skip
    result = subprocess.run(command, input=SCRIPT, capture_output=True, text=True, cwd=REPO, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def _replies(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if "input" in line and not line["input"].startswith("/as")]


def test_catalog_lists_both_types_with_their_forms(session: list[dict[str, Any]]) -> None:
    catalog = _replies(session)[0]
    types = {entry["type"]: entry for entry in catalog["data"]["catalog"]}
    assert set(types) == {"new-laptop", "software-access"}
    assert [f["name"] for f in types["new-laptop"]["fields"] if f["required"]] == ["model", "reason"]


def test_order_approve_fulfil(session: list[dict[str, Any]]) -> None:
    replies = _replies(session)
    incomplete, opened, self_approval, pending, first, second, early, task2, last = replies[1:10]
    assert not incomplete["ok"] and "reason is required" in incomplete["text"]
    assert opened["data"]["phase"] == "awaiting_approval" and opened["ticket"] == "REQ-1"
    assert not self_approval["ok"]  # dave is not an approver of his own request
    assert pending["data"]["requests"] == ["REQ-1"]
    assert first["data"]["phase"] == "awaiting_approval" and second["data"]["phase"] == "approved"
    assert not early["ok"] and "workplace" in early["text"]  # bob is not in the workplace group
    assert task2["data"]["phase"] == "in_fulfilment"
    assert last["data"]["phase"] == "fulfilled"
    assert [t["done_by"] for t in last["data"]["tasks"]] == ["alice", "bob"]


def test_rejection_and_notifications(session: list[dict[str, Any]]) -> None:
    rejected = _replies(session)[-1]
    assert rejected["data"]["phase"] == "rejected"
    assert rejected["data"]["rejected_reason"] == "ask your team lead for a shared login"
    told = [(n["notification"]["kind"], n["notification"]["recipient"]) for n in session if "notification" in n]
    assert ("request.approval", "carol") in told and ("request.approval", "bob") in told
    assert ("request.approved", "dave") in told
