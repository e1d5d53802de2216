"""Any sequence of use cases, refused steps included, leaves a stored row equal to the fold of its stored log."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskops.core import services
from deskops.core.errors import DeskError
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.uow import SqlUnitOfWork
from deskops.core.tickets import Ticket
from tests.integration.test_store import DESK

T0 = datetime(2026, 6, 15, 7, 0, tzinfo=UTC)

STEPS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "classify": ("classify", "alice", {"urgency": "high", "impact": "low"}),
    "category": ("classify", "alice", {"category": "network"}),
    "queue": ("assign", "alice", {"group": "service-desk"}),
    "take": ("assign", "bob", {"person": "me"}),
    "start": ("start_work", "bob", {}),
    "pending": ("set_pending", "bob", {"reason": "customer"}),
    "answer": ("comment", "erin", {"text": "here you are"}),
    "note": ("comment", "bob", {"text": "looking", "visibility": "internal"}),
    "resume": ("resume", "bob", {}),
    "resolve": ("resolve", "bob", {"resolution_code": "fixed"}),
    "reopen": ("reopen", "erin", {"reason": "again"}),
    "close": ("close", "alice", {}),
    "cancel": ("cancel", "erin", {"reason": "not needed"}),
}


@pytest.fixture(scope="module")
def uow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlUnitOfWork]:
    path: Path = tmp_path_factory.mktemp("props") / "desk.db"
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    yield SqlUnitOfWork(engine)
    engine.dispose()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(sorted(STEPS)), st.integers(1, 240)), max_size=14))
def test_stored_projection_is_the_fold_of_the_stored_log(uow: SqlUnitOfWork, steps: list[tuple[str, int]]) -> None:
    ref = services.open_ticket(uow=uow, desk=DESK, actor="erin", title="wifi", now=T0).ticket.ref
    at = T0
    for name, minutes in steps:
        at += timedelta(minutes=minutes)
        use_case, actor, kwargs = STEPS[name]
        # A refused step must leave no trace: the equality below checks it.
        with contextlib.suppress(DeskError):
            getattr(services, use_case)(uow=uow, desk=DESK, actor=actor, ref=ref, now=at, **kwargs)
    with uow:
        stored = uow.tickets.get(ref)
        assert stored is not None and stored.id is not None
        log = uow.tickets.events(stored.id)
    assert Ticket.replay(log, id=stored.id, ref=stored.ref).model_dump() == stored.model_dump()
    assert [event.seq for event in log] == list(range(1, stored.last_seq + 1))
    assert 0 <= stored.pending_seconds <= (at - T0).total_seconds()
