"""SLA clock properties over random ticket histories: time only adds up, breaches never heal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from deskops.core.config.agreements import AgreementConfig
from deskops.core.config.calendars import CalendarConfig
from deskops.core.events import DomainEvent, EventType
from deskops.core.sla import ClockState, calendars_from_config, evaluate_events

CALENDARS = calendars_from_config({
    "office": CalendarConfig.model_validate({"timezone": "Europe/Zurich", "hours": {"mon-fri": ["08:00-17:00"]}}),
})  # fmt: skip
AGREEMENTS = {
    "sla": AgreementConfig.model_validate({
        "calendar": "office",
        "targets": {"P1": {"response": "30m", "resolution": "4h", "update": "1h"}, "P2": {"resolution": "8h"},
                    "P3": {"resolution": "16h"}},
    }),
}  # fmt: skip
T0 = datetime(2026, 3, 23, 7, 0, tzinfo=UTC)  # a Monday, the week of the spring DST change

# (event kind, payload) a random history is made of; the aggregate's rules are not enforced on purpose:
# the clocks must cope with any log (imports replay real histories that broke our rules).
STEPS = [
    (EventType.STATE_CHANGED, {"from_state": "x", "to_state": "pending", "pending_reason": "customer"}),
    (EventType.STATE_CHANGED, {"from_state": "x", "to_state": "pending", "pending_reason": "supplier"}),
    (EventType.STATE_CHANGED, {"from_state": "x", "to_state": "in_progress"}),
    (EventType.TICKET_RESOLVED, {"from_state": "x", "to_state": "resolved"}),
    (EventType.TICKET_REOPENED, {"from_state": "resolved", "to_state": "in_progress"}),
    (EventType.TICKET_ACKNOWLEDGED, {}),
    (EventType.PRIORITY_CHANGED, {"priority": "P1"}),
    (EventType.PRIORITY_CHANGED, {"priority": "P3"}),
    (EventType.COMMENT_ADDED, {"visibility": "public", "text": "?"}),
]


@st.composite
def histories(draw: st.DrawFn) -> list[DomainEvent]:
    """An opening at T0 and up to 12 random events at increasing times within three weeks."""
    events = [DomainEvent(type=EventType.TICKET_OPENED, occurred_at=T0, actor="dave",
                          payload={"requester": "dave", "priority": draw(st.sampled_from(["P1", "P2", "P3"])),
                                   "state": "new"})]  # fmt: skip
    at = T0
    for _ in range(draw(st.integers(0, 12))):
        at += timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))
        kind, payload = draw(st.sampled_from(STEPS))
        actor = draw(st.sampled_from(["dave", "alice"])) if kind == EventType.COMMENT_ADDED else "alice"
        events.append(DomainEvent(type=kind, occurred_at=at, actor=actor, payload=payload))
    return events


@settings(max_examples=80, deadline=None)
@given(histories(), st.integers(0, 21 * 24 * 60), st.integers(1, 7 * 24 * 60))
def test_consumed_only_grows_breaches_never_heal_and_time_is_bounded(events: list[DomainEvent], first: int,
                                                                    step: int) -> None:
    earlier_at = T0 + timedelta(minutes=first)
    later_at = earlier_at + timedelta(minutes=step)
    earlier = {s.name: s for s in evaluate_events(events, agreements=AGREEMENTS, calendars=CALENDARS, now=earlier_at)}
    later = {s.name: s for s in evaluate_events(events, agreements=AGREEMENTS, calendars=CALENDARS, now=later_at)}
    for name, before in earlier.items():
        assert timedelta(0) <= before.consumed <= earlier_at - before.started_at
        after = later.get(name)
        if after is None:
            continue  # a newer update clock replaced this one
        assert after.consumed >= before.consumed
        if before.state == ClockState.BREACHED:
            assert after.state == ClockState.BREACHED
        assert after.due >= after.started_at
        assert after.crossed == tuple(sorted(after.crossed))
