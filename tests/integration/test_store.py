"""The ticket store on real databases: SQLite and PostgreSQL (when DESKOPS_TEST_POSTGRES_URL is set).

Every test runs against both through the `engine` fixture; on PostgreSQL each test gets its own
schema, dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from deskops.core import services
from deskops.core.config.desk import DeskConfig
from deskops.core.errors import Conflict
from deskops.core.events import EventType
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.repositories import SqlOutboxRepository
from deskops.core.persistence.tables import HandledRequestRow, OutboxRow, TicketEventRow, TicketRow
from deskops.core.persistence.uow import SqlUnitOfWork
from deskops.core.ports import OutboxMessage
from deskops.core.services import Desk
from deskops.core.tickets import CommentVisibility, Ticket, TicketKind
from tests.conftest import migrated_store

T0 = datetime(2026, 6, 15, 7, 0, tzinfo=UTC)
TICKET_TABLES = {"tickets", "ticket_events", "outbox", "handled_requests"}

DESK = Desk.from_config(
    DeskConfig.model_validate(
        {
            "people": {
                "alice": {"name": "Alice"},
                "bob": {"name": "Bob"},
                "carol": {"name": "Carol"},
                "erin": {"name": "Erin"},
                "dave": {"name": "Dave"},
            },
            "groups": {
                "service-desk": {"level": 1, "members": ["alice"], "manager": "carol"},
                "network": {"level": 2, "members": ["bob"]},
                "security": {"level": 3, "members": ["bob"]},
            },
            "categories": {
                "network": {"default_group": "network"},
                "security": {"default_group": "security", "confidential": True},
            },
        }
    )
)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty store: a SQLite file, or a fresh schema on the test PostgreSQL server."""
    yield from migrated_store(request, tmp_path)


def _count(engine: Engine, table: Any) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def _open(engine: Engine, actor: str = "erin", **kwargs: Any) -> services.OpenResult:
    kwargs.setdefault("title", "VPN drops every hour")
    kwargs.setdefault("now", T0)
    return services.open_ticket(uow=SqlUnitOfWork(engine), desk=DESK, actor=actor, **kwargs)


def test_migrations_build_exactly_the_mapped_ticket_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [change for change in compare_metadata(context, SQLModel.metadata) if _table_of(change) in TICKET_TABLES]
    assert diff == []
    ensure_schema(engine)  # running it again changes nothing and does not fail


def _table_of(change: Any) -> str | None:
    item = change[0] if isinstance(change, list) else change
    for part in item[1:]:
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(part, str):
            return part
        if name is not None and hasattr(part, "columns"):
            return str(name)
    return None


def test_ensure_schema_adopts_a_database_made_before_migrations(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    SQLModel.metadata.tables["tickets"].create(eng)
    SQLModel.metadata.tables["ticket_events"].create(eng)
    ensure_schema(eng)
    with eng.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() is not None
    assert _count(eng, HandledRequestRow) == 0
    eng.dispose()


def test_a_ticket_round_trips_with_aware_utc_times(engine: Engine) -> None:
    zurich_morning = datetime(2026, 6, 15, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    opened = _open(engine, now=zurich_morning, urgency="high", impact="medium", category="network")
    assert opened.created and opened.ticket.ref == "INC-1"
    detail = services.get_ticket(uow=SqlUnitOfWork(engine), desk=DESK, actor="erin", ref="inc-1")
    assert detail.ticket.opened_at == T0
    assert detail.ticket.opened_at.tzinfo is not None and detail.ticket.opened_at.utcoffset() == timedelta(0)
    assert (detail.ticket.priority, detail.ticket.group) == ("P2", "network")
    with Session(engine) as session:
        row = session.execute(select(TicketRow)).scalars().one()
        event = session.execute(select(TicketEventRow)).scalars().one()
    assert row.opened_at == T0 and row.opened_at.tzinfo is not None
    assert event.occurred_at == T0 and event.occurred_at.tzinfo is not None


def _full_life(engine: Engine) -> str:
    ref = _open(engine, urgency="medium", impact="medium").ticket.ref
    uow = SqlUnitOfWork(engine)
    step = iter(range(1, 100))

    def at() -> datetime:
        return T0 + timedelta(minutes=10 * next(step))

    services.classify(uow=uow, desk=DESK, actor="alice", ref=ref, category="network", urgency="high", now=at())
    services.assign(uow=uow, desk=DESK, actor="alice", ref=ref, person="bob", now=at())
    services.start_work(uow=uow, desk=DESK, actor="bob", ref=ref, now=at())
    services.comment(uow=uow, desk=DESK, actor="bob", ref=ref, text="router logs", visibility="internal", now=at())
    services.set_pending(uow=uow, desk=DESK, actor="bob", ref=ref, reason="customer", note="which site?", now=at())
    services.comment(uow=uow, desk=DESK, actor="erin", ref=ref, text="Basel office", now=at())
    services.resolve(uow=uow, desk=DESK, actor="bob", ref=ref, resolution_code="fixed", note="new firmware", now=at())
    services.reopen(uow=uow, desk=DESK, actor="erin", ref=ref, reason="dropped again", now=at())
    services.assign(uow=uow, desk=DESK, actor="bob", ref=ref, group="service-desk", now=at())
    services.resolve(uow=uow, desk=DESK, actor="alice", ref=ref, resolution_code="workaround", now=at())
    services.close(uow=uow, desk=DESK, actor="alice", ref=ref, now=at())
    return ref


def test_the_stored_projection_equals_the_fold_of_the_stored_log(engine: Engine) -> None:
    ref = _full_life(engine)
    uow = SqlUnitOfWork(engine)
    with uow:
        stored = uow.tickets.get(ref)
        assert stored is not None and stored.id is not None
        log = uow.tickets.events(stored.id)
    replayed = Ticket.replay(log, id=stored.id, ref=stored.ref)
    assert replayed.model_dump() == stored.model_dump()
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    assert (stored.state, stored.reopen_count, stored.reassignment_count) == ("closed", 1, 1)
    assert stored.pending_seconds == 10 * 60  # pending until the customer answered ten minutes later
    assert stored.acknowledged_at == T0 + timedelta(minutes=20)


def test_history_hides_internal_notes_from_the_requester(engine: Engine) -> None:
    ref = _full_life(engine)
    for_requester = services.history(uow=SqlUnitOfWork(engine), desk=DESK, actor="erin", ref=ref)
    for_agent = services.history(uow=SqlUnitOfWork(engine), desk=DESK, actor="alice", ref=ref)
    assert len(for_agent) == len(for_requester) + 1
    assert all("router logs" not in e.summary for e in for_requester)
    assert any(e.type == EventType.COMMENT_ADDED and "router logs" in e.summary for e in for_agent)


def test_a_failed_use_case_leaves_nothing(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: SqlOutboxRepository, message: OutboxMessage) -> bool:
        raise RuntimeError("outbox down")

    monkeypatch.setattr(SqlOutboxRepository, "add", broken)
    with pytest.raises(RuntimeError, match="outbox down"):
        _open(engine, category="network")  # a group queue must be told, so the outbox is written
    assert _count(engine, TicketRow) == _count(engine, TicketEventRow) == _count(engine, OutboxRow) == 0


def test_leaving_a_unit_of_work_without_commit_rolls_back(engine: Engine) -> None:
    uow = SqlUnitOfWork(engine)
    with uow:
        ticket = Ticket.open(kind=TicketKind.INCIDENT, title="t", requester="erin", actor="erin", at=T0)
        uow.tickets.add(ticket, request_id="r-1")
    assert _count(engine, TicketRow) == _count(engine, TicketEventRow) == _count(engine, HandledRequestRow) == 0


def test_seq_is_unique_per_ticket(engine: Engine) -> None:
    _open(engine)
    with Session(engine) as session, pytest.raises(IntegrityError):
        session.add(TicketEventRow(ticket_id=1, seq=1, type="CommentAdded", occurred_at=T0, actor="x", payload={}))
        session.commit()


def test_a_concurrent_change_to_the_same_ticket_is_a_conflict_and_changes_nothing(engine: Engine) -> None:
    ref = _open(engine).ticket.ref
    slow = SqlUnitOfWork(engine)
    with slow:
        stale = slow.tickets.get(ref)  # read without a lock, as a racing writer would
        assert stale is not None
        services.comment(uow=SqlUnitOfWork(engine), desk=DESK, actor="erin", ref=ref, text="first", now=T0)
        stale.add_comment(visibility=CommentVisibility.PUBLIC, text="second", actor="erin", at=T0)
        with pytest.raises(Conflict):
            slow.tickets.save(stale)
    assert _count(engine, TicketEventRow) == 2  # opened + the first comment


def test_the_same_request_id_opens_one_ticket(engine: Engine) -> None:
    first = _open(engine, request_id="Ev01")
    again = _open(engine, request_id="Ev01")
    assert (first.created, again.created) == (True, False)
    assert again.ticket.ref == first.ticket.ref
    assert _count(engine, TicketRow) == 1


def test_racing_deliveries_of_one_request_open_one_ticket(engine: Engine) -> None:
    results: list[services.OpenResult] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        try:
            barrier.wait()
            results.append(_open(engine, request_id="Ev-race"))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(r.created for r in results) == [False, False, False, True]
    # One ref for all (a losing insert may burn a PostgreSQL sequence number, so not always INC-1).
    assert len({r.ticket.ref for r in results}) == 1
    assert _count(engine, TicketRow) == 1


def test_a_redelivered_comment_is_added_once(engine: Engine) -> None:
    ref = _open(engine).ticket.ref
    for _ in range(2):
        services.comment(
            uow=SqlUnitOfWork(engine), desk=DESK, actor="erin", ref=ref, text="hi", request_id="m1", now=T0
        )
    assert _count(engine, TicketEventRow) == 2


def test_outbox_keys_are_written_once(engine: Engine) -> None:
    _open(engine, category="network")
    message = OutboxMessage(key="1:1:group", kind="ticket.update", recipient="group:network", ticket_id=1,
                            payload={}, created_at=T0)  # fmt: skip
    uow = SqlUnitOfWork(engine)
    with uow:
        assert uow.outbox.add(message) is False
    with Session(engine) as session:
        rows = session.execute(select(OutboxRow)).scalars().all()
    assert [(r.idempotency_key, r.recipient) for r in rows] == [("1:1:group", "group:network")]
    assert rows[0].created_at == T0 and rows[0].created_at.tzinfo is not None


def test_lists_filter_sort_and_respect_who_is_asking(engine: Engine) -> None:
    _open(engine, title="printer jam", urgency="low", impact="low")  # INC-1 P4, erin
    _open(engine, actor="dave", title="core switch down", urgency="high", impact="high", now=T0 + timedelta(hours=1))
    _open(engine, actor="dave", title="wifi slow", category="network", urgency="high", impact="medium")  # INC-3 P2
    _open(engine, actor="dave", title="phishing", category="security", kind="incident")  # INC-4 confidential
    _open(engine, actor="erin", title="new laptop", kind="service_request")  # REQ-5
    uow = SqlUnitOfWork(engine)

    queue = services.list_tickets(uow=uow, desk=DESK, actor="alice")
    assert [t.ref for t in queue.items] == ["INC-2", "INC-3", "INC-1", "REQ-5"]  # P1, P2, P4 (oldest first)
    assert queue.total == 4  # INC-4 is confidential: alice is not in the security group

    bob = services.list_tickets(uow=uow, desk=DESK, actor="bob", group="security")
    assert [t.ref for t in bob.items] == ["INC-4"]
    assert services.list_tickets(uow=uow, desk=DESK, actor="carol").total == 5  # managers see everything

    mine = services.list_tickets(uow=uow, desk=DESK, actor="erin")  # a requester: only their own
    assert [t.ref for t in mine.items] == ["INC-1", "REQ-5"]
    assert services.list_tickets(uow=uow, desk=DESK, actor="erin", group="network").total == 0

    def network_waiting() -> list[str]:
        found = services.list_tickets(uow=uow, desk=DESK, actor="bob", group="network", unassigned=True)
        return [t.ref for t in found.items]

    assert network_waiting() == ["INC-3"]
    services.assign(uow=uow, desk=DESK, actor="bob", ref="INC-3", person="me", now=T0)
    assert network_waiting() == []
    mine = services.list_tickets(uow=uow, desk=DESK, actor="bob", mine=True)
    assert [t.ref for t in mine.items] == ["INC-3"]

    requests = services.list_tickets(uow=uow, desk=DESK, actor="alice", kind="service_request")
    assert [t.ref for t in requests.items] == ["REQ-5"]
    page = services.list_tickets(uow=uow, desk=DESK, actor="carol", sort="opened", limit=2)
    assert (len(page.items), page.total) == (2, 5)

    services.resolve(uow=uow, desk=DESK, actor="alice", ref="INC-1", resolution_code="fixed", now=T0)
    assert "INC-1" not in [t.ref for t in services.list_tickets(uow=uow, desk=DESK, actor="alice").items]
    resolved = services.list_tickets(uow=uow, desk=DESK, actor="alice", state="resolved")
    assert [t.ref for t in resolved.items] == ["INC-1"]



def test_concurrent_writers_to_one_ticket_all_land_in_order(engine: Engine) -> None:
    ref = _open(engine).ticket.ref
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def write(author: str) -> None:
        try:
            barrier.wait()
            uow = SqlUnitOfWork(engine)  # one unit of work per thread, as each request has
            for n in range(5):
                services.comment(uow=uow, desk=DESK, actor=author, ref=ref, text=f"{author} {n}", now=T0)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(who,)) for who in ("alice", "bob", "carol", "erin")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    history = services.history(uow=SqlUnitOfWork(engine), desk=DESK, actor="alice", ref=ref)
    assert [e.seq for e in history] == list(range(1, 22))
    for author in ("alice", "bob", "carol", "erin"):  # each writer's comments in the order written
        mine = [e.payload["text"] for e in history if e.actor == author and e.type == EventType.COMMENT_ADDED]
        assert mine == [f"{author} {n}" for n in range(5)]


def _migrate(url: str, search_path: str | None) -> None:
    """Child process: bring the schema up to date, as every `deskops` process does at start-up."""
    args = {"connect_args": {"options": f"-csearch_path={search_path}"}} if search_path else {}
    engine = make_engine(url, **args)
    ensure_schema(engine)
    engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_processes_starting_together_migrate_once(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    search_path = None
    if store == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        search_path = f"t_{uuid.uuid4().hex[:12]}"
        with make_engine(url).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{search_path}"'))
    context = multiprocessing.get_context("spawn")
    children = [context.Process(target=_migrate, args=(url, search_path)) for _ in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
    try:
        assert [child.exitcode for child in children] == [0, 0, 0]
        args = {"connect_args": {"options": f"-csearch_path={search_path}"}} if search_path else {}
        engine = make_engine(url, **args)
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        engine.dispose()
        assert len(versions) == 1
    finally:
        if search_path:
            with make_engine(url).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{search_path}" CASCADE'))
