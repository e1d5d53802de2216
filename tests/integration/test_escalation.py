"""Escalation on real stores (SQLite, and PostgreSQL when DESKOPS_TEST_POSTGRES_URL is set).

Exactly once: a sweep that runs twice, late, or after a crash fires every due step once; the
first acknowledgement stops every remaining step, including pages written but not delivered.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from deskops.core import services
from deskops.core.config.desk import DeskConfig
from deskops.core.errors import InvalidInput
from deskops.core.events import EventType
from deskops.core.persistence.escalation import EscalationRow, PageRow, SqlEscalationUnitOfWork
from deskops.core.persistence.tables import OutboxRow, TicketEventRow
from deskops.core.services import Desk
from deskops.core.services.escalation import declare_major_incident, escalate, start_escalation, sweep
from deskops.core.services.paging import acknowledge
from tests.integration.test_store import engine  # noqa: F401  (the SQLite + PostgreSQL store fixture)

T0 = datetime(2026, 6, 16, 8, 0, tzinfo=UTC)  # a Tuesday

DESK_CONFIG: dict[str, object] = {
    "people": {name: {"name": name.title()} for name in ("alice", "bob", "carol", "dave", "erin")},
    "groups": {
        "service-desk": {"level": 1, "members": ["alice"], "manager": "carol"},
        "network": {"level": 2, "members": ["bob", "erin"], "manager": "carol"},
        "infrastructure": {"level": 3, "members": ["erin"], "manager": "carol"},
    },
    "schedules": {
        "net": {"timezone": "Europe/Zurich",
                "layers": [{"name": "w", "start": "2026-06-01", "members": ["bob", "erin"]}]},
    },
    "escalation": {
        "major_incident": {"policy": "major", "priorities": ["P1"]},
        "policies": {
            "major": {"steps": [
                {"after": "0m", "page": {"schedule": "net"}},
                {"after": "5m", "page": {"user": "erin"}},
                {"after": "15m", "notify": {"role": "manager"}},
            ]},
            "standard": {"match": {"priorities": ["P2", "P3", "P4"]}, "steps": [
                {"after": "0m", "page": {"user": "bob"}},
                {"after": "5m", "page": {"user": "erin"}},
                {"after": "15m", "notify": {"role": "manager"}},
            ]},
        },
    },
}
DESK = Desk.from_config(DeskConfig.model_validate(DESK_CONFIG))


def open_ticket(db: Engine, title: str = "Core switch down", urgency: str = "medium", at: datetime = T0) -> str:
    uow = SqlEscalationUnitOfWork(db)
    result = services.open_ticket(uow=uow, desk=DESK, actor="alice", title=title, now=at, urgency=urgency,
                                  impact="medium", group="network")
    return result.ticket.ref


def uow(db: Engine) -> SqlEscalationUnitOfWork:
    return SqlEscalationUnitOfWork(db)


def pages(db: Engine) -> list[tuple[str, str]]:
    """(recipient, key) of every page and notification written to the outbox."""
    with Session(db) as session:
        rows = session.execute(select(OutboxRow).where(col(OutboxRow.kind).like("escalation.%"))).scalars()
        return sorted((row.recipient, row.idempotency_key) for row in rows)


def events(db: Engine, type: EventType) -> list[TicketEventRow]:
    with Session(db) as session:
        return list(session.execute(select(TicketEventRow).where(col(TicketEventRow.type) == type.value)).scalars())


def tick(db: Engine, start: datetime, end: datetime, every: timedelta = timedelta(seconds=15)) -> None:
    at = start
    while at <= end:
        sweep(uow=uow(db), desk=DESK, now=at)
        at += every


def test_primary_acknowledges_at_45_seconds_so_exactly_one_notification_is_sent(engine: Engine) -> None:  # noqa: F811
    ref = open_ticket(engine)
    start_escalation(uow=uow(engine), desk=DESK, ref=ref, now=T0)
    tick(engine, T0, T0 + timedelta(seconds=30))
    result = acknowledge(uow=uow(engine), desk=DESK, actor="bob", ref=ref, now=T0 + timedelta(seconds=45))
    assert result.won
    tick(engine, T0 + timedelta(seconds=45), T0 + timedelta(hours=1))
    assert [recipient for recipient, _ in pages(engine)] == ["bob"]
    assert len(events(engine, EventType.PAGE_SENT)) == 1
    assert len(events(engine, EventType.PAGE_ACKNOWLEDGED)) == 1


def test_a_second_acknowledgement_is_told_who_acknowledged_and_when(engine: Engine) -> None:  # noqa: F811
    ref = open_ticket(engine)
    start_escalation(uow=uow(engine), desk=DESK, ref=ref, now=T0)
    tick(engine, T0, T0 + timedelta(minutes=6))  # bob and erin are paged
    first = acknowledge(uow=uow(engine), desk=DESK, actor="erin", ref=ref, now=T0 + timedelta(minutes=7))
    second = acknowledge(uow=uow(engine), desk=DESK, actor="bob", ref=ref, now=T0 + timedelta(minutes=8))
    assert first.won and not second.won
    assert (second.by, second.at) == ("erin", T0 + timedelta(minutes=7))
    with Session(engine) as session:
        statuses = {p.recipient: p.status for p in session.execute(select(PageRow)).scalars()}
    assert statuses == {"bob": "cancelled", "erin": "acknowledged"}
    # bob is told erin took it; the manager step never comes
    tick(engine, T0 + timedelta(minutes=8), T0 + timedelta(hours=1))
    assert [r for r, key in pages(engine) if key.startswith("notify:")] == []
    assert any(r == "bob" and key.startswith("acknowledged:") for r, key in pages(engine))


def test_acknowledging_withdraws_pages_that_came_due_but_were_not_delivered(engine: Engine) -> None:  # noqa: F811
    ref = open_ticket(engine)
    start_escalation(uow=uow(engine), desk=DESK, ref=ref, now=T0)
    sweep(uow=uow(engine), desk=DESK, now=T0 + timedelta(minutes=5))  # erin's page is written, not delivered
    with Session(engine) as session:  # bob's page was delivered meanwhile
        for row in session.execute(select(OutboxRow).where(col(OutboxRow.recipient) == "bob")).scalars():
            row.delivered_at = T0 + timedelta(seconds=5)
        session.commit()
    result = acknowledge(uow=uow(engine), desk=DESK, actor="bob", ref=ref, now=T0 + timedelta(minutes=5, seconds=1))
    assert result.won and result.withdrawn == 1
    assert [r for r, key in pages(engine) if key.startswith("page:")] == ["bob"]


def test_a_sweep_run_twice_or_late_fires_each_overdue_step_exactly_once(engine: Engine) -> None:  # noqa: F811
    ref = open_ticket(engine)
    start_escalation(uow=uow(engine), desk=DESK, ref=ref, now=T0)  # pages bob at once
    late = T0 + timedelta(minutes=20)  # the desk was down while erin and the manager came due
    first = sweep(uow=uow(engine), desk=DESK, now=late)
    again = sweep(uow=uow(engine), desk=DESK, now=late)
    assert [(key, action) for _, key, action, _ in first.fired] == [("t1", "page"), ("t2", "notify")]
    assert again.fired == [] and again.claimed == 0
    assert sorted(r for r, _ in pages(engine)) == ["bob", "carol", "erin"]
    with Session(engine) as session:
        row = session.execute(select(EscalationRow)).scalars().one()
    assert (row.status, row.next_due_at) == ("exhausted", None)


def test_resolving_stops_paging(engine: Engine) -> None:  # noqa: F811
    ref = open_ticket(engine)
    start_escalation(uow=uow(engine), desk=DESK, ref=ref, now=T0)
    with Session(engine) as session:  # bob got his page
        for row in session.execute(select(OutboxRow)).scalars():
            row.delivered_at = T0 + timedelta(seconds=5)
        session.commit()
    services.resolve(uow=uow(engine), desk=DESK, actor="bob", ref=ref, resolution_code="fixed",
                     now=T0 + timedelta(minutes=2))
    tick(engine, T0 + timedelta(minutes=2), T0 + timedelta(hours=1), every=timedelta(minutes=1))
    assert [r for r, _ in pages(engine)] == ["bob"]
    stopped = events(engine, EventType.ESCALATION_STOPPED)
    assert [e.payload["reason"] for e in stopped] == ["resolved"]


def test_the_snapshot_keeps_the_policy_as_it_was_when_escalation_started(engine: Engine) -> None:  # noqa: F811
    ref = open_ticket(engine)
    start_escalation(uow=uow(engine), desk=DESK, ref=ref, now=T0)
    edited = dict(DESK_CONFIG)
    edited["escalation"] = {"policies": {"standard": {"steps": [{"after": "1m", "page": {"user": "alice"}}]}}}
    later_desk = Desk.from_config(DeskConfig.model_validate(edited))
    at = T0
    while at <= T0 + timedelta(hours=1):
        sweep(uow=uow(engine), desk=later_desk, now=at)
        at += timedelta(minutes=1)
    assert sorted(r for r, _ in pages(engine)) == ["bob", "carol", "erin"]  # not alice


def test_escalate_by_hand_pages_the_next_step_now_then_moves_up_a_level(engine: Engine) -> None:  # noqa: F811
    ref = open_ticket(engine)
    start_escalation(uow=uow(engine), desk=DESK, ref=ref, now=T0)
    report = escalate(uow=uow(engine), desk=DESK, actor="bob", ref=ref, now=T0 + timedelta(minutes=1))
    assert [(key, who) for _, key, _, who in report.fired] == [("t1", ("erin",))]
    tick(engine, T0 + timedelta(minutes=1), T0 + timedelta(minutes=10), every=timedelta(minutes=1))
    assert sorted(r for r, _ in pages(engine)) == ["bob", "erin"]  # erin was not paged twice at +5m
    moved = escalate(uow=uow(engine), desk=DESK, actor="bob", ref=ref, now=T0 + timedelta(minutes=11),
                     to_group="infrastructure", reason="needs the storage team")
    assert moved.fired[0][3] == ("group:infrastructure",)
    escalated = events(engine, EventType.TICKET_ESCALATED)
    assert [(e.payload["level"], e.payload["group"]) for e in escalated][-1] == ("functional", "infrastructure")
    with pytest.raises(InvalidInput, match="already with infrastructure"):
        escalate(uow=uow(engine), desk=DESK, actor="bob", ref=ref, now=T0 + timedelta(minutes=12),
                 to_group="infrastructure")


def test_declaring_a_major_incident_pages_the_on_call_at_once_and_asks_for_a_conversation(
    engine: Engine,  # noqa: F811
) -> None:
    ref = open_ticket(engine, urgency="low")
    report = declare_major_incident(uow=uow(engine), desk=DESK, actor="alice", ref=ref, now=T0,
                                    reason="whole site offline")
    assert [(key, who) for _, key, _, who in report.fired] == [("t0", ("bob",))]  # bob is on call this week
    with Session(engine) as session:
        kinds = Counter(row.kind for row in session.execute(select(OutboxRow)).scalars())
    assert kinds["incident.major"] == 1 and kinds["escalation.page"] == 1
    with pytest.raises(InvalidInput, match="already a major incident"):
        declare_major_incident(uow=uow(engine), desk=DESK, actor="alice", ref=ref, now=T0 + timedelta(minutes=1))


def test_the_migration_creates_exactly_the_escalation_tables_the_models_describe(engine: Engine) -> None:  # noqa: F811
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    mine = [d for d in diffs if re.search(r"\b(escalations|pages)\b", repr(d))]
    assert mine == []


def test_start_due_starts_tickets_changed_since_the_watermark_once(engine: Engine) -> None:  # noqa: F811
    from deskops.core.services.escalation import start_due

    first = open_ticket(engine, at=T0)
    second = open_ticket(engine, at=T0 + timedelta(minutes=2))
    report = start_due(uow=uow(engine), desk=DESK, since=T0 + timedelta(minutes=1), now=T0 + timedelta(minutes=3))
    assert [ref for ref, *_ in report.fired] == [second]  # only the ticket opened after the watermark
    again = start_due(uow=uow(engine), desk=DESK, since=T0 - timedelta(hours=1), now=T0 + timedelta(minutes=3))
    assert [ref for ref, *_ in again.fired] == [first]  # the other one already escalates: left alone
    assert len(events(engine, EventType.ESCALATION_STARTED)) == 2


def test_resolving_ends_the_escalation_at_the_next_run_and_withdraws_undelivered_pages(
    engine: Engine,  # noqa: F811
) -> None:
    from deskops.core.services.escalation import start_due

    ref = open_ticket(engine)
    start_escalation(uow=uow(engine), desk=DESK, ref=ref, now=T0)  # bob's page waits in the outbox
    services.resolve(uow=uow(engine), desk=DESK, actor="bob", ref=ref, resolution_code="fixed",
                     now=T0 + timedelta(seconds=20))
    report = start_due(uow=uow(engine), desk=DESK, since=T0, now=T0 + timedelta(seconds=30))
    assert report.ended == [(ref, "resolved")]
    assert pages(engine) == []
    with Session(engine) as session:
        row = session.execute(select(EscalationRow)).scalars().one()
        page = session.execute(select(PageRow)).scalars().one()
    assert (row.status, row.next_due_at, page.status) == ("resolved", None, "cancelled")


def test_sla_threshold_steps_follow_the_ticket_clock_through_a_pause(engine: Engine) -> None:  # noqa: F811
    from deskops.core.sla.service import SlaEngine

    config = dict(DESK_CONFIG)
    config["calendars"] = {"always": {"timezone": "UTC", "hours": "24x7"}}
    targets = {p: {"response": "1h", "resolution": "4h"} for p in ("P1", "P2", "P3", "P4")}
    config["agreements"] = {"sla": {"kind": "sla", "calendar": "always", "targets": targets}}
    config["escalation"] = {"policies": {"by-sla": {"match": {"priorities": ["P3"]}, "steps": [
        {"sla": {"clock": "resolution", "percent": 75}, "notify": {"role": "manager"}},
        {"sla": {"clock": "resolution", "percent": 100}, "reassign": "next-level"},
    ]}}}
    desk = Desk.from_config(DeskConfig.model_validate(config))
    sla_due = SlaEngine.from_config(desk.config).sla_due
    ref = services.open_ticket(uow=uow(engine), desk=desk, actor="alice", title="Slow VPN", now=T0,
                               urgency="medium", impact="medium", group="network").ticket.ref
    start_escalation(uow=uow(engine), desk=desk, ref=ref, now=T0, sla_due=sla_due)
    services.set_pending(uow=uow(engine), desk=desk, actor="bob", ref=ref, reason="customer",
                         now=T0 + timedelta(hours=1))
    services.resume(uow=uow(engine), desk=desk, actor="bob", ref=ref, now=T0 + timedelta(hours=2))
    fired: list[tuple[timedelta, str]] = []
    for minutes in (179, 180, 181, 239, 240, 299, 300, 301, 600):
        report = sweep(uow=uow(engine), desk=desk, now=T0 + timedelta(minutes=minutes), sla_due=sla_due)
        fired.extend((timedelta(minutes=minutes), action) for _, _, action, _ in report.fired)
    # 75 % of 4 h is reached at 3 h of running time: 4 h after opening with the hour pending; breach at 5 h
    assert fired == [(timedelta(hours=4), "notify"), (timedelta(hours=5), "reassign")]
    escalated = events(engine, EventType.TICKET_ESCALATED)
    assert [(e.payload["level"], e.payload["group"]) for e in escalated] == [
        ("hierarchical", None), ("functional", "infrastructure")]


def test_next_level_from_the_top_level_moves_nothing_and_says_why(engine: Engine) -> None:  # noqa: F811
    config = dict(DESK_CONFIG)
    config["escalation"] = {"policies": {"up": {"steps": [{"after": "0m", "reassign": "next-level"}]}}}
    desk = Desk.from_config(DeskConfig.model_validate(config))
    ref = services.open_ticket(uow=uow(engine), desk=desk, actor="alice", title="SAN degraded", now=T0,
                               urgency="medium", impact="medium", group="infrastructure").ticket.ref
    start_escalation(uow=uow(engine), desk=desk, ref=ref, now=T0)
    comments = events(engine, EventType.COMMENT_ADDED)
    assert len(comments) == 1 and "no group above infrastructure" in comments[0].payload["text"]
    assert comments[0].payload["visibility"] == "internal"
    assert events(engine, EventType.TICKET_ESCALATED) == []
    with pytest.raises(InvalidInput, match="no group to escalate"):
        escalate(uow=uow(engine), desk=desk, actor="erin", ref=ref, now=T0 + timedelta(minutes=1))


def test_acknowledging_after_resolution_says_paging_had_ended(engine: Engine) -> None:  # noqa: F811
    ref = open_ticket(engine)
    start_escalation(uow=uow(engine), desk=DESK, ref=ref, now=T0)
    services.resolve(uow=uow(engine), desk=DESK, actor="bob", ref=ref, resolution_code="fixed",
                     now=T0 + timedelta(minutes=1))
    sweep(uow=uow(engine), desk=DESK, now=T0 + timedelta(minutes=5))
    late = acknowledge(uow=uow(engine), desk=DESK, actor="bob", ref=ref, now=T0 + timedelta(minutes=6))
    assert (late.won, late.status, late.at) == (False, "resolved", T0 + timedelta(minutes=5))
