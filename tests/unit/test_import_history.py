"""The shared fold: snapshots of a ticket become the events a chat ticket has, and its projection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from deskops.core.events import EventType
from deskops.core.importing.history import build_ticket
from deskops.core.importing.records import Snapshot, SourceFigures, TicketHeader
from deskops.core.tickets import Ticket

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def header(**changes: object) -> TicketHeader:
    values: dict[str, object] = dict(
        ref="X-1", kind="incident", title="VPN drops", requester="dave", opened_at=T0, opened_by="alice", source="test"
    )
    values.update(changes)
    return TicketHeader(**values)  # type: ignore[arg-type]


def snap(minutes: int, state: str, **fields: object) -> Snapshot:
    return Snapshot(at=at(minutes), actor="alice", state=state, **fields)  # type: ignore[arg-type]


LIFE = [
    snap(0, "new", urgency="high", impact="medium", priority="P2", group="service-desk"),
    snap(10, "in_progress", assignee="alice"),
    snap(20, "pending", pending_reason="customer"),
    snap(80, "in_progress"),
    snap(90, "in_progress", group="network", assignee="bob", priority="P1", urgency="high", impact="high"),
    snap(120, "resolved", resolution_code="fixed"),
    snap(130, "in_progress"),
    snap(140, "pending", pending_reason="supplier"),
    snap(170, "pending"),
    snap(200, "resolved", resolution_code="fixed"),
    snap(300, "closed"),
]


def test_a_whole_life_gives_the_chat_events_in_order() -> None:
    ticket = build_ticket(header(), LIFE)
    types = [event.type for event in ticket.events]
    assert types == [
        EventType.TICKET_OPENED,
        EventType.TICKET_ASSIGNED,  # alice takes it
        EventType.STATE_CHANGED,  # new → in_progress
        EventType.TICKET_ACKNOWLEDGED,
        EventType.STATE_CHANGED,  # → pending customer
        EventType.STATE_CHANGED,  # → in_progress
        EventType.PRIORITY_CHANGED,
        EventType.TICKET_ASSIGNED,  # → network / bob
        EventType.TICKET_RESOLVED,
        EventType.TICKET_REOPENED,
        EventType.STATE_CHANGED,  # → pending supplier (the row at 170 repeats it: no event)
        EventType.TICKET_RESOLVED,
        EventType.TICKET_CLOSED,
    ]
    assert [event.occurred_at for event in ticket.events] == sorted(event.occurred_at for event in ticket.events)
    reopened = ticket.events[9]
    assert reopened.payload == {"from_state": "resolved", "to_state": "in_progress", "reason": "imported"}
    assert ticket.events[10].payload["pending_reason"] == "supplier"


def test_projection_counts_pending_time_reopens_and_hops() -> None:
    p = build_ticket(header(), LIFE).projection
    assert p["pending_seconds"] == (60 + 60) * 60  # 20→80 waiting on the customer, 140→200 on the supplier
    assert p["reopen_count"] == 1
    assert p["reassignment_count"] == 1  # service-desk → network; the first routing is not a hop
    assert (p["state"], p["group_name"], p["assignee"], p["priority"]) == ("closed", "network", "bob", "P1")
    assert (p["acknowledged_at"], p["resolved_at"], p["closed_at"]) == (at(10), at(200), at(300))
    assert p["last_seq"] == 13


def test_the_engine_fold_over_the_imported_events_gives_the_same_projection() -> None:
    imported = build_ticket(header(), LIFE)
    replayed = Ticket.replay(imported.events, ref="X-1")
    p = imported.projection
    for name in ("state", "urgency", "impact", "priority", "category", "requester", "assignee", "opened_at",
                 "acknowledged_at", "resolved_at", "closed_at", "pending_seconds", "reopen_count",
                 "reassignment_count", "last_seq", "updated_at", "title", "channel"):
        assert getattr(replayed, name) == p[name], name
    assert replayed.group == p["group_name"]


def test_source_figures_win_and_each_difference_is_noticed() -> None:
    figures = SourceFigures(resolved_at=None, closed_at=at(300), reassignment_count=3, reopen_count=1)
    ticket = build_ticket(header(), LIFE, figures)
    assert ticket.projection["resolved_at"] is None
    assert ticket.projection["reassignment_count"] == 3
    codes = {notice.code for notice in ticket.notices}
    assert codes == {"resolved_without_time", "reassignment_count_differs"}


def test_an_update_timed_before_the_previous_one_is_kept_in_order() -> None:
    life = [snap(0, "new"), snap(30, "in_progress"), snap(20, "resolved")]
    ticket = build_ticket(header(), life)
    assert ticket.events[-1].occurred_at == at(30)
    assert [notice.code for notice in ticket.notices] == ["out_of_order"]


def test_a_pending_row_without_a_reason_keeps_the_reason_it_had() -> None:
    life = [snap(0, "pending", pending_reason="change"), snap(5, "pending"), snap(9, "in_progress")]
    ticket = build_ticket(header(), life)
    changes = [event for event in ticket.events if event.type is EventType.STATE_CHANGED]
    assert [c.payload.get("pending_reason") for c in changes] == ["change", None]
    assert ticket.projection["pending_seconds"] == 9 * 60


def test_overlong_texts_are_shortened_to_fit_the_store() -> None:
    ticket = build_ticket(header(title="x" * 500), [snap(0, "new", group="g" * 200)])
    assert len(ticket.projection["title"]) == 300
    assert len(ticket.projection["group_name"]) == 128
    assert "text_clipped" in {notice.code for notice in ticket.notices}


def test_a_reopen_straight_into_pending_keeps_its_reason_through_the_engine_fold() -> None:
    life = [snap(0, "new"), snap(10, "resolved"), snap(20, "pending", pending_reason="customer"), snap(50, "resolved")]
    imported = build_ticket(header(), life)
    kinds = [(e.type, e.payload.get("to_state")) for e in imported.events]
    assert kinds[-3:] == [(EventType.TICKET_REOPENED, "in_progress"), (EventType.STATE_CHANGED, "pending"),
                          (EventType.TICKET_RESOLVED, "resolved")]
    replayed = Ticket.replay(imported.events[:-1])
    assert (replayed.state, replayed.pending_reason) == ("pending", "customer")
    assert imported.projection["pending_seconds"] == 30 * 60 == Ticket.replay(imported.events).pending_seconds
