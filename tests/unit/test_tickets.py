"""The ticket aggregate: every transition of the table, the fold, pending time, acknowledgement, hops."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskops.core.errors import DeskError, InvalidTransition
from deskops.core.events import EventType, RecordedEvent
from deskops.core.tickets import (
    REOPENABLE,
    TRANSITIONS,
    CommentVisibility,
    PendingReason,
    Ticket,
    TicketKind,
    TicketState,
)

T0 = datetime(2026, 6, 15, 7, 0, tzinfo=UTC)


def opened(*, group: str | None = None) -> Ticket:
    """A fresh incident from erin."""
    return Ticket.open(
        kind=TicketKind.INCIDENT, title="VPN drops", requester="erin", actor="erin", at=T0, group=group, priority="P3"
    )


def in_state(state: TicketState) -> Ticket:
    """A ticket brought to `state` through the commands (so it is a reachable state)."""
    t = opened(group="service-desk")
    at = T0 + timedelta(minutes=1)
    if state == TicketState.NEW:
        return t
    if state == TicketState.CANCELLED:
        t.cancel(reason="duplicate", actor="alice", at=at)
        return t
    t.assign(group="service-desk", assignee="alice", reason="", actor="alice", at=at)
    if state == TicketState.ASSIGNED:
        return t
    t.start_work(actor="alice", at=at)
    if state == TicketState.IN_PROGRESS:
        return t
    if state == TicketState.PENDING:
        t.set_pending(reason=PendingReason.SUPPLIER, note="", actor="alice", at=at)
        return t
    t.resolve(resolution_code="fixed", note="", actor="alice", at=at)
    if state == TicketState.RESOLVED:
        return t
    t.close(actor="alice", at=at)
    assert state == TicketState.CLOSED
    return t


AT = T0 + timedelta(hours=1)

# Each command that moves the state, and the state it aims at from a held (assigned) ticket.
COMMANDS: dict[str, tuple[Callable[[Ticket], None], TicketState]] = {
    "start_work": (lambda t: t.start_work(actor="alice", at=AT), TicketState.IN_PROGRESS),
    "resume": (lambda t: t.resume(actor="alice", at=AT), TicketState.IN_PROGRESS),
    "set_pending": (
        lambda t: t.set_pending(reason=PendingReason.CUSTOMER, note="", actor="alice", at=AT),
        TicketState.PENDING,
    ),
    "resolve": (lambda t: t.resolve(resolution_code="fixed", note="", actor="alice", at=AT), TicketState.RESOLVED),
    "reopen": (lambda t: t.reopen(reason="again", actor="erin", at=AT), TicketState.IN_PROGRESS),
    "close": (lambda t: t.close(actor="alice", at=AT), TicketState.CLOSED),
    "cancel": (lambda t: t.cancel(reason="dup", actor="erin", at=AT), TicketState.CANCELLED),
}

# Commands that the table alone does not describe: they name the states they start from.
ONLY_FROM = {"reopen": REOPENABLE, "resume": {TicketState.PENDING}}

@pytest.mark.parametrize("state", list(TicketState), ids=str)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_follows_the_transition_table(state: TicketState, command: str) -> None:
    ticket = in_state(state)
    run, target = COMMANDS[command]
    before = ticket.model_dump()
    seq_before = len(ticket.new_events())
    if command == "reopen":
        target = TicketState.IN_PROGRESS if ticket.assignee else TicketState.ASSIGNED
    allowed = target in TRANSITIONS[state] and state in ONLY_FROM.get(command, TRANSITIONS.keys())
    if state == target == TicketState.PENDING:
        allowed = True  # changing the pending reason is allowed (it records the new reason)
    if allowed:
        run(ticket)
        assert ticket.state == target
        assert len(ticket.new_events()) > seq_before
    else:
        with pytest.raises(InvalidTransition) as refused:
            run(ticket)
        # The refusal names the state and the allowed next states, and changes nothing.
        assert str(state) in refused.value.message
        for allowed_state in TRANSITIONS[state]:
            assert str(allowed_state) in refused.value.message
        assert refused.value.hint
        assert ticket.model_dump() == before
        assert len(ticket.new_events()) == seq_before


def test_the_table_keeps_the_life_cycle_rules() -> None:
    assert TRANSITIONS[TicketState.CANCELLED] == frozenset(), "cancelled is final"
    assert [s for s, targets in TRANSITIONS.items() if TicketState.CLOSED in targets] == [TicketState.RESOLVED]
    assert {TicketState.RESOLVED, TicketState.CLOSED} == REOPENABLE
    for state, targets in TRANSITIONS.items():
        assert state not in targets, f"{state} lists itself"


@pytest.mark.parametrize("state", [TicketState.RESOLVED, TicketState.CLOSED, TicketState.CANCELLED], ids=str)
def test_closed_tickets_cannot_be_assigned_or_classified(state: TicketState) -> None:
    ticket = in_state(state)
    with pytest.raises(InvalidTransition):
        ticket.assign(group="network", assignee=None, reason="", actor="alice", at=AT)
    with pytest.raises(InvalidTransition):
        ticket.change_priority(urgency="high", impact="high", priority="P1", reason="", actor="alice", at=AT)


def test_resume_refuses_a_ticket_that_is_not_pending() -> None:
    ticket = in_state(TicketState.IN_PROGRESS)
    with pytest.raises(InvalidTransition, match="not pending"):
        ticket.resume(actor="alice", at=AT)


def test_reopen_returns_to_whoever_held_it() -> None:
    held = in_state(TicketState.RESOLVED)
    held.reopen(reason="again", actor="erin", at=AT)
    assert (held.state, held.assignee, held.reopen_count) == (TicketState.IN_PROGRESS, "alice", 1)
    assert held.resolved_at is None

    queued = opened(group="network")
    queued.resolve(resolution_code="fixed", note="", actor="alice", at=AT)
    queued.reopen(reason="again", actor="erin", at=AT + timedelta(minutes=1))
    assert queued.state == TicketState.ASSIGNED

    nowhere = opened()
    nowhere.resolve(resolution_code="fixed", note="", actor="alice", at=AT)
    nowhere.reopen(reason="again", actor="erin", at=AT + timedelta(minutes=1))
    assert nowhere.state == TicketState.NEW


def test_pending_time_accumulates_over_spans() -> None:
    ticket = in_state(TicketState.IN_PROGRESS)
    ticket.set_pending(reason=PendingReason.CUSTOMER, note="logs?", actor="alice", at=T0 + timedelta(hours=1))
    assert ticket.pending_reason == PendingReason.CUSTOMER
    ticket.resume(actor="alice", at=T0 + timedelta(hours=1, minutes=30))
    ticket.set_pending(reason=PendingReason.CHANGE, note="", actor="alice", at=T0 + timedelta(hours=2))
    ticket.resolve(resolution_code="fixed", note="", actor="alice", at=T0 + timedelta(hours=3))
    assert ticket.pending_seconds == 30 * 60 + 60 * 60
    assert ticket.pending_since is None and ticket.pending_reason is None


def test_acknowledged_once_by_first_person_assignment() -> None:
    ticket = opened(group="service-desk")
    ticket.assign(group="network", assignee=None, reason="", actor="alice", at=T0 + timedelta(minutes=1))
    assert ticket.acknowledged_at is None  # a queue is not a person taking it in hand
    ticket.assign(group="network", assignee="bob", reason="", actor="alice", at=T0 + timedelta(minutes=2))
    ticket.start_work(actor="bob", at=T0 + timedelta(minutes=3))
    acks = [e for _, e in ticket.new_events() if e.type == EventType.TICKET_ACKNOWLEDGED]
    assert len(acks) == 1
    assert ticket.acknowledged_at == T0 + timedelta(minutes=2)


def test_start_work_acknowledges_and_takes_the_ticket() -> None:
    ticket = opened()
    ticket.start_work(actor="alice", at=T0 + timedelta(minutes=4))
    assert (ticket.state, ticket.assignee, ticket.acknowledged_at) == (
        TicketState.IN_PROGRESS,
        "alice",
        T0 + timedelta(minutes=4),
    )


def test_reassignment_counts_group_changes_not_the_first_routing() -> None:
    ticket = opened()
    for minute, group in enumerate(["service-desk", "network", "network", "service-desk"], start=1):
        ticket.assign(group=group, assignee=None, reason="", actor="alice", at=T0 + timedelta(minutes=minute))
    assert ticket.reassignment_count == 2


def test_moving_an_in_progress_ticket_to_a_queue_hands_it_back() -> None:
    ticket = in_state(TicketState.IN_PROGRESS)
    ticket.assign(group="network", assignee=None, reason="needs network", actor="alice", at=AT)
    assert (ticket.state, ticket.assignee, ticket.group) == (TicketState.ASSIGNED, None, "network")


def test_empty_comment_is_refused() -> None:
    ticket = opened()
    with pytest.raises(DeskError):
        ticket.add_comment(visibility=CommentVisibility.PUBLIC, text="   ", actor="erin", at=AT)


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        opened().resolve(resolution_code="fixed", note="", actor="alice", at=datetime(2026, 6, 15, 9, 0))


def _recorded(ticket: Ticket) -> list[RecordedEvent]:
    return [RecordedEvent(ticket_id=1, seq=seq, **event.model_dump()) for seq, event in ticket.new_events()]


def test_fold_of_the_log_equals_the_live_projection() -> None:
    ticket = in_state(TicketState.CLOSED)
    ticket.reopen(reason="again", actor="erin", at=AT)
    replayed = Ticket.replay(_recorded(ticket))
    assert replayed.model_dump() == ticket.model_dump()
    assert [seq for seq, _ in ticket.new_events()] == list(range(1, ticket.last_seq + 1))


_STEPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "assign_group",
                "assign_person",
                "start",
                "pending",
                "resume",
                "resolve",
                "reopen",
                "close",
                "cancel",
                "comment",
                "classify",
            ]
        ),
        st.integers(min_value=1, max_value=600),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(_STEPS)
def test_any_sequence_of_commands_replays_to_the_same_ticket(steps: list[tuple[str, int]]) -> None:
    ticket = opened()
    at = T0
    for name, minutes in steps:
        at += timedelta(minutes=minutes)
        try:
            _run(ticket, name, at)
        except DeskError:
            continue
    assert Ticket.replay(_recorded(ticket)).model_dump() == ticket.model_dump()
    # Pending seconds never exceed the ticket's age, and never go negative.
    assert 0 <= ticket.pending_seconds <= (at - T0).total_seconds()


def _run(ticket: Ticket, name: str, at: datetime) -> None:
    match name:
        case "assign_group":
            ticket.assign(
                group="network" if ticket.group != "network" else "workplace",
                assignee=None,
                reason="",
                actor="alice",
                at=at,
            )
        case "assign_person":
            ticket.assign(group=ticket.group, assignee="bob", reason="", actor="alice", at=at)
        case "start":
            ticket.start_work(actor="bob", at=at)
        case "pending":
            ticket.set_pending(reason=PendingReason.SUPPLIER, note="", actor="bob", at=at)
        case "resume":
            ticket.resume(actor="bob", at=at)
        case "resolve":
            ticket.resolve(resolution_code="fixed", note="", actor="bob", at=at)
        case "reopen":
            ticket.reopen(reason="again", actor="erin", at=at)
        case "close":
            ticket.close(actor="bob", at=at)
        case "cancel":
            ticket.cancel(reason="dup", actor="erin", at=at)
        case "comment":
            ticket.add_comment(visibility=CommentVisibility.INTERNAL, text="note", actor="bob", at=at)
        case "classify":
            ticket.change_priority(urgency="high", impact="low", priority="P3", reason="", actor="bob", at=at)


def test_fold_accepts_imported_facts_that_break_the_rules() -> None:
    """Imported histories (closed without resolution) fold without being refused."""
    events = [
        RecordedEvent(
            ticket_id=7,
            seq=1,
            type=EventType.TICKET_OPENED,
            occurred_at=T0,
            actor="x",
            payload={"kind": "incident", "title": "t", "requester": "c", "state": "new"},
        ),
        RecordedEvent(
            ticket_id=7,
            seq=2,
            type=EventType.TICKET_CLOSED,
            occurred_at=T0 + timedelta(days=5),
            actor="x",
            payload={"from_state": "new"},
        ),
    ]
    ticket = Ticket.replay(events, id=7, ref="INC0000045")
    assert (ticket.state, ticket.closed_at, ticket.resolved_at, ticket.last_seq) == (
        TicketState.CLOSED,
        T0 + timedelta(days=5),
        None,
        2,
    )


def test_functional_escalation_is_a_hop_and_returns_the_ticket_to_the_new_queue() -> None:
    ticket = in_state(TicketState.IN_PROGRESS)
    ticket.escalate(level="functional", group="network", reason="resolution target breached", actor="sla", at=AT)
    assert (ticket.group, ticket.assignee, ticket.state) == ("network", None, TicketState.ASSIGNED)
    assert (ticket.escalation_count, ticket.reassignment_count) == (1, 1)
    ticket.escalate(level="hierarchical", notified=("carol",), reason="75 % used", actor="sla", at=AT)
    assert (ticket.group, ticket.escalation_count, ticket.reassignment_count) == ("network", 2, 1)
    assert Ticket.replay(_recorded(ticket)).model_dump() == ticket.model_dump()
    with pytest.raises(DeskError, match="needs the group"):
        ticket.escalate(level="functional", reason="", actor="sla", at=AT)
    with pytest.raises(InvalidTransition):
        in_state(TicketState.RESOLVED).escalate(level="hierarchical", reason="", actor="sla", at=AT)


def test_other_areas_record_their_events_but_not_the_tickets_own() -> None:
    ticket = in_state(TicketState.IN_PROGRESS)
    ticket.record(EventType.SLA_WARNING, "sla", AT, clock="resolution", threshold_percent=75, due="x")
    assert ticket.new_events()[-1][1].type == EventType.SLA_WARNING
    assert ticket.state == TicketState.IN_PROGRESS and ticket.updated_at == AT
    with pytest.raises(ValueError, match="own command"):
        ticket.record(EventType.TICKET_RESOLVED, "sla", AT)


@pytest.mark.parametrize("actor", ["", "   ", "x" * 129])
def test_an_unknown_actor_is_refused(actor: str) -> None:
    ticket = opened()
    with pytest.raises(DeskError, match="Who is acting"):
        ticket.add_comment(visibility=CommentVisibility.PUBLIC, text="hi", actor=actor, at=AT)
    assert ticket.last_seq == 1
