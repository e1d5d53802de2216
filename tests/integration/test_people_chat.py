"""`/people training` in chat: a team lead asks what the group should learn next; privacy is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from deskops.bot.commands.dispatcher import CommandDispatcher, DeskContext
from deskops.bot.commands.model import Actor
from deskops.bot.commands.registry import build_registry
from deskops.bot.config_loader import load_config
from deskops.core.clock import ManualClock
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.tables import TicketEventRow, TicketRow
from deskops.core.persistence.uow import SqlUnitOfWork
from deskops.core.services.context import Desk

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


def _desk(tmp_path: Path) -> CommandDispatcher:
    """20 access tickets at the service desk, 12 of them escalated to applications; 20 hardware kept."""
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    ensure_schema(engine)
    with Session(engine) as session:
        for n in range(40):
            category = "access" if n < 20 else "hardware"
            escalated = n < 12
            at = NOW - timedelta(days=30, hours=n)
            ticket = TicketRow(ref=f"INC-{n}", kind="incident", title="t", state="resolved", requester="dave",
                               opened_at=at, updated_at=at + timedelta(hours=3), category=category,
                               group_name="applications" if escalated else "service-desk")
            session.add(ticket)
            session.flush()
            assert ticket.id is not None
            events: list[tuple[str, dict[str, Any], timedelta]] = [
                ("TicketOpened", {"category": category, "group": "service-desk"}, timedelta(0))]
            if escalated:
                events.append(("TicketEscalated", {"level": "functional", "group": "applications",
                                                   "previous_group": "service-desk"}, timedelta(hours=1)))
            events.append(("TicketAssigned", {"group": "applications" if escalated else "service-desk",
                                              "assignee": "bob" if escalated else "alice"}, timedelta(hours=1)))
            events.append(("TicketResolved", {}, timedelta(hours=3)))
            for seq, (kind, payload, after) in enumerate(events, 1):
                session.add(TicketEventRow(ticket_id=ticket.id, seq=seq, type=kind, occurred_at=at + after,
                                           actor="alice", payload=payload))
        session.commit()
    config = load_config(REPO / "config" / "desk.yaml")
    context = DeskContext(config=config, clock=ManualClock(NOW), registry=build_registry(),
                          uow_factory=lambda: SqlUnitOfWork(engine), desk=Desk.from_config(config))
    return CommandDispatcher(context)


def test_team_lead_gets_a_ranked_justified_answer(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    reply = desk.dispatch_text("/people training service-desk", Actor("carol"))
    assert reply.ok, reply.text
    (group,) = reply.data["groups"]
    assert group["group"] == "service-desk" and group["tickets"] == 40
    first = group["needs"][0]
    assert (first["rank"], first["category"]) == (1, "access")
    assert first["figures"]["escalated_share"] == 0.6
    assert first["expected_gain_tickets"] == 6  # 12 escalated where the group's 30 % would be 6
    assert "escalated 60 % (12 of 20) vs 30 % for the group" in reply.text
    assert "6 more tickets resolved at the 1st level" in reply.text


def test_members_see_their_group_without_names_and_others_are_refused(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    mine = desk.dispatch_text("/people training", Actor("alice"))
    assert mine.ok, mine.text
    assert [g["group"] for g in mine.data["groups"]] == ["service-desk"]
    assert mine.data["people"] == []
    refused = desk.dispatch_text("/people training service-desk", Actor("bob"))
    assert not refused.ok and "team lead" in refused.text
    nothing = desk.dispatch_text("/people training", Actor("bob"))
    assert nothing.ok and "No 1st-level tickets you may see" in nothing.text
    bad = desk.dispatch_text("/people training nosuchgroup", Actor("carol"))
    assert not bad.ok


def test_quarterly_digest_goes_to_the_team_lead_once(tmp_path: Path) -> None:
    from sqlmodel import select

    from deskops.bot.commands import people as people_commands
    from deskops.core.persistence.tables import OutboxRow

    desk = _desk(tmp_path)  # tickets opened about 30 days before NOW (30 November): in 2026-Q4
    context = desk.context
    people_commands._digests_sent.clear()
    assert people_commands.run_digest(context, NOW) == 0  # mid-quarter: nothing
    first_of_2027 = datetime(2027, 1, 2, 7, tzinfo=UTC)
    assert people_commands.run_digest(context, first_of_2027) == 1
    people_commands._digests_sent.clear()  # a restarted desk: the outbox key still prevents a second digest
    assert people_commands.run_digest(context, first_of_2027 + timedelta(hours=6)) == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    with Session(engine) as session:
        (row,) = session.exec(select(OutboxRow)).all()
    assert row.recipient == "carol" and row.kind == "people.training_digest"
    assert row.payload["quarter"] == "2026-Q4"
    assert "1. resolve access tickets at the 1st level" in row.payload["text"]
