"""SLA clocks: pure functions from a ticket's event log, its agreements and `now` to each clock's status.

Nothing here is stored: the status of every clock is recomputed from the log at any time (so
a sweep, `show` and the KPI report agree). The rules (also in the README section "SLA clocks
and business calendars"):

- Clocks: **response** (opening → first acknowledgement: the desk takes the ticket in hand, or
  resolves it first), **resolution** (opening → resolution), **update** (a public message from the
  requester → the next public answer from the desk; each such message starts a new update clock).
  An OLA's clocks start when the ticket enters the agreement's group (its latest entry); a UC's
  response clock runs from the first `pending:supplier` until the supplier gives the ticket back,
  and its resolution clock sums all supplier time until resolution.
- Paused time: resolved, closed and cancelled always stop the clocks; the agreement's `pauses`
  (default SLA `pending:customer`) pause them; a UC runs only in `pending:supplier`. While a clock is
  paused its due is shown as if it resumed now.
- A reopened ticket's resolution clock continues from where it stopped (time in resolved/closed
  counts as paused), and the reopen is counted.
- A priority change recomputes the target from the clock's start, excluding paused time; a breach
  that already happened stays a breach after a downgrade.
- Met means business time consumed at the stop is ≤ the target; breached means it went over. A
  target that runs out at a window's end is due at that end, and the clock is only breached once
  business time runs past it (a ticket resolved after hours on its due day is met).
- Warnings at thresholds (% of the current target) and "N before due" are in business time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from deskops.core.business_calendar import BusinessCalendar, Interval
from deskops.core.clock import ensure_utc
from deskops.core.config.agreements import (
    AgreementConfig,
    AgreementKind,
    ClockName,
    select_agreements,
    state_matches,
)
from deskops.core.config.calendars import CalendarConfig
from deskops.core.events import DomainEvent, EventType

_ZERO = timedelta(0)
STOPPING_STATES = frozenset({"resolved", "closed", "cancelled"})
"""States in which every clock stands still, whatever the agreement says."""


class ClockState(StrEnum):
    """Where a clock stands."""

    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"  # the ticket was cancelled before the clock stopped (not counted as met)


@dataclass(frozen=True)
class TicketTimeline:
    """What the clocks need from a ticket's log: attributes now, and when things happened."""

    opened_at: datetime
    requester: str
    service: str | None = None
    category: str | None = None
    customer: str | None = None
    group: str | None = None
    priorities: tuple[tuple[datetime, str | None], ...] = ()  # (since, priority), first at opening
    states: tuple[tuple[datetime, str, str | None], ...] = ()  # (since, state, pending reason)
    group_entries: tuple[tuple[datetime, str | None], ...] = ()  # (since, group)
    acknowledged_at: datetime | None = None
    taken_in_hand: tuple[datetime, ...] = ()  # assigned to a person or moved to in progress
    resolutions: tuple[datetime, ...] = ()
    reopens: tuple[datetime, ...] = ()
    public_messages: tuple[tuple[datetime, bool], ...] = ()  # (at, written by the requester)

    @property
    def priority(self) -> str | None:
        """The ticket's current priority."""
        return self.priorities[-1][1] if self.priorities else None

    @property
    def state(self) -> str:
        """The ticket's current state."""
        return self.states[-1][1] if self.states else "new"


def timeline_from_events(events: Iterable[DomainEvent], *, until: datetime | None = None) -> TicketTimeline:
    """Fold a ticket's events (in log order) into the facts the clocks need; events after `until` are left out."""
    horizon = ensure_utc(until) if until is not None else None
    opened: DomainEvent | None = None
    attrs: dict[str, str | None] = {}
    priorities: list[tuple[datetime, str | None]] = []
    states: list[tuple[datetime, str, str | None]] = []
    groups: list[tuple[datetime, str | None]] = []
    acknowledged: datetime | None = None
    in_hand: list[datetime] = []
    resolutions: list[datetime] = []
    reopens: list[datetime] = []
    messages: list[tuple[datetime, bool]] = []
    requester = ""
    for event in events:
        at, p = event.occurred_at, event.payload
        if horizon is not None and at > horizon:
            break
        if event.type == EventType.TICKET_OPENED:
            opened = event
            requester = str(p.get("requester") or "")
            attrs = {k: p.get(k) for k in ("service", "category", "customer", "group")}
            priorities.append((at, p.get("priority")))
            states.append((at, str(p.get("state") or "new"), p.get("pending_reason")))
            groups.append((at, p.get("group")))
            continue
        if opened is None:
            continue  # a log that does not start with its opening has no clocks
        if event.type == EventType.PRIORITY_CHANGED:
            priorities.append((at, p.get("priority")))
        elif event.type == EventType.CATEGORY_CHANGED:
            attrs["category"] = p.get("category")
        elif event.type in (EventType.TICKET_ASSIGNED, EventType.TICKET_ESCALATED):
            if p.get("group") and p.get("group") != attrs.get("group"):
                attrs["group"] = p["group"]
                groups.append((at, p["group"]))
            if event.type == EventType.TICKET_ASSIGNED and p.get("assignee"):
                in_hand.append(at)
        elif event.type == EventType.TICKET_ACKNOWLEDGED:
            acknowledged = acknowledged or at
        elif event.type == EventType.COMMENT_ADDED and p.get("visibility", "public") == "public":
            messages.append((at, event.actor == requester))
        if event.type == EventType.TICKET_RESOLVED:
            resolutions.append(at)
        elif event.type == EventType.TICKET_REOPENED:
            reopens.append(at)
        to_state = p.get("to_state") or _IMPLIED_STATE.get(event.type)
        if to_state is not None:
            states.append((at, str(to_state), p.get("pending_reason")))
            if to_state == "in_progress":
                in_hand.append(at)
    if opened is None:
        raise ValueError("the ticket's log has no TicketOpened event, so its clocks cannot start")
    return TicketTimeline(
        opened_at=opened.occurred_at,
        requester=requester,
        priorities=tuple(priorities),
        states=tuple(states),
        group_entries=tuple(groups),
        acknowledged_at=acknowledged,
        taken_in_hand=tuple(in_hand),
        resolutions=tuple(resolutions),
        reopens=tuple(reopens),
        public_messages=tuple(messages),
        **attrs,
    )


_IMPLIED_STATE: dict[EventType, str] = {
    EventType.TICKET_RESOLVED: "resolved",
    EventType.TICKET_CLOSED: "closed",
    EventType.TICKET_CANCELLED: "cancelled",
}


@dataclass(frozen=True)
class ClockStatus:
    """One clock of one agreement on one ticket, as of `now`."""

    agreement: str
    kind: AgreementKind
    clock: ClockName
    calendar: str
    priority: str | None
    target: timedelta
    started_at: datetime
    due: datetime  # with the current target (projected as if resumed now while paused)
    original_due: datetime  # with the target of the priority the clock started with
    consumed: timedelta
    state: ClockState
    stopped_at: datetime | None = None
    breached_at: datetime | None = None
    warnings: Mapping[int, datetime] = field(default_factory=dict)  # threshold % → when it is crossed
    crossed: tuple[int, ...] = ()
    reopens: int = 0
    instance: int = 0  # update clocks: which requester message (1, 2, ...); 0 for the others
    pauses: tuple[Interval, ...] = ()  # the paused spans up to now (an open pause ends at now)

    @property
    def name(self) -> str:
        """The clock's stable name on the ticket, e.g. `standard-sla:resolution` or `gold:update#2`."""
        suffix = f"#{self.instance}" if self.instance else ""
        return f"{self.agreement}:{self.clock}{suffix}"

    @property
    def remaining(self) -> timedelta:
        """Business time left before the due (negative once breached)."""
        return self.target - self.consumed

    @property
    def percent_used(self) -> float:
        """Share of the target consumed, in percent (over 100 once breached)."""
        return 100.0 * self.consumed / self.target

    @property
    def is_open(self) -> bool:
        """Still counting or waiting to count (running or paused), i.e. not finished."""
        return self.state in (ClockState.RUNNING, ClockState.PAUSED)


@dataclass(frozen=True)
class _Span:
    """When a clock starts, when it stops (None: not yet), and why it stopped."""

    start: datetime
    stop: datetime | None
    cancelled: bool = False


def evaluate(
    timeline: TicketTimeline,
    *,
    agreements: Mapping[str, AgreementConfig],
    calendars: Mapping[str, BusinessCalendar],
    now: datetime,
) -> list[ClockStatus]:
    """Every clock of every agreement covering the ticket, as of `now` (aware)."""
    now = ensure_utc(now)
    statuses: list[ClockStatus] = []
    selected = select_agreements(
        dict(agreements), service=timeline.service, category=timeline.category, customer=timeline.customer,
        group=timeline.group, priority=timeline.priority,
    )  # fmt: skip
    for name, agreement in selected:
        calendar = calendars[agreement.calendar]
        for clock in ClockName:
            for instance, span in _spans(timeline, agreement, clock):
                status = _clock(timeline, name, agreement, calendar, clock, span, now, instance)
                if status is not None:
                    statuses.append(status)
    return statuses


def evaluate_events(
    events: Sequence[DomainEvent],
    *,
    agreements: Mapping[str, AgreementConfig],
    calendars: Mapping[str, BusinessCalendar],
    now: datetime,
) -> list[ClockStatus]:
    """Like `evaluate`, straight from a ticket's log (events after `now` are ignored)."""
    return evaluate(timeline_from_events(events, until=now), agreements=agreements, calendars=calendars, now=now)


def calendars_from_config(sections: Mapping[str, CalendarConfig]) -> dict[str, BusinessCalendar]:
    """Build every `BusinessCalendar` of the desk file's `calendars` section (build once, reuse: they cache)."""
    return {name: BusinessCalendar.from_config(section, name=name) for name, section in sections.items()}


def instant_before_due(status: ClockStatus, lead: timedelta, calendar: BusinessCalendar) -> datetime:
    """The instant `lead` business time before the due (e.g. "escalate 1h before due").

    Measured in business time, and like a due it is the earliest such instant: in an 08:00-17:00
    calendar, 2 h before a Monday 09:00 due is Friday 16:00, and 1 h before is Friday 17:00 (the
    same business instant as Monday 08:00). Pauses are those known when the status was computed.
    """
    if lead >= status.target:
        return status.started_at
    return calendar.add(status.started_at, status.target - lead, pauses=status.pauses)


def threshold_instant(status: ClockStatus, percent: float, calendar: BusinessCalendar) -> datetime:
    """The instant the clock reaches `percent` of its current target (100 = the due), pauses known so far."""
    return calendar.add(status.started_at, status.target * (percent / 100), pauses=status.pauses)


# --- the spans of each clock ------------------------------------------------------------------


def _spans(timeline: TicketTimeline, agreement: AgreementConfig, clock: ClockName) -> list[tuple[int, _Span]]:
    """The clock's start/stop spans (several for update clocks, one or none for the others)."""
    cancelled_at = next((t for t, s, _ in timeline.states if s == "cancelled"), None)
    start = timeline.opened_at
    if agreement.kind == AgreementKind.OLA:
        entry = next((t for t, g in reversed(timeline.group_entries) if g == timeline.group), None)
        if entry is None:
            return []
        start = entry
    if clock == ClockName.UPDATE:
        return _update_spans(timeline, start, cancelled_at)
    if clock == ClockName.RESPONSE:
        if agreement.kind == AgreementKind.UC:
            return _supplier_response(timeline, cancelled_at)
        if agreement.kind == AgreementKind.OLA:  # the group takes it in hand: a person or in progress
            candidates = [t for t in timeline.taken_in_hand if t >= start]
        else:
            candidates = [timeline.acknowledged_at] if timeline.acknowledged_at else []
        candidates += [t for t in timeline.resolutions if t >= start]  # resolving is also taking it in hand
        stop = min(candidates, default=None)
    else:
        if agreement.kind == AgreementKind.UC and not _supplier_response(timeline, cancelled_at):
            return []  # the supplier was never involved: no UC clock to show
        stop = timeline.resolutions[-1] if timeline.state in ("resolved", "closed") and timeline.resolutions else None
    if stop is None and cancelled_at is not None:
        return [(0, _Span(start, cancelled_at, cancelled=True))]
    return [(0, _Span(start, stop))]


def _update_spans(timeline: TicketTimeline, start: datetime, cancelled_at: datetime | None) -> list[tuple[int, _Span]]:
    """Each public requester message waiting for a desk answer starts an update clock."""
    spans: list[tuple[int, _Span]] = []
    waiting_since: datetime | None = None
    for at, from_requester in timeline.public_messages:
        if at < start:
            continue
        if from_requester and waiting_since is None:
            waiting_since = at
        elif not from_requester and waiting_since is not None:
            spans.append((len(spans) + 1, _Span(waiting_since, at)))
            waiting_since = None
    if waiting_since is not None:
        ended = next((t for t in timeline.resolutions if t >= waiting_since), None)
        stop = ended or cancelled_at
        spans.append((len(spans) + 1, _Span(waiting_since, stop, cancelled=stop is not None and ended is None)))
    return spans[-1:]  # the latest message is the one people act on


def _supplier_response(timeline: TicketTimeline, cancelled_at: datetime | None) -> list[tuple[int, _Span]]:
    """A UC's response: from the first `pending:supplier` until the supplier gives the ticket back."""
    for index, (at, state, reason) in enumerate(timeline.states):
        if state == "pending" and reason == "supplier":
            following = timeline.states[index + 1 :]
            back = next((t for t, s, r in following if not (s == "pending" and r == "supplier")), None)
            stop = back if back is not None else cancelled_at
            return [(0, _Span(at, stop, cancelled=back is None and stop is not None))]
    return []


# --- evaluation of one clock ------------------------------------------------------------------


def _pauses(timeline: TicketTimeline, agreement: AgreementConfig, start: datetime, horizon: datetime) -> list[Interval]:
    """The intervals in `[start, horizon]` during which the agreement's clocks stand still."""
    pause_specs, run_specs = agreement.pause_states(), agreement.run_states()

    def paused(state: str, reason: str | None) -> bool:
        if state in STOPPING_STATES or any(state_matches(s, state, reason) for s in pause_specs):
            return True
        return bool(run_specs) and not any(state_matches(s, state, reason) for s in run_specs)

    result: list[Interval] = []
    for index, (since, state, reason) in enumerate(timeline.states):
        until = timeline.states[index + 1][0] if index + 1 < len(timeline.states) else horizon
        lo, hi = max(since, start), min(until, horizon)
        if hi > lo and paused(state, reason):
            result.append((lo, hi))
    # a span that starts while paused (the ticket was already pending at opening) is covered above
    return result


def _target_at(agreement: AgreementConfig, clock: ClockName, priority: str | None) -> timedelta | None:
    targets = agreement.targets_for(priority)
    return targets.of(clock) if targets is not None else None


def _clock(
    timeline: TicketTimeline,
    name: str,
    agreement: AgreementConfig,
    calendar: BusinessCalendar,
    clock: ClockName,
    span: _Span,
    now: datetime,
    instance: int,
) -> ClockStatus | None:
    """Evaluate one clock span: consumed, dues, state, warnings."""
    horizon = min(span.stop, now) if span.stop is not None else now
    horizon = max(horizon, span.start)
    pauses = _pauses(timeline, agreement, span.start, horizon)
    # Priority segments within the span: the priority in force at the start, then each change.
    segments = [(t, p) for t, p in timeline.priorities if t <= span.start][-1:] or list(timeline.priorities[:1])
    segments += [(t, p) for t, p in timeline.priorities if span.start < t <= horizon]
    targeted: list[tuple[datetime, timedelta, str | None]] = []
    for since, priority_then in segments:
        target_then = _target_at(agreement, clock, priority_then)
        if target_then is not None:
            targeted.append((max(since, span.start), target_then, priority_then))
    if not targeted:
        return None  # this agreement sets no such target for the ticket's priority
    consumed = calendar.elapsed(span.start, horizon, pauses=pauses)
    breached_at: datetime | None = None
    for index, (since, target, _) in enumerate(targeted):
        until = targeted[index + 1][0] if index + 1 < len(targeted) else horizon
        if calendar.elapsed(span.start, until, pauses=pauses) > target:
            breached_at = max(calendar.add(span.start, target, pauses=pauses), since)
            break  # the first breach is the one that counts; it stays after a downgrade
    _, target, priority = targeted[-1]
    due = calendar.add(span.start, target, pauses=pauses)
    original_due = calendar.add(span.start, targeted[0][1], pauses=pauses)
    stopped = span.stop is not None and span.stop <= now
    if breached_at is not None:
        state = ClockState.BREACHED
    elif stopped:
        state = ClockState.CANCELLED if span.cancelled else ClockState.MET
    elif _paused_now(timeline, agreement, now):
        state = ClockState.PAUSED
    else:
        state = ClockState.RUNNING
    warnings = {p: calendar.add(span.start, target * p / 100, pauses=pauses) for p in agreement.warnings}
    crossed = tuple(p for p in agreement.warnings if consumed >= target * (p / 100))
    return ClockStatus(
        agreement=name, kind=agreement.kind, clock=clock, calendar=agreement.calendar, priority=priority,
        target=target, started_at=span.start, due=due, original_due=original_due, consumed=consumed, state=state,
        stopped_at=span.stop if stopped else None, breached_at=breached_at, warnings=warnings, crossed=crossed,
        reopens=len(timeline.reopens) if clock == ClockName.RESOLUTION else 0, instance=instance,
        pauses=tuple(pauses),
    )  # fmt: skip


def _paused_now(timeline: TicketTimeline, agreement: AgreementConfig, now: datetime) -> bool:
    """Tell whether the ticket's state at `now` pauses the agreement's clocks."""
    return bool(_pauses(timeline, agreement, now - timedelta(microseconds=1), now))
