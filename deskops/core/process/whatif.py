"""What-if on history: replay a period's tickets against a proposed desk file, side by side with the current one.

The replay keeps every event where and when it happened and changes only the rules the times are
measured against: the agreements' targets, the calendars (service hours), the priority matrix (each
ticket's priority is re-derived from its urgency × impact) and the escalation policies. So it answers
"what would these very tickets have scored under the proposal", not "how would people have worked".

Escalations are counted as the steps that would have fired: a timed step when the ticket was neither
taken in hand nor resolved `after` its opening; an SLA step when the SLA clock it watches reached its
share of the target. Step windows and repeated chains are not replayed (a documented simplification).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from deskops.core.config.agreements import AgreementKind
from deskops.core.config.desk import DeskConfig
from deskops.core.config.escalation import EscalationConfig
from deskops.core.errors import InvalidInput
from deskops.core.escalation.policy import select_policy
from deskops.core.events import DomainEvent, EventType
from deskops.core.kpi.period import Period
from deskops.core.kpi.sla import ClockCompliance, sla_compliance
from deskops.core.priority import PriorityMatrix
from deskops.core.sla.clocks import ClockState, ClockStatus, TicketTimeline, evaluate, timeline_from_events
from deskops.core.sla.service import SlaEngine


@dataclass(frozen=True)
class Rules:
    """One desk file's rules, built once for the replay (calendars cache their days)."""

    sla: SlaEngine
    matrix: PriorityMatrix
    escalation: EscalationConfig

    @classmethod
    def from_config(cls, config: DeskConfig) -> Rules:
        """Build the rules of a validated desk file."""
        return cls(SlaEngine.from_config(config), PriorityMatrix(config.priorities), config.escalation)


class Outcome(BaseModel):
    """What one set of rules makes of the replayed tickets."""

    model_config = ConfigDict(frozen=True)

    tickets: int
    tickets_breached: int
    clocks: dict[str, ClockCompliance]
    by_priority: dict[str, int]
    """Tickets per priority as the rules classify them (a new matrix moves tickets between priorities)."""
    escalation_steps: int
    tickets_escalated: int
    steps_by_policy: dict[str, int]


class WhatIf(BaseModel):
    """The current desk's outcome (what happened) and the proposal's, with the differences that matter."""

    model_config = ConfigDict(frozen=True)

    current: Outcome
    proposed: Outcome
    compliance_change_points: dict[str, float | None]
    """Per clock: proposed − current compliance, in percentage points."""
    breached_to_met: int
    met_to_breached: int
    reprioritised: int
    definition: str = (
        "the period's tickets replayed with their real event times under each desk file's agreements, calendars, "
        "priority matrix and escalation policies; compliance = met ÷ (met + breached) per clock; an escalation step "
        "counts when it would have fired (timed: ticket not taken in hand or resolved by then; sla: its clock "
        "reached the share); step windows and repeats are not replayed"
    )


def reprioritise(events: Sequence[DomainEvent], matrix: PriorityMatrix) -> list[DomainEvent]:
    """The log with each priority re-derived by `matrix` from the urgency and impact recorded beside it.

    Where urgency or impact is missing, or not a value of the proposed matrix, the recorded priority stays.
    """
    result: list[DomainEvent] = []
    for event in events:
        if event.type in (EventType.TICKET_OPENED, EventType.PRIORITY_CHANGED):
            urgency, impact = event.payload.get("urgency"), event.payload.get("impact")
            if urgency in matrix.urgencies and impact in matrix.impacts:
                priority = matrix.classify(urgency, impact).priority
                if priority != event.payload.get("priority"):
                    event = event.model_copy(update={"payload": {**event.payload, "priority": priority}})
        result.append(event)
    return result


def fired_steps(
    timeline: TicketTimeline,
    statuses: Sequence[ClockStatus],
    escalation: EscalationConfig,
    *,
    kind: str | None,
    as_of: datetime,
) -> tuple[str | None, int]:
    """The policy that fits the ticket at opening and how many of its steps would have fired."""
    chosen = select_policy(escalation, priority=timeline.priority, group=timeline.group, kind=kind,
                           category=timeline.category)  # fmt: skip
    if chosen is None:
        return None, 0
    name, policy = chosen
    ends = [*timeline.taken_in_hand[:1], *timeline.resolutions[:1]]
    if timeline.acknowledged_at is not None:
        ends.append(timeline.acknowledged_at)
    handled = min(ends) if ends else as_of
    reached: dict[str, float] = {}
    for status in statuses:
        if status.kind is AgreementKind.SLA and status.state is not ClockState.CANCELLED:
            reached[str(status.clock)] = max(reached.get(str(status.clock), 0.0), status.percent_used)
    fired = 0
    for step in policy.steps:
        if step.sla is not None:
            fired += reached.get(step.sla.clock, 0.0) >= step.sla.percent
        else:
            fired += timeline.opened_at + step.delay < handled
    return name, fired


class _Replay:
    """Runs one set of rules over tickets, keeping per-ticket breach flags for the side-by-side."""

    def __init__(self, rules: Rules, as_of: datetime) -> None:
        self.rules, self.as_of = rules, as_of
        self.statuses: list[ClockStatus] = []
        self.breached: list[bool] = []
        self.priorities: list[str] = []
        self.steps: dict[str, int] = {}
        self.escalated = 0

    def add(self, log: Sequence[DomainEvent]) -> None:
        events = reprioritise(log, self.rules.matrix)
        timeline = timeline_from_events(events, until=self.as_of)
        statuses: list[ClockStatus] = []
        if self.rules.sla.agreements:
            statuses = evaluate(timeline, agreements=self.rules.sla.agreements, calendars=self.rules.sla.calendars,
                                now=self.as_of)  # fmt: skip
        self.statuses.extend(statuses)
        self.breached.append(any(status.state is ClockState.BREACHED for status in statuses))
        self.priorities.append(timeline.priority or "(none)")
        kind = events[0].payload.get("kind") if events else None
        policy, fired = fired_steps(timeline, statuses, self.rules.escalation, kind=kind, as_of=self.as_of)
        if policy is not None and fired:
            self.steps[policy] = self.steps.get(policy, 0) + fired
            self.escalated += 1

    def outcome(self) -> Outcome:
        by_priority: dict[str, int] = {}
        for priority in self.priorities:
            by_priority[priority] = by_priority.get(priority, 0) + 1
        return Outcome(
            tickets=len(self.breached),
            tickets_breached=sum(self.breached),
            clocks=sla_compliance(self.statuses, Period()).clocks,
            by_priority=dict(sorted(by_priority.items())),
            escalation_steps=sum(self.steps.values()),
            tickets_escalated=self.escalated,
            steps_by_policy=dict(sorted(self.steps.items())),
        )


def what_if(logs: Iterable[Sequence[DomainEvent]], *, current: Rules, proposed: Rules, as_of: datetime) -> WhatIf:
    """Replay every ticket log under both rule sets, as of `as_of`, and compare."""
    if not current.sla.agreements and not proposed.sla.agreements:
        raise InvalidInput(
            "Neither desk file has agreements, so there is no compliance to compare.",
            hint="Add an `agreements` section (see config/desk.yaml) to the proposed desk file.",
        )
    before, after = _Replay(current, as_of), _Replay(proposed, as_of)
    for log in logs:
        before.add(log)
        after.add(log)
    was, now = before.outcome(), after.outcome()
    change = {
        clock: _points(was.clocks.get(clock), now.clocks.get(clock)) for clock in sorted({*was.clocks, *now.clocks})
    }
    pairs = list(zip(before.breached, after.breached, strict=True))
    return WhatIf(
        current=was,
        proposed=now,
        compliance_change_points=change,
        breached_to_met=sum(1 for old, new in pairs if old and not new),
        met_to_breached=sum(1 for old, new in pairs if new and not old),
        reprioritised=sum(1 for old, new in zip(before.priorities, after.priorities, strict=True) if old != new),
    )


def _points(old: ClockCompliance | None, new: ClockCompliance | None) -> float | None:
    if old is None or new is None or old.compliance is None or new.compliance is None:
        return None
    return round(100 * (new.compliance - old.compliance), 2)
