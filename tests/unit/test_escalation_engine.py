"""Escalation policies and the pure engine: timing, repeats, windows, SLA thresholds, acknowledgement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from deskops.core.config.escalation import EscalationConfig, PolicyConfig, escalation_reference_problems
from deskops.core.escalation.engine import (
    DueStep,
    EscalationState,
    EscalationStatus,
    advance,
    stop,
)
from deskops.core.escalation.policy import PolicySnapshot, select_policy

START = datetime(2026, 3, 24, 10, 0, tzinfo=UTC)  # a Tuesday

THREE_STEPS = {
    "steps": [
        {"after": "0m", "page": {"user": "primary"}},
        {"after": "5m", "page": {"user": "secondary"}},
        {"after": "15m", "notify": {"role": "manager"}},
    ]
}


def snapshot(policy: dict[str, Any], start: datetime = START) -> PolicySnapshot:
    return PolicySnapshot.take("p", PolicyConfig.model_validate(policy), at=start)


def run(
    snap: PolicySnapshot,
    until: datetime,
    *,
    tick: timedelta = timedelta(seconds=1),
    ack_at: datetime | None = None,
    sla_due: dict[tuple[str, int], datetime] | None = None,
) -> list[tuple[datetime, DueStep]]:
    """Tick the engine like a scheduler would, acknowledging at `ack_at`; return what fired and when."""
    state, now, fired = EscalationState(), snap.started_at, []
    while now <= until:
        if ack_at is not None and now >= ack_at and state.status is EscalationStatus.ACTIVE:
            state = stop(state, EscalationStatus.ACKNOWLEDGED)
        while True:
            decision = advance(snap, state, now, sla_due=sla_due)
            state = decision.state
            if decision.fire is None:
                break
            fired.append((now, decision.fire))
        now += tick
    return fired


def test_primary_acknowledging_at_45_seconds_means_exactly_one_notification() -> None:
    fired = run(snapshot(THREE_STEPS), START + timedelta(hours=1), ack_at=START + timedelta(seconds=45))
    assert [(at, d.step.page.user if d.step.page else None) for at, d in fired] == [(START, "primary")]


def test_without_acknowledgement_each_step_fires_once_at_its_time_then_the_chain_is_exhausted() -> None:
    snap = snapshot(THREE_STEPS)
    fired = run(snap, START + timedelta(hours=2))
    assert [at - START for at, _ in fired] == [timedelta(0), timedelta(minutes=5), timedelta(minutes=15)]
    assert [d.key for _, d in fired] == ["t0", "t1", "t2"]
    last = advance(snap, EscalationState(position=3), START + timedelta(hours=3))
    assert last.fire is None and last.next_due_at is None and last.state.status is EscalationStatus.EXHAUSTED


def test_next_due_at_is_the_next_steps_instant_so_the_store_can_wait_for_it() -> None:
    snap = snapshot(THREE_STEPS)
    first = advance(snap, EscalationState(), START)
    assert first.fire is not None and first.next_due_at == START + timedelta(minutes=5)
    early = advance(snap, first.state, START + timedelta(minutes=4, seconds=59))
    assert early.fire is None and early.state == first.state and early.next_due_at == START + timedelta(minutes=5)


def test_repeat_runs_the_timed_chain_again_after_the_pause() -> None:
    policy = {"repeat": 2, "repeat_after": "10m", **THREE_STEPS}
    fired = run(snapshot(policy), START + timedelta(hours=3), tick=timedelta(seconds=30))
    minutes = [int((at - START).total_seconds() // 60) for at, _ in fired]
    assert minutes == [0, 5, 15, 25, 30, 40, 50, 55, 65]  # cycle length = 15m + 10m
    assert [d.cycle for _, d in fired] == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_after_an_outage_every_overdue_step_fires_once_in_order() -> None:
    snap = snapshot(THREE_STEPS)
    state, fired = EscalationState(), []
    now = START + timedelta(minutes=20)  # the process was down for the whole chain
    while (decision := advance(snap, state, now)).fire is not None:
        fired.append(decision.fire.key)
        state = decision.state
    assert fired == ["t0", "t1", "t2"]
    assert advance(snap, state, now + timedelta(hours=1)).fire is None


def test_a_step_outside_its_window_waits_for_the_window_to_open_in_its_zone() -> None:
    zurich = ZoneInfo("Europe/Zurich")
    friday_evening = datetime(2026, 3, 27, 17, 58, tzinfo=zurich)
    policy = {
        "steps": [
            {"after": "0m", "page": {"user": "primary"}},
            {"after": "5m", "page": {"group": "network"},
             "window": {"timezone": "Europe/Zurich", "hours": {"mon-fri": "08:00-18:00"}}},
        ]
    }
    snap = snapshot(policy, friday_evening)
    first = advance(snap, EscalationState(), friday_evening)
    # 18:03 on Friday is outside; the window opens Monday 08:00, after the DST change (CEST, +02:00)
    assert first.next_due_at == datetime(2026, 3, 30, 8, 0, tzinfo=zurich)
    assert first.next_due_at == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


def test_sla_threshold_steps_fire_once_when_the_clock_reaches_them_and_wait_while_unknown() -> None:
    policy = {"steps": [
        {"sla": {"clock": "resolution", "percent": 75}, "notify": {"role": "manager"}},
        {"sla": {"clock": "resolution", "percent": 100}, "reassign": "next-level"},
    ]}
    snap = snapshot(policy)
    unknown = advance(snap, EscalationState(), START + timedelta(days=3))
    assert unknown.fire is None and unknown.waiting_on_sla and unknown.state.status is EscalationStatus.ACTIVE
    thresholds = {("resolution", 75): START + timedelta(hours=3), ("resolution", 100): START + timedelta(hours=4)}
    fired = run(snap, START + timedelta(hours=5), tick=timedelta(minutes=1), sla_due=thresholds)
    assert [(at - START, d.step.action) for at, d in fired] == [
        (timedelta(hours=3), "notify"),
        (timedelta(hours=4), "reassign"),
    ]


def test_nothing_fires_once_acknowledged_resolved_or_stopped_even_if_overdue() -> None:
    snap = snapshot(THREE_STEPS)
    for status in (EscalationStatus.ACKNOWLEDGED, EscalationStatus.RESOLVED, EscalationStatus.STOPPED):
        decision = advance(snap, stop(EscalationState(position=1), status), START + timedelta(hours=1))
        assert decision.fire is None and decision.next_due_at is None and decision.state.status is status
    with pytest.raises(ValueError, match="ends an escalation"):
        stop(EscalationState(), EscalationStatus.ACTIVE)


def test_snapshot_round_trips_through_json_with_its_durations() -> None:
    snap = snapshot({"repeat": 1, "repeat_after": "7m", **THREE_STEPS})
    again = PolicySnapshot.from_json(snap.to_json())
    assert again == snap
    assert again.cycle_length() == timedelta(minutes=22)


ESCALATION = EscalationConfig.model_validate({
    "major_incident": {"policy": "major", "priorities": ["P1"]},
    "policies": {
        "major": {"steps": [{"page": {"schedule": "net"}}]},
        "network-p2": {
            "match": {"priorities": ["P2"], "groups": ["network"]},
            "steps": [{"page": {"group": "network"}}],
        },
        "fallback": {"steps": [{"sla": {"percent": 100}, "notify": {"role": "manager"}}]},
    },
})


@pytest.mark.parametrize(
    ("ticket", "expected"),
    [
        ({"priority": "P1", "group": "workplace"}, "major"),
        ({"priority": "P3", "group": "workplace", "major": True}, "major"),
        ({"priority": "P2", "group": "network"}, "network-p2"),
        ({"priority": "P2", "group": "workplace"}, "fallback"),
        ({"priority": None, "group": None}, "fallback"),
    ],
)
def test_policy_selection_majors_first_then_first_match(ticket: dict[str, Any], expected: str) -> None:
    chosen = select_policy(ESCALATION, kind="incident", category=None, **ticket)
    assert chosen is not None and chosen[0] == expected


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"after": "5m", "page": {"user": "a"}, "notify": {"user": "b"}}, "exactly one action"),
        ({"after": "5m", "sla": {"percent": 75}, "page": {"user": "a"}}, "not both"),
        ({"page": {"user": "a", "group": "g"}}, "exactly one target"),
        ({"page": {}}, "exactly one target"),
        ({"after": "soon", "page": {"user": "a"}}, "bad duration"),
        ({"page": {"user": "a"}, "window": {"timezone": "Mars/Base", "hours": {"mon": "08:00-09:00"}}}, "time zone"),
    ],
)
def test_bad_steps_are_refused_with_what_to_write(step: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PolicyConfig.model_validate({"steps": [step]})


def test_timed_steps_out_of_order_and_unknown_references_are_refused() -> None:
    with pytest.raises(ValidationError, match="order they fire"):
        PolicyConfig.model_validate(
            {"steps": [{"after": "5m", "page": {"user": "a"}}, {"after": "1m", "page": {"user": "b"}}]}
        )
    with pytest.raises(ValidationError, match="unknown policy"):
        EscalationConfig.model_validate({"major_incident": {"policy": "nope"}})
    problems = escalation_reference_problems(ESCALATION, schedules=set(), groups={"workplace"}, people=set())
    assert problems == [
        "escalation.policies.major.steps[0].page: unknown schedule 'net' (known: none defined)",
        "escalation.policies.network-p2.steps[0].page: unknown group 'network' (known: workplace)",
    ]
