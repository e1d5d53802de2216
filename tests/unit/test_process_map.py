"""Process map on a hand-made log: known variants, bottleneck, business hours, ping-pong and pending loops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskops.core.business_calendar import BusinessCalendar
from deskops.core.config.calendars import CalendarConfig
from deskops.core.events import DomainEvent, EventType
from deskops.core.process.loops import pending_loops, ping_pongs
from deskops.core.process.map import matches, process_map
from deskops.core.process.trace import trace_from_events

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
AS_OF = T0 + timedelta(days=30)


def _opened(at: datetime, group: str = "desk", **extra: str) -> DomainEvent:
    payload = {"kind": "incident", "priority": "P3", "group": group, "state": "new", **extra}
    return DomainEvent(type=EventType.TICKET_OPENED, occurred_at=at, actor="ann", payload=payload)


def _state(at: datetime, to_state: str, from_state: str = "", **extra: str) -> DomainEvent:
    if to_state == "resolved":
        return DomainEvent(
            type=EventType.TICKET_RESOLVED, occurred_at=at, actor="bob", payload={"from_state": from_state}
        )
    if to_state == "closed":
        return DomainEvent(
            type=EventType.TICKET_CLOSED, occurred_at=at, actor="bob", payload={"from_state": from_state}
        )
    return DomainEvent(
        type=EventType.STATE_CHANGED,
        occurred_at=at,
        actor="bob",
        payload={"from_state": from_state, "to_state": to_state, **extra},
    )


def _assign(at: datetime, group: str, previous: str) -> DomainEvent:
    return DomainEvent(
        type=EventType.TICKET_ASSIGNED,
        occurred_at=at,
        actor="bob",
        payload={"group": group, "previous_group": previous, "assignee": None},
    )


def _hours(h: float) -> timedelta:
    return timedelta(hours=h)


def _simple(start: datetime, work_hours: float) -> list[DomainEvent]:
    """new (1 h) → in_progress (work_hours) → resolved (24 h) → closed."""
    return [
        _opened(start),
        _state(start + _hours(1), "in_progress", "new"),
        _state(start + _hours(1 + work_hours), "resolved", "in_progress"),
        _state(start + _hours(25 + work_hours), "closed", "resolved"),
    ]


def _waiting(start: datetime) -> list[DomainEvent]:
    """new (1 h) → in_progress (1 h) → pending:customer (30 h) → in_progress (1 h) → resolved → closed."""
    return [
        _opened(start),
        _state(start + _hours(1), "in_progress", "new"),
        _state(start + _hours(2), "pending", "in_progress", pending_reason="customer"),
        _state(start + _hours(32), "in_progress", "pending"),
        _state(start + _hours(33), "resolved", "in_progress"),
        _state(start + _hours(57), "closed", "resolved"),
    ]


def _bouncing(start: datetime) -> list[DomainEvent]:
    """Passed desk → network → desk → network (two ping-pongs), then resolved and closed."""
    return [
        _opened(start),
        _assign(start + _hours(1), "network", "desk"),
        _assign(start + _hours(2), "desk", "network"),
        _assign(start + _hours(3), "network", "desk"),
        _state(start + _hours(4), "resolved", "new"),
        _state(start + _hours(28), "closed", "resolved"),
    ]


def _log() -> list[list[DomainEvent]]:
    """Six simple tickets (work 2 h each), three with a pending stay, one bouncing: 10 tickets."""
    logs = [_simple(T0 + _hours(i), 2) for i in range(6)]
    logs += [_waiting(T0 + _hours(10 + i)) for i in range(3)]
    logs.append(_bouncing(T0 + _hours(20)))
    return logs


def _traces() -> list:
    return [trace_from_events(log, as_of=AS_OF) for log in _log()]


def test_variant_table_is_the_known_one() -> None:
    result = process_map(_traces())
    table = [(" > ".join(v.path), v.tickets) for v in result.state_variants]
    assert table == [
        ("new > in_progress > resolved > closed", 6),
        ("new > in_progress > pending > in_progress > resolved > closed", 3),
        ("new > resolved > closed", 1),
    ]
    assert result.state_variants[0].share == pytest.approx(0.6)
    # Simple tickets: 1 h new + 2 h work = 3 h from opening to resolution (the 24 h waiting to close do not count).
    assert result.state_variants[0].median_hours == pytest.approx(3.0)
    assert result.state_variants[1].median_hours == pytest.approx(33.0)  # 1 + 1 + 30 pending + 1
    groups = {" > ".join(v.path): v.tickets for v in result.group_variants}
    assert groups == {"desk": 9, "desk > network > desk > network": 1}


def test_bottleneck_is_pending_and_resolved_is_not_named() -> None:
    result = process_map(_traces())
    by_state = {figure.name: figure for figure in result.states}
    # Pending: 3 stays × 30 h = 90 h; in_progress: 6 × 2 h + 3 × (1 h + 1 h) = 18 h; new: 9 × 1 h + 4 h = 13 h.
    assert by_state["pending"].total_hours == pytest.approx(90.0)
    assert by_state["in_progress"].total_hours == pytest.approx(18.0)
    assert by_state["new"].total_hours == pytest.approx(13.0)
    assert by_state["resolved"].total_hours == pytest.approx(240.0)  # 10 tickets × 24 h waiting to close
    assert "closed" not in by_state
    assert result.bottleneck_state == "pending"
    assert by_state["in_progress"].stays == 12 and by_state["in_progress"].tickets == 9
    assert by_state["pending"].median_hours == pytest.approx(30.0)
    # Groups count only open time: the bouncing ticket spent 1 h + 1 h with the desk and 1 h + 1 h with network;
    # the desk holds the other nine for 3 h (simple) or 33 h (waiting) each until resolution.
    by_group = {figure.name: figure for figure in result.groups}
    assert by_group["network"].total_hours == pytest.approx(2.0)
    assert by_group["desk"].total_hours == pytest.approx(6 * 3 + 3 * 33 + 2)
    assert result.bottleneck_group == "desk"


def test_business_hours_count_only_open_windows() -> None:
    office = BusinessCalendar.from_config(
        CalendarConfig.model_validate({"timezone": "UTC", "hours": {"mon-fri": ["08:00-17:00"]}}), name="office"
    )
    log = _waiting(T0)  # pending from Mon 10:00 to Tue 16:00 UTC: 7 h on Monday + 8 h on Tuesday
    result = process_map([trace_from_events(log, as_of=AS_OF)], calendar=office)
    pending = next(figure for figure in result.states if figure.name == "pending")
    assert pending.median_hours == pytest.approx(30.0)
    assert pending.business_median_hours == pytest.approx(15.0)
    assert result.business_calendar == "office"


def test_ping_pong_and_pending_loops_are_found() -> None:
    assert ping_pongs(("desk", "network", "desk", "network")) == [("desk", "network"), ("network", "desk")]
    assert ping_pongs(("desk", "network", "apps")) == []
    assert pending_loops(("new", "pending", "in_progress", "pending", "resolved")) == 1
    assert pending_loops(("new", "pending", "resolved", "pending")) == 0  # a reopen, not a resumed loop
    loops = process_map(_traces()).loops
    assert loops.ping_pong_tickets == 1 and loops.ping_pong_rate == pytest.approx(0.1)
    assert [(p.first, p.second, p.tickets) for p in loops.pairs] == [("desk", "network", 1), ("network", "desk", 1)]
    assert loops.pending_loop_tickets == 0


def test_open_ticket_is_measured_until_as_of_and_filters_apply() -> None:
    start = AS_OF - _hours(5)
    trace = trace_from_events([_opened(start, category="network")], as_of=AS_OF)
    assert trace.finished_at is None
    assert trace.states[0].seconds == 5 * 3600
    assert matches(trace, {"category": "network", "group": "desk"})
    assert not matches(trace, {"category": "email"})
    assert not matches(trace, {"group": "network"})
