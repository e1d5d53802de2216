"""The use cases: rights, refusals that change nothing, routing, priority reasons and notifications.

They run on a SQLite file (fast, and the real store); the same flows on PostgreSQL are in
tests/integration/test_store.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from deskops.core import services
from deskops.core.config.desk import DeskConfig
from deskops.core.errors import DeskError, Forbidden, InvalidInput, InvalidTransition, NotFound
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.tables import OutboxRow, TicketEventRow, TicketRow
from deskops.core.persistence.uow import SqlUnitOfWork
from deskops.core.services import Desk

T0 = datetime(2026, 6, 15, 7, 0, tzinfo=UTC)

DESK = Desk.from_config(
    DeskConfig.model_validate(
        {
            "people": {
                "alice": {"name": "Alice Meier"},
                "bob": {"name": "Bob Keller"},
                "carol": {"name": "Carol Rossi"},
                "erin": {"name": "Erin Frei"},
                "dave": {"name": "Dave Brunner"},
            },
            "groups": {
                "service-desk": {"level": 1, "members": ["alice"], "manager": "carol"},
                "network": {"level": 2, "members": ["bob"]},
                "workplace": {"level": 2, "members": ["alice", "bob"]},
            },
            "categories": {"network": {"default_group": "network"}, "hr": {"confidential": True}},
        }
    )
)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly migrated SQLite file, made once; each test gets a copy (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "desk.db"
    eng = make_engine(f"sqlite:///{path}")
    ensure_schema(eng)
    eng.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def engine(migrated: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "desk.db"
    shutil.copyfile(migrated, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


class Desk_:
    """Calls the use cases as a given person, one minute apart."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.uow = SqlUnitOfWork(engine)
        self.minute = 0

    def __call__(self, name: str, actor: str, **kwargs: Any) -> Any:
        use_case = getattr(services, name)
        if name not in ("get_ticket", "list_tickets", "history"):
            self.minute += 1
            kwargs.setdefault("now", T0 + timedelta(minutes=self.minute))
        return use_case(uow=self.uow, desk=DESK, actor=actor, **kwargs)

    def rows(self) -> tuple[int, int, int]:
        with Session(self.engine) as session:
            return tuple(  # type: ignore[return-value]
                len(session.execute(select(table)).all()) for table in (TicketRow, TicketEventRow, OutboxRow)
            )

    def outbox(self) -> list[tuple[str, str, str]]:
        with Session(self.engine) as session:
            rows = session.execute(select(OutboxRow).order_by(OutboxRow.id)).scalars().all()  # type: ignore[arg-type]
            return [(r.idempotency_key.split(":", 2)[2], r.recipient, r.payload["event"]) for r in rows]


@pytest.fixture
def desk(engine: Engine) -> Desk_:
    return Desk_(engine)


def test_open_classifies_routes_and_tells_the_queue(desk: Desk_) -> None:
    opened = desk("open_ticket", "erin", title="  VPN drops  ", urgency="High", impact="medium", category="network")
    ticket = opened.ticket
    assert (ticket.ref, ticket.title, ticket.priority_label, ticket.group, ticket.state) == (
        "INC-1",
        "VPN drops",
        "P2 high",
        "network",
        "new",
    )
    assert desk.outbox() == [("group", "group:network", "TicketOpened")]
    request = desk("open_ticket", "erin", title="New laptop", kind="service_request").ticket
    assert (request.ref, request.priority) == ("REQ-2", "P4")  # unclassified: the matrix's lowest cell


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"title": "   "}, InvalidInput, "title is missing"),
        ({"title": "x" * 301}, InvalidInput, "limit is 300"),
        ({"title": "t", "description": "d" * 10_001}, InvalidInput, "limit is 10,000"),
        ({"title": "t", "urgency": "asap"}, InvalidInput, "Unknown urgency"),
        ({"title": "t", "kind": "problem"}, InvalidInput, "Unknown kind"),
        ({"title": "t", "category": "facilities"}, InvalidInput, "Unknown category"),
        ({"title": "t", "group": "network"}, Forbidden, "Only the desk's agents"),
        ({"title": "t", "requester": "dave"}, Forbidden, "Only the desk's agents"),
    ],
)
def test_bad_opening_is_refused_with_a_hint_and_changes_nothing(
    desk: Desk_, kwargs: dict[str, Any], error: type[DeskError], words: str
) -> None:
    with pytest.raises(error) as refused:
        desk("open_ticket", "erin", **kwargs)
    assert words in refused.value.message
    assert refused.value.hint
    assert desk.rows() == (0, 0, 0)


def test_requesters_see_only_their_own_tickets_and_never_internal_notes(desk: Desk_) -> None:
    ref = desk("open_ticket", "erin", title="printer").ticket.ref
    desk("comment", "alice", ref=ref, text="driver issue, known", visibility="internal")
    desk("comment", "alice", ref=ref, text="we are on it")
    with pytest.raises(NotFound):
        desk("get_ticket", "dave", ref=ref)
    shown = desk("get_ticket", "erin", ref=ref)
    assert [c.text for c in shown.comments] == ["we are on it"]
    assert set(shown.actions) == {"comment", "cancel"}
    assert len(desk("get_ticket", "alice", ref=ref).comments) == 2
    with pytest.raises(Forbidden):
        desk("comment", "erin", ref=ref, text="psst", visibility="internal")
    before = desk.rows()
    for name, kwargs in [
        ("resolve", {"resolution_code": "fixed"}),
        ("assign", {"person": "me"}),
        ("start_work", {}),
        ("classify", {"urgency": "high"}),
        ("set_pending", {"reason": "customer"}),
        ("close", {}),
    ]:
        with pytest.raises(Forbidden):
            desk(name, "erin", ref=ref, **kwargs)
    assert desk.rows() == before


def test_confidential_tickets_stay_within_their_group(desk: Desk_) -> None:
    ref = desk("open_ticket", "erin", title="complaint about my manager", category="hr").ticket.ref
    desk("assign", "carol", ref=ref, group="workplace")
    assert desk("get_ticket", "bob", ref=ref).ticket.group == "workplace"
    desk("assign", "carol", ref=ref, group="network")
    with pytest.raises(NotFound):
        desk("get_ticket", "alice", ref=ref)  # alice is not in network
    assert desk("get_ticket", "erin", ref=ref).ticket.ref == ref


def test_unknown_ticket_names_how_to_find_one(desk: Desk_) -> None:
    with pytest.raises(NotFound) as refused:
        desk("get_ticket", "alice", ref="INC-99")
    assert "INC-99" in refused.value.message and "list mine" in refused.value.hint


def test_classify_records_the_priority_change_and_why(desk: Desk_) -> None:
    ref = desk("open_ticket", "erin", title="ERP down", urgency="medium", impact="medium").ticket.ref
    view = desk("classify", "alice", ref=ref, urgency="high", impact="high", reason="whole plant stopped")
    assert view.priority == "P1"
    change = desk("history", "alice", ref=ref)[-1]
    assert change.type == "PriorityChanged"
    assert change.payload["previous_priority"] == "P3"
    assert change.payload["reason"] == "urgency medium → high; impact medium → high; whole plant stopped"
    with pytest.raises(InvalidInput, match="Nothing to classify"):
        desk("classify", "alice", ref=ref)


def test_category_routes_a_ticket_without_group(desk: Desk_) -> None:
    ref = desk("open_ticket", "erin", title="wifi").ticket.ref
    view = desk("classify", "alice", ref=ref, category="network")
    assert (view.category, view.group, view.state) == ("network", "network", "assigned")


def test_assign_checks_people_and_groups(desk: Desk_) -> None:
    ref = desk("open_ticket", "erin", title="wifi", category="network").ticket.ref
    with pytest.raises(InvalidInput) as refused:
        desk("assign", "alice", ref=ref, group="network", person="alice")
    assert "Members of network: bob" in refused.value.hint
    with pytest.raises(InvalidInput, match="not an agent"):
        desk("assign", "alice", ref=ref, person="erin")
    with pytest.raises(NotFound):
        desk("assign", "alice", ref=ref, person="zed")
    with pytest.raises(NotFound):
        desk("assign", "alice", ref=ref, group="netwrk")
    mine = desk("assign", "alice", ref=ref, person="me")
    assert (mine.assignee, mine.group) == ("alice", "service-desk")  # alice is not in network: her own group
    moved = desk("assign", "alice", ref=ref, group="workplace")
    assert (moved.assignee, moved.group, moved.reassignment_count) == ("alice", "workplace", 2)


def test_start_work_does_not_take_a_ticket_held_by_someone_else(desk: Desk_) -> None:
    ref = desk("open_ticket", "erin", title="wifi").ticket.ref
    desk("assign", "alice", ref=ref, group="workplace", person="bob")
    with pytest.raises(InvalidInput) as refused:
        desk("start_work", "alice", ref=ref)
    assert "Bob Keller" in refused.value.message and f"assign {ref} me" in refused.value.hint


def test_forbidden_transition_names_what_is_possible(desk: Desk_) -> None:
    ref = desk("open_ticket", "erin", title="wifi").ticket.ref
    with pytest.raises(InvalidTransition) as refused:
        desk("close", "alice", ref=ref)
    assert "new" in refused.value.message and "resolve" in refused.value.hint


def test_the_customer_answering_ends_the_wait(desk: Desk_) -> None:
    ref = desk("open_ticket", "erin", title="wifi").ticket.ref
    desk("start_work", "alice", ref=ref)
    assert desk("set_pending", "alice", ref=ref, reason="Customer", note="which floor?").state == "pending"
    view = desk("comment", "erin", ref=ref, text="third floor")
    assert (view.state, view.pending_seconds) == ("in_progress", 60.0)
    desk("set_pending", "alice", ref=ref, reason="supplier")
    assert desk("comment", "erin", ref=ref, text="any news?").state == "pending"  # waiting for the supplier
    with pytest.raises(InvalidInput, match="Unknown pending reason"):
        desk("set_pending", "alice", ref=ref, reason="lunch")


def test_notifications_tell_the_right_people_once(desk: Desk_) -> None:
    ref = desk("open_ticket", "erin", title="wifi", category="network").ticket.ref
    desk("assign", "alice", ref=ref, person="bob")
    desk("start_work", "bob", ref=ref)
    desk("comment", "bob", ref=ref, text="checking the access point", visibility="internal")
    desk("comment", "bob", ref=ref, text="please restart your laptop")
    desk("comment", "erin", ref=ref, text="done, works")
    desk("resolve", "bob", ref=ref, resolution_code="fixed")
    desk("reopen", "erin", ref=ref, reason="broken again")
    assert desk.outbox() == [
        ("group", "group:network", "TicketOpened"),
        ("assignee", "bob", "TicketAssigned"),
        ("requester", "erin", "TicketAcknowledged"),
        ("requester", "erin", "CommentAdded"),  # the public comment only, not the internal note
        ("assignee", "bob", "CommentAdded"),  # the customer's answer
        ("requester", "erin", "TicketResolved"),
        ("assignee", "bob", "TicketReopened"),
    ]
    with Session(desk.engine) as session:
        texts = [r.payload["text"] for r in session.execute(select(OutboxRow)).scalars()]
    assert texts[-1] == f"{ref}: Erin Frei reopened it: broken again"


def test_requester_may_cancel_and_reopen_but_not_others_tickets(desk: Desk_) -> None:
    ref = desk("open_ticket", "erin", title="wifi").ticket.ref
    with pytest.raises(NotFound):
        desk("cancel", "dave", ref=ref, reason="not mine")
    with pytest.raises(InvalidInput, match="reason is missing"):
        desk("cancel", "erin", ref=ref, reason=" ")
    assert desk("cancel", "erin", ref=ref, reason="works again").state == "cancelled"
    with pytest.raises(InvalidTransition, match="cannot be reopened"):
        desk("reopen", "erin", ref=ref, reason="oops")


def test_list_options_are_checked(desk: Desk_) -> None:
    with pytest.raises(InvalidInput, match="Unknown state"):
        desk("list_tickets", "alice", state="done")
    with pytest.raises(InvalidInput, match="Cannot list 0"):
        desk("list_tickets", "alice", limit=0)
    with pytest.raises(InvalidInput, match="Unknown priority"):
        desk("list_tickets", "alice", priority="P9")
    with pytest.raises(NotFound):
        desk("list_tickets", "alice", group="nobody")


def test_titles_of_only_invisible_characters_are_empty_and_bidi_overrides_are_dropped() -> None:
    from deskops.core.errors import InvalidInput
    from deskops.core.services._support import clean_text

    with pytest.raises(InvalidInput, match="missing"):
        clean_text("title", "\u200b\u200b\u200b", limit=300, required=True)
    assert clean_text("title", "invoice \u202egpj.exe", limit=300, required=True) == "invoice gpj.exe"
