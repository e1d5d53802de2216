"""The SLA sweep on real stores (SQLite, and PostgreSQL when DESKOPS_TEST_POSTGRES_URL is set):
each warning and breach is written once — into the log and the outbox — however often it runs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import Session

from deskops.core import services
from deskops.core.config.desk import DeskConfig
from deskops.core.errors import Forbidden
from deskops.core.events import EventType
from deskops.core.persistence.tables import OutboxRow, TicketEventRow
from deskops.core.persistence.uow import SqlUnitOfWork
from deskops.core.services import Desk
from deskops.core.sla import ClockState
from deskops.core.sla.service import SlaEngine, at_risk, sweep, ticket_clocks
from tests.integration.test_store import engine  # noqa: F401  (the SQLite/PostgreSQL store fixture)

T0 = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
CONFIG = DeskConfig.model_validate(
    {
        "calendars": {"always": {"timezone": "UTC", "hours": "24x7"}},
        "people": {"alice": {"name": "Alice"}, "carol": {"name": "Carol"}, "dave": {"name": "Dave"}},
        "groups": {"network": {"level": 2, "members": ["alice"], "manager": "carol"}},
        "agreements": {
            "sla": {
                "calendar": "always",
                "targets": {p: {"response": "1h", "resolution": "4h"} for p in ("P1", "P2", "P3", "P4")},
            }
        },
    }
)
DESK = Desk.from_config(CONFIG)
ENGINE = SlaEngine.from_config(CONFIG)


def _open(db: Engine) -> str:
    result = services.open_ticket(uow=SqlUnitOfWork(db), desk=DESK, actor="alice", title="Printer on fire",
                                  now=T0, group="network", requester="dave")  # fmt: skip
    return result.ticket.ref


def _sla_rows(db: Engine) -> tuple[list[tuple[str, dict[str, object]]], list[str]]:
    with Session(db) as session:
        events = session.execute(
            select(TicketEventRow.type, TicketEventRow.payload).where(
                TicketEventRow.type.in_([EventType.SLA_WARNING.value, EventType.SLA_BREACHED.value])  # type: ignore[attr-defined]
            )
        ).all()
        keys = session.execute(select(OutboxRow.idempotency_key).where(OutboxRow.kind.startswith("sla."))).scalars()  # type: ignore[attr-defined]
        return [(t, p) for t, p in events], sorted(keys)


def _run(db: Engine, at: datetime) -> None:
    sweep(uow=SqlUnitOfWork(db), desk=DESK, engine=ENGINE, now=at)


def test_each_warning_and_breach_is_written_once_even_if_the_sweep_runs_twice(engine: Engine) -> None:  # noqa: F811
    _open(engine)
    for minutes in (20, 29, 30, 31, 31, 45, 59, 60, 61, 61, 90):
        _run(engine, T0 + timedelta(minutes=minutes))
    events, keys = _sla_rows(engine)
    response = sorted((t, p.get("threshold_percent")) for t, p in events if p["clock"] == "response")
    assert response == [("SlaBreached", None), ("SlaWarning", 50), ("SlaWarning", 75), ("SlaWarning", 90)]
    resolution = [(t, p.get("threshold_percent")) for t, p in events if p["clock"] == "resolution"]
    assert resolution == []  # 90 minutes of 4 h: below 50 %
    # the group queue hears every mark; the manager also hears the breach
    assert keys == sorted([f"sla:1:sla:response:{m}:group:network" for m in (50, 75, 90, 100)]
                          + ["sla:1:sla:response:100:carol"])  # fmt: skip


def test_a_late_first_sweep_writes_the_breach_without_a_flood_of_warnings(engine: Engine) -> None:  # noqa: F811
    _open(engine)
    _run(engine, T0 + timedelta(hours=2))
    _run(engine, T0 + timedelta(hours=2))
    events, _ = _sla_rows(engine)
    assert sorted((t, p["clock"], p.get("threshold_percent")) for t, p in events) == [
        ("SlaBreached", "response", None),
        ("SlaWarning", "resolution", 50),
    ]


def test_a_breach_just_before_the_resolution_is_still_written_once(engine: Engine) -> None:  # noqa: F811
    ref = _open(engine)
    services.resolve(uow=SqlUnitOfWork(engine), desk=DESK, actor="alice", ref=ref, resolution_code="fixed",
                     now=T0 + timedelta(minutes=61, seconds=30))  # fmt: skip
    _run(engine, T0 + timedelta(minutes=62))  # the sweep at 61 min... was late: the ticket is resolved now
    _run(engine, T0 + timedelta(minutes=63))
    events, _ = _sla_rows(engine)
    assert [(t, p["clock"]) for t, p in events] == [("SlaBreached", "response")]
    _run(engine, T0 + timedelta(days=2))  # long after: nothing more, and no warning for the stopped clock
    assert len(_sla_rows(engine)[0]) == 1


def test_marks_reached_over_a_day_ago_are_not_announced(engine: Engine) -> None:  # noqa: F811
    _open(engine)
    _run(engine, T0 + timedelta(days=3))  # the desk was down: response and resolution breached 2+ days ago
    assert _sla_rows(engine) == ([], [])


def test_imported_tickets_are_history_not_swept_nor_at_risk(engine: Engine) -> None:  # noqa: F811
    _open(engine)
    with Session(engine) as session:
        session.execute(text("UPDATE tickets SET source = 'uci'"))
        session.commit()
    _run(engine, T0 + timedelta(minutes=50))
    assert _sla_rows(engine) == ([], [])
    risky, total = at_risk(uow=SqlUnitOfWork(engine), desk=DESK, engine=ENGINE, actor="alice",
                           now=T0 + timedelta(minutes=50))  # fmt: skip
    assert (risky, total) == ([], 0)


def test_concurrent_sweeps_write_each_mark_once(engine: Engine) -> None:  # noqa: F811
    _open(engine)
    at = T0 + timedelta(minutes=50)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            _run(engine, at)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    events, keys = _sla_rows(engine)
    assert sorted(p["threshold_percent"] for _, p in events) == [50, 75]
    assert len(keys) == 2


def test_clocks_and_at_risk_through_the_store(engine: Engine) -> None:  # noqa: F811
    ref = _open(engine)
    clocks = ticket_clocks(uow=SqlUnitOfWork(engine), desk=DESK, engine=ENGINE, actor="dave", ref=ref,
                           now=T0 + timedelta(minutes=45))  # fmt: skip
    by_name = {c.name: c for c in clocks.clocks}
    assert by_name["sla:response"].state == ClockState.RUNNING
    assert by_name["sla:response"].percent_used == pytest.approx(75)
    risky, total = at_risk(uow=SqlUnitOfWork(engine), desk=DESK, engine=ENGINE, actor="alice",
                           now=T0 + timedelta(minutes=45))  # fmt: skip
    assert (total, risky[0].ref, risky[0].clock.name) == (1, ref, "sla:response")
    with pytest.raises(Forbidden):
        at_risk(uow=SqlUnitOfWork(engine), desk=DESK, engine=ENGINE, actor="dave", now=T0)
