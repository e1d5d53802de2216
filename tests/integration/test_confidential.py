"""Confidential categories (security): never posted with details where several people read, hidden from peers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from deskops.bot.commands.model import Actor, Reply
from deskops.bot.runtime import Runtime, Settings
from deskops.core.persistence.tables import OutboxRow
from deskops.core.services.notifications import is_shared

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SECRETS = ("Phishing from ceo-lookalike", "payroll export attached", "clicked the link")


@pytest.fixture
def desk(tmp_path: Path) -> Runtime:
    """The runtime's desk over a fresh SQLite store and the example desk file."""
    return Runtime.build(Settings(database_url=f"sqlite:///{tmp_path / 'desk.db'}",
                                  config_path=REPO / "config" / "desk.yaml", clock_start=NOW, environ={}))


def _run(desk: Runtime, line: str, person: str) -> Reply:
    return desk.dispatcher.dispatch_text(line, Actor(person))


def _confidential_ticket(desk: Runtime) -> str:
    """A security ticket of dave's, worked, moved to another group and declared a major incident."""
    opened = _run(desk, f'/ticket open "{SECRETS[0]}" --category security --description "{SECRETS[1]}"', "dave")
    assert opened.ok, opened.text
    ref = opened.ticket_ref
    for line, who in [(f'/ticket comment {ref} "{SECRETS[2]}"', "dave"), (f"/ticket assign {ref} me", "bob"),
                      (f"/ticket escalate {ref} --to network", "carol"), (f"/ticket major {ref}", "carol")]:
        reply = _run(desk, line, who)
        assert reply.ok, f"{line}: {reply.text}"
    assert ref is not None
    return ref


def test_shared_recipients_never_get_a_confidential_tickets_details(desk: Runtime) -> None:
    ref = _confidential_ticket(desk)
    with Session(desk.engine) as session:
        rows = list(session.execute(select(OutboxRow)).scalars())
    shared = [row for row in rows if is_shared(row.recipient)]
    assert {row.recipient for row in shared} >= {"group:infrastructure", "group:network"}
    for row in shared:
        posted = repr(row.payload)
        assert ref in posted  # the queue still learns that there is work, and where
        assert not [s for s in SECRETS if s in posted], f"{row.kind} to {row.recipient} shows {posted}"


def test_an_ordinary_tickets_title_still_reaches_its_queue(desk: Runtime) -> None:
    assert _run(desk, '/ticket open "VPN drops every hour" --category network', "dave").ok
    with Session(desk.engine) as session:
        rows = list(session.execute(select(OutboxRow).where(OutboxRow.recipient == "group:network")).scalars())
    assert [row.payload["title"] for row in rows] == ["VPN drops every hour"]


@pytest.mark.parametrize("person", ["erin", "alice", "slack:U999"])
def test_peers_and_agents_outside_its_group_cannot_see_it(desk: Runtime, person: str) -> None:
    ref = _confidential_ticket(desk)
    for line in (f"/ticket show {ref}", f"/ticket history {ref}", f"/ticket sla {ref}",
                 f"/ticket escalation {ref}", f"/request show {ref}"):
        reply = _run(desk, line, person)
        assert not reply.ok and reply.data.get("error") == "not_found", f"{line} as {person}: {reply.text}"
        assert not [s for s in SECRETS if s in reply.text]
    for line in ("/ticket list", "/ticket list queue", "/ticket at-risk --percent 0"):
        reply = _run(desk, line, person)
        assert ref not in reply.text and SECRETS[0] not in reply.text, f"{line} as {person}: {reply.text}"


@pytest.mark.parametrize("person", ["dave", "bob", "carol"])
def test_its_requester_group_and_manager_see_it(desk: Runtime, person: str) -> None:
    ref = _confidential_ticket(desk)
    reply = _run(desk, f"/ticket show {ref}", person)
    assert reply.ok and SECRETS[0] in reply.text + repr(reply.data), reply.text
