"""Scheduled digests end to end on SQLite: due at the local time, posted exactly once, per audience, with charts."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import select
from sqlmodel import Session, col

from deskops.bot.adapters.console.deliverer import ConsoleDeliverer
from deskops.bot.adapters.console.render import ConsoleOutput
from deskops.bot.commands.digests import run_digests
from deskops.bot.commands.dispatcher import CommandDispatcher, DeskContext
from deskops.bot.commands.model import Actor
from deskops.bot.commands.registry import build_registry
from deskops.bot.config_loader import load_config
from deskops.bot.notify.outbox import OutboxDelivery
from deskops.core.clock import ManualClock
from deskops.core.config.digests import DigestConfig
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.tables import OutboxRow
from deskops.core.persistence.uow import SqlUnitOfWork
from deskops.core.services.context import Desk

REPO = Path(__file__).resolve().parents[2]
NY = "America/New_York"
# Monday 2026-11-02 08:00 in New York (EST, UTC-5): the first Monday after the fall-back change.
MONDAY_0800 = datetime(2026, 11, 2, 13, tzinfo=UTC)
DIGESTS = {
    "mgr": DigestConfig(cron="0 8 * * mon", timezone=NY, to="carol", audience="manager", period="week", charts=True),
    "lead": DigestConfig(cron="0 8 * * *", timezone=NY, to="carol", audience="lead", period="day"),
    "queue": DigestConfig(cron="0 8 * * *", timezone=NY, to="group:service-desk", audience="agent", period="day"),
    "cust": DigestConfig(cron="0 8 * * *", timezone=NY, to="dave", audience="customer", period="week"),
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def desk(request: pytest.FixtureRequest, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> tuple[CommandDispatcher, DeskContext, ManualClock]:
    """The example desk with the digests above (on SQLite and PostgreSQL); tickets of the week before Monday."""
    monkeypatch.setenv("DESKOPS_DIGEST_DIR", str(tmp_path / "charts"))
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    else:
        engine = request.getfixturevalue("postgres_schema_engine")()
    ensure_schema(engine)
    config = load_config(REPO / "config" / "desk.yaml").model_copy(update={"digests": DIGESTS})
    clock = ManualClock(MONDAY_0800 - timedelta(days=6))
    context = DeskContext(config=config, clock=clock, registry=build_registry(),
                          uow_factory=lambda: SqlUnitOfWork(engine), desk=Desk.from_config(config))
    dispatcher = CommandDispatcher(context)
    for n in range(6):
        opened = dispatcher.dispatch_text(f'/ticket open "printer {n} jams" --urgency high --impact medium',
                                          Actor("dave"))
        assert opened.ok, opened.text
        clock.advance(timedelta(hours=3))
        if n % 2 == 0:
            ref = opened.ticket_ref
            for line in (f"/ticket assign {ref} me", f"/ticket resolve {ref} --code fixed"):
                reply = dispatcher.dispatch_text(line, Actor("alice"))
                assert reply.ok, reply.text
        clock.advance(timedelta(hours=12))
    return dispatcher, context, clock


@dataclass
class _Row:
    idempotency_key: str
    payload: dict[str, Any]


def _rows(context: DeskContext) -> list[_Row]:
    with context.unit_of_work() as uow:
        session: Session = uow.session
        found = session.execute(select(col(OutboxRow.idempotency_key), col(OutboxRow.payload))
                                .where(col(OutboxRow.kind) == "digest"))
        return [_Row(key, payload) for key, payload in found]


def test_each_digest_posts_once_per_period_even_with_two_sweeps(desk: tuple) -> None:
    _dispatcher, context, clock = desk
    clock.set(MONDAY_0800 - timedelta(minutes=1))
    before = run_digests(context, clock.now())
    keys_before = {row.idempotency_key for row in _rows(context)}
    clock.set(MONDAY_0800 + timedelta(minutes=1))
    first = run_digests(context, clock.now())
    second = run_digests(context, clock.now())  # a second instance, or the next minute's run
    rows = _rows(context)
    new = [row for row in rows if row.idempotency_key not in keys_before]
    assert first == 4 and second == 0
    assert {row.idempotency_key.split(":")[1] for row in new} == {"mgr", "lead", "queue", "cust"}
    # The Monday digest covers the local week ending Monday 08:00 EST (starting Monday 08:00 EDT).
    mgr = next(row for row in new if row.idempotency_key.startswith("digest:mgr:"))
    assert mgr.idempotency_key == "digest:mgr:2026-10-26T12:00:00+00:00"
    assert mgr.payload["period"] == {"from": "2026-10-26T12:00:00+00:00", "to": "2026-11-02T13:00:00+00:00"}
    assert mgr.payload["summary"].startswith("Mon 26 Oct 08:00 EDT → Mon 02 Nov 08:00 EST:")  # the reader's wall clock
    assert before == 0  # Sunday 08:00 is 24 h back, past LATE_LIMIT: a stale digest is skipped, not posted late


def test_each_audience_gets_its_figures_and_no_more(desk: tuple) -> None:
    _dispatcher, context, clock = desk
    clock.set(MONDAY_0800 + timedelta(minutes=5))
    run_digests(context, clock.now())
    by_name = {row.idempotency_key.split(":")[1]: row.payload for row in _rows(context)
               if row.idempotency_key.endswith("2026-11-01T13:00:00+00:00")
               or row.idempotency_key.startswith(("digest:mgr:", "digest:cust:2026-10-26"))}
    labels = {name: {f["label"] for f in payload["fields"]} for name, payload in by_name.items()}
    assert {"SLA compliance", "MTTR (gross)", "First-contact resolution", "Backlog trend"} <= labels["mgr"]
    assert {"Intake (opened)", "SLA breaches", "Ping-pong (3+ reassignments)"} <= labels["lead"]
    assert {"Open in queue", "SLA clocks at risk"} <= labels["queue"]
    customer = by_name["cust"]["text"]
    for internal in ("Ping-pong", "Reassign", "First-contact", "Open in queue", "Charts"):
        assert internal not in customer
    assert "SLA" in customer
    assert by_name["mgr"]["fields"][5]["value"] == "6 / 3"  # opened / resolved in the week, as opened above


def test_manager_digest_writes_non_empty_charts_and_the_console_prints_their_paths(desk: tuple) -> None:
    _dispatcher, context, clock = desk
    clock.set(MONDAY_0800 + timedelta(minutes=1))
    run_digests(context, clock.now())
    (mgr,) = [row for row in _rows(context) if row.idempotency_key.startswith("digest:mgr:")]
    charts = [Path(path) for path in mgr.payload["charts"]]
    assert charts and all(path.suffix == ".png" and path.stat().st_size > 1000 for path in charts)
    assert all(path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for path in charts)
    buffer = io.StringIO()
    output = ConsoleOutput(Console(file=buffer, width=400), as_json=False, action_text=lambda action: "")
    with context.unit_of_work() as uow:
        engine = uow.session.get_bind()
    report = OutboxDelivery(engine, [ConsoleDeliverer(output)]).deliver_due(clock.now())
    assert mgr.idempotency_key in report.delivered
    printed = buffer.getvalue()
    assert "Manager digest · mgr" in printed and str(charts[0]) in printed


def test_report_in_chat_keeps_lead_and_manager_figures_for_leads_and_managers(desk: tuple) -> None:
    dispatcher, _context, clock = desk
    clock.set(MONDAY_0800)
    mine = dispatcher.dispatch_text("/report --audience manager --from 2026-10-27 --to 2026-11-02", Actor("carol"))
    assert mine.ok, mine.text
    assert mine.title == "Manager digest · 2026-10-27..2026-11-02"
    assert any(f.label == "SLA compliance" for f in mine.fields)
    refused = dispatcher.dispatch_text("/report --audience lead", Actor("alice"))
    assert not refused.ok and "team leads and managers" in refused.text
    agent = dispatcher.dispatch_text("/report", Actor("alice"))
    assert agent.ok and agent.title == "Your queue · " + agent.title.split(" · ")[1]
    customer = dispatcher.dispatch_text("/report", Actor("dave"))  # a requester gets the customer's view
    assert customer.ok and customer.title.startswith("Service report")
    assert "reassign" not in str(customer.data).lower()
    assert not dispatcher.dispatch_text("/report --audience agent", Actor("dave")).ok
    bad = dispatcher.dispatch_text("/report --from 2026-11-05 --to 2026-11-01", Actor("carol"))
    assert not bad.ok and "after" in bad.text


def test_a_race_between_two_instances_leaves_one_row_and_no_error(desk: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both instances pass the 'already queued?' check; the other one inserts first while this one computes."""
    import deskops.bot.digest_service as service
    from deskops.core.ports import OutboxMessage

    _dispatcher, context, clock = desk
    context = DeskContext(config=context.config.model_copy(update={"digests": {"mgr": DIGESTS["mgr"]}}),
                          clock=clock, registry=context.registry, uow_factory=context.uow_factory, desk=context.desk)
    real_build = service.build_digest

    def other_instance_wins(ctx: Any, engine: Any, **kwargs: Any) -> Any:
        built = real_build(ctx, engine, **kwargs)
        with context.unit_of_work() as uow:
            uow.outbox.add(OutboxMessage(key="digest:mgr:2026-10-26T12:00:00+00:00", kind="digest", recipient="carol",
                                         ticket_id=None, payload={"text": "theirs"}, created_at=clock.now()))
            uow.commit()
        return built

    monkeypatch.setattr(service, "build_digest", other_instance_wins)
    clock.set(MONDAY_0800 + timedelta(minutes=1))
    assert run_digests(context, clock.now()) == 0
    assert [row.payload["text"] for row in _rows(context)] == ["theirs"]


def test_a_desk_down_over_two_fires_posts_both_periods_once(desk: tuple) -> None:
    _dispatcher, context, clock = desk
    twice = DigestConfig(cron="0 7,8 * * *", timezone=NY, to="carol", audience="lead", period="day")
    context = DeskContext(config=context.config.model_copy(update={"digests": {"twice": twice}}), clock=clock,
                          registry=context.registry, uow_factory=context.uow_factory, desk=context.desk)
    clock.set(MONDAY_0800 + timedelta(minutes=5))  # down at 07:00 and 08:00, back at 08:05
    assert run_digests(context, clock.now()) == 2
    assert run_digests(context, clock.now()) == 0
    assert sorted(row.payload["period"]["to"] for row in _rows(context)) == [
        "2026-11-02T12:00:00+00:00", "2026-11-02T13:00:00+00:00"]
