"""Planning in chat: a team lead gets next week's plan, a person their shifts, others are refused."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from deskops.bot.commands import plan as plan_commands
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
ZURICH = ZoneInfo("Europe/Zurich")
TODAY = date(2026, 11, 26)  # a Thursday: "next week" starts Monday 30 November


def _desk(tmp_path: Path, history_days: int) -> CommandDispatcher:
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    ensure_schema(engine)
    rng = random.Random(9)
    with Session(engine) as session:
        n = 0
        for back in range(history_days, 0, -1):
            day = TODAY - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            for _ in range(rng.randint(12, 20)):
                local = datetime.combine(day, time(8), tzinfo=ZURICH) + timedelta(minutes=rng.randrange(9 * 60))
                at = local.astimezone(UTC)
                n += 1
                ticket = TicketRow(ref=f"INC-{n}", kind="incident", title="t", state="new", requester="dave",
                                   opened_at=at, updated_at=at)
                session.add(ticket)
                session.flush()
                assert ticket.id is not None
                session.add(TicketEventRow(ticket_id=ticket.id, seq=1, type="TicketOpened", occurred_at=at,
                                           actor="dave", payload={}))
        session.commit()
    config = load_config(REPO / "config" / "desk.yaml")
    clock = ManualClock(datetime.combine(TODAY, time(9), tzinfo=UTC))
    context = DeskContext(config=config, clock=clock, registry=build_registry(),
                          uow_factory=lambda: SqlUnitOfWork(engine), desk=Desk.from_config(config))
    plan_commands._plans.clear()
    return CommandDispatcher(context)


def test_team_lead_gets_next_weeks_plan_and_people_their_shifts(tmp_path: Path) -> None:
    desk = _desk(tmp_path, history_days=35)
    reply = desk.dispatch_text("/plan week", Actor("carol"))
    assert reply.ok, reply.text
    assert reply.title == "Plan for the week of Mon 30 Nov 2026"
    assert reply.data["week"]["first_day"] == "2026-11-30"
    assert {f.label for f in reply.fields} == {"Forecast", "Forecast error", "Peak", "Coverage"}
    alice = next(p for p in reply.data["people"] if p["name"] == "alice")
    assert alice["shifts"], "alice has a 40-hour contract and no leave that week"
    mine = desk.dispatch_text("/plan shifts", Actor("alice"))
    assert mine.ok, mine.text
    assert mine.data["shifts"] == alice["shifts"]  # the same (cached) plan
    assert "Mon 30 Nov" in mine.text or "Tue 01 Dec" in mine.text


def test_others_plans_are_for_team_leads_only(tmp_path: Path) -> None:
    desk = _desk(tmp_path, history_days=35)
    refused = desk.dispatch_text("/plan week", Actor("alice"))
    assert not refused.ok
    assert "/plan shifts" in refused.text
    assert not desk.dispatch_text("/plan shifts bob", Actor("alice")).ok
    unknown = desk.dispatch_text("/plan shifts dave", Actor("carol"))
    assert not unknown.ok and "planning section" in unknown.text


def test_too_short_a_history_is_refused_with_what_to_do(tmp_path: Path) -> None:
    desk = _desk(tmp_path, history_days=10)
    reply = desk.dispatch_text("/plan week", Actor("carol"))
    assert not reply.ok
    assert "at least 21" in reply.text and "deskops import" in reply.text


@pytest.mark.parametrize("line", ["/plan week --days 0", "/plan shifts alice bob"])
def test_malformed_plan_commands_are_refused(tmp_path: Path, line: str) -> None:
    desk = _desk(tmp_path, history_days=0)
    assert not desk.dispatch_text(line, Actor("carol")).ok


def test_staffing_for_one_interval_in_chat_matches_the_reference(tmp_path: Path) -> None:
    desk = _desk(tmp_path, history_days=0)
    reply = desk.dispatch_text("/plan staffing 100 --aht 180s --target 80/20s --shrinkage 30%", Actor("alice"))
    assert reply.ok, reply.text
    assert (reply.data["agents"], reply.data["agents_with_shrinkage"]) == (14, 20)
    assert "88.8% within 20 s" in {f.value for f in reply.fields}
    refused = desk.dispatch_text("/plan staffing 100 --aht 3m --shrinkage 130%", Actor("alice"))
    assert not refused.ok and "outside" in refused.text
