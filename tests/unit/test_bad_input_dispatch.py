"""Through the whole dispatcher on a real store: bad input always gets a reply, and a refusal changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from deskops.bot.commands.model import Actor, Command
from deskops.bot.runtime import Runtime, Settings
from deskops.core.persistence.tables import OutboxRow, TicketEventRow, TicketRow

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
PEOPLE = ["alice", "carol", "dave", "nobody", "", "ALICE", "dave\u200b", "<@U123>"]
ATTACKS = st.sampled_from(
    [
        '/ticket open "<!channel> please" --urgency high',
        "/ticket open '; DROP TABLE tickets;--",
        '/ticket open "' + "x" * 5000 + '"',
        "/ticket comment INC-1 " + "y" * 20000,
        "/ticket assign INC-1 nobody",
        "/ticket show INC-999999999999999999999",
        "/ticket resolve INC-1 --code",
        "/ticket open \x00\x01\x02",
        "/ticket open \u202eevil",
        "/ticket pending INC-1 --reason lunch",
        "/sla risk --percent -5",
        "/ticket list queue nowhere",
    ]
)
LINES = ATTACKS | st.text(max_size=200).map(lambda t: "/ticket " + t) | st.text(max_size=200)


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    path = tmp_path_factory.mktemp("bad") / "desk.db"
    built = Runtime.build(
        Settings(database_url=f"sqlite:///{path}", config_path=REPO / "config/desk.yaml", clock_start=START)
    )
    assert built.dispatcher.dispatch_text('/ticket open "VPN drops" --category network', Actor("dave")).ok
    yield built
    built.stop()


def _state(runtime: Runtime) -> tuple[int, int, int, int]:
    with runtime.engine.connect() as connection:
        return (
            connection.execute(select(func.count()).select_from(TicketRow)).scalar_one(),
            connection.execute(select(func.count()).select_from(TicketEventRow)).scalar_one(),
            connection.execute(select(func.count()).select_from(OutboxRow)).scalar_one(),
            connection.execute(select(func.max(TicketRow.last_seq))).scalar_one() or 0,
        )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=LINES, person=st.sampled_from(PEOPLE))
def test_a_refused_line_changes_nothing(runtime: Runtime, line: str, person: str) -> None:
    before = _state(runtime)
    reply = runtime.dispatcher.dispatch_text(line, Actor(person))
    assert reply.text.strip()
    assert reply.data.get("error") != "internal", (line, reply.text)  # a refusal, never "something went wrong"
    if not reply.ok:
        assert _state(runtime) == before, (line, reply.text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(max_size=20) | st.sampled_from(["ticket.open", "ticket.assign", "ticket.resolve", "admin.reload"]),
    args=st.dictionaries(
        st.text(max_size=10),
        st.none() | st.integers() | st.text(max_size=50) | st.lists(st.text(max_size=5)),
        max_size=4,
    ),
    person=st.sampled_from(PEOPLE),
)
def test_a_forged_button_press_is_refused_without_change(runtime: Runtime, name: str, args: dict, person: str) -> None:  # type: ignore[type-arg]
    before = _state(runtime)
    reply = runtime.dispatcher.dispatch(Command(name=name, actor=Actor(person), args=args))
    assert reply.text.strip() and reply.data.get("error") != "internal", (name, args, reply.text)
    if not reply.ok:
        assert _state(runtime) == before


def test_an_oversized_title_is_refused_with_the_limit(runtime: Runtime) -> None:
    before = _state(runtime)
    reply = runtime.dispatcher.dispatch_text('/ticket open "' + "x" * 5000 + '"', Actor("dave"))
    assert not reply.ok and reply.data["error"] == "usage" and any(ch.isdigit() for ch in reply.text)
    assert _state(runtime) == before
