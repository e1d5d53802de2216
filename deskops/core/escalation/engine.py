"""Pure escalation decisions: from (snapshot, state, now) to the one step to fire and the next due instant.

The store keeps only `EscalationState` and the instant `next_due_at`; a sweep claims rows whose
instant has come, calls `advance` once per step, and writes what it decided in one transaction.
Rules:
- Timed steps fire in order at `started_at + cycle * cycle_length + after`, held back until their
  window opens; the chain runs `repeat + 1` times.
- SLA-threshold steps fire once each, when the ticket's clock reaches the threshold (the caller
  passes the instants it knows in `sla_due`; a threshold not in it is not reached yet, e.g. paused).
- Whichever is due first fires first; after an outage every overdue step fires once, in order.
- Once acknowledged, resolved or stopped, nothing fires any more, including steps already due.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from deskops.core.clock import ensure_utc
from deskops.core.config.escalation import StepConfig
from deskops.core.escalation.policy import PolicySnapshot
from deskops.core.escalation.windows import WeeklyWindow

SlaKey = tuple[str, int]
"""(clock, percent), e.g. ("resolution", 75)."""


class EscalationStatus(StrEnum):
    """Where an escalation stands; only `active` ones fire steps."""

    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    EXHAUSTED = "exhausted"
    STOPPED = "stopped"


@dataclass(frozen=True)
class EscalationState:
    """How far an escalation has come: the next timed position and the SLA steps already fired."""

    position: int = 0
    sla_fired: frozenset[int] = frozenset()
    status: EscalationStatus = EscalationStatus.ACTIVE


@dataclass(frozen=True)
class DueStep:
    """A step that is (or will be) due: which one, in which run of the chain, and when."""

    index: int
    step: StepConfig
    due: datetime
    cycle: int = 0
    position: int | None = None
    """The timed position; None for an SLA-threshold step."""

    @property
    def key(self) -> str:
        """Names this firing uniquely within the escalation (for idempotency keys): `t3` or `s1`."""
        return f"t{self.position}" if self.position is not None else f"s{self.index}"


@dataclass(frozen=True)
class Decision:
    """What to do now: the step to fire (or None), the state after it, and when to look again."""

    fire: DueStep | None
    state: EscalationState
    next_due_at: datetime | None
    waiting_on_sla: bool = False
    """True when SLA-threshold steps remain whose instant is not known yet (check again later)."""


def _held(step: StepConfig, due: datetime) -> datetime:
    """`due`, or the next opening of the step's window when `due` falls outside it."""
    if step.window is None:
        return due
    return WeeklyWindow.from_hours(step.window.timezone, step.window.hours).next_open(due)


def pending_steps(
    snapshot: PolicySnapshot, state: EscalationState, sla_due: Mapping[SlaKey, datetime]
) -> list[DueStep]:
    """The next timed step and every unfired SLA step whose instant is known, earliest first."""
    found: list[DueStep] = []
    if state.position < snapshot.timed_positions():
        index, cycle = snapshot.locate(state.position)
        step = snapshot.steps[index]
        due = _held(step, snapshot.nominal_due(state.position))
        found.append(DueStep(index, step, due, cycle, state.position))
    for index in snapshot.sla_indices():
        step = snapshot.steps[index]
        if index in state.sla_fired or step.sla is None:
            continue
        reached = sla_due.get((step.sla.clock, step.sla.percent))
        if reached is not None:
            found.append(DueStep(index, step, _held(step, ensure_utc(reached))))
    # ties: timed before SLA steps, then in the order written
    return sorted(found, key=lambda d: (d.due, d.position is None, d.index))


def _waiting(snapshot: PolicySnapshot, state: EscalationState, sla_due: Mapping[SlaKey, datetime]) -> bool:
    return any(
        i not in state.sla_fired and (s.sla.clock, s.sla.percent) not in sla_due
        for i in snapshot.sla_indices()
        if (s := snapshot.steps[i]).sla is not None
    )


def _after_firing(state: EscalationState, fired: DueStep) -> EscalationState:
    if fired.position is not None:
        return replace(state, position=fired.position + 1)
    return replace(state, sla_fired=state.sla_fired | {fired.index})


def advance(
    snapshot: PolicySnapshot,
    state: EscalationState,
    now: datetime,
    *,
    sla_due: Mapping[SlaKey, datetime] | None = None,
) -> Decision:
    """Decide at `now`: fire the earliest due step (at most one), and say when the next one is due."""
    now = ensure_utc(now)
    sla_due = sla_due or {}
    if state.status is not EscalationStatus.ACTIVE:
        return Decision(None, state, None)
    pending = pending_steps(snapshot, state, sla_due)
    fire = pending[0] if pending and pending[0].due <= now else None
    after = _after_firing(state, fire) if fire is not None else state
    upcoming = pending_steps(snapshot, after, sla_due) if fire is not None else pending
    waiting = _waiting(snapshot, after, sla_due)
    if not upcoming and not waiting:
        after = replace(after, status=EscalationStatus.EXHAUSTED)
    next_due = upcoming[0].due if upcoming else None
    return Decision(fire, after, next_due, waiting)


def stop(state: EscalationState, status: EscalationStatus) -> EscalationState:
    """End an escalation (acknowledged, resolved or stopped by hand): no step fires after this."""
    if status is EscalationStatus.ACTIVE:
        raise ValueError("stop() ends an escalation; give acknowledged, resolved or stopped")
    return replace(state, status=status)
