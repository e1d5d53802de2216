"""A ticket's path through the process, folded from its event log: state and group spans with their times.

The process map, the loops and the signals all read these traces, never the raw log, so the rules of
"where a ticket was, and from when to when" live in one place. A span ends where the next one starts;
the last span of a ticket still open ends at `as_of`; a ticket that is closed or cancelled ends there
(time in those final states is not process time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from deskops.core.clock import ensure_utc
from deskops.core.events import DomainEvent, EventType

FINAL_STATES = frozenset({"closed", "cancelled"})
"""States a ticket does not leave: no time is measured in them."""

_IMPLIED_STATE = {
    EventType.TICKET_RESOLVED: "resolved",
    EventType.TICKET_CLOSED: "closed",
    EventType.TICKET_CANCELLED: "cancelled",
}


@dataclass(frozen=True, slots=True)
class Span:
    """One stay of a ticket in a state (or with a group): `[start, end)`; an open stay ends at `as_of`."""

    name: str
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        """Gross length of the stay, in seconds."""
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class Trace:
    """One ticket's path: attributes at opening (latest where they changed) and its state and group spans."""

    opened_at: datetime
    attributes: dict[str, str]
    states: tuple[Span, ...]
    groups: tuple[Span, ...]
    pending_reasons: tuple[str, ...]
    reopens: int
    breached: bool
    finished_at: datetime | None
    resolved_at: datetime | None = None
    """The last resolution, if the ticket is resolved or closed now (a reopen clears it)."""

    @property
    def state_path(self) -> tuple[str, ...]:
        """The states visited in order (a state repeated back to back counts once)."""
        return _collapse(span.name for span in self.states)

    @property
    def group_path(self) -> tuple[str, ...]:
        """The groups that held the ticket in order (back-to-back repeats count once)."""
        return _collapse(span.name for span in self.groups)

    @property
    def last_group(self) -> str | None:
        """The group holding the ticket last."""
        return self.groups[-1].name if self.groups else None


def _collapse(names: Iterable[str]) -> tuple[str, ...]:
    path: list[str] = []
    for name in names:
        if not path or path[-1] != name:
            path.append(name)
    return tuple(path)


ATTRIBUTES = ("kind", "priority", "category", "service", "customer", "channel")
"""Ticket attributes a trace keeps (and a process map can be filtered on), besides `group`."""


def trace_from_events(events: Iterable[DomainEvent], *, as_of: datetime) -> Trace:
    """Fold a ticket's log (in order) into its trace; events after `as_of` are left out."""
    as_of = ensure_utc(as_of)
    opened_at: datetime | None = None
    attributes: dict[str, str] = {}
    state_marks: list[tuple[datetime, str]] = []
    group_marks: list[tuple[datetime, str]] = []
    reasons: list[str] = []
    reopens = 0
    breached = False
    finished_at: datetime | None = None
    resolved_at: datetime | None = None
    for event in events:
        at, payload = event.occurred_at, event.payload
        if at > as_of:
            break
        kind = event.type
        if kind == EventType.TICKET_OPENED:
            opened_at = at
            attributes = {key: str(payload[key]) for key in ATTRIBUTES if payload.get(key)}
            state_marks.append((at, str(payload.get("state") or "new")))
            if payload.get("group"):
                group_marks.append((at, str(payload["group"])))
            continue
        if opened_at is None:
            continue
        if kind in (EventType.TICKET_ASSIGNED, EventType.TICKET_ESCALATED) and payload.get("group"):
            group_marks.append((at, str(payload["group"])))
        elif kind == EventType.PRIORITY_CHANGED and payload.get("priority"):
            attributes["priority"] = str(payload["priority"])
        elif kind == EventType.CATEGORY_CHANGED and payload.get("category"):
            attributes["category"] = str(payload["category"])
        elif kind == EventType.SLA_BREACHED:
            breached = True
        elif kind == EventType.TICKET_REOPENED:
            reopens += 1
        to_state = payload.get("to_state") or _IMPLIED_STATE.get(kind)
        if to_state is not None:
            state_marks.append((at, str(to_state)))
            if to_state == "pending":
                reasons.append(str(payload.get("pending_reason") or "other"))
            finished_at = at if to_state in FINAL_STATES else None
            if to_state == "resolved":
                resolved_at = at
            elif to_state != "closed":
                resolved_at = None
    if opened_at is None:
        raise ValueError("the ticket's log has no TicketOpened event")
    end = finished_at or as_of
    return Trace(
        opened_at=opened_at,
        attributes=attributes,
        states=_spans(state_marks, end),
        groups=_spans(group_marks, end),
        pending_reasons=tuple(reasons),
        reopens=reopens,
        breached=breached,
        finished_at=finished_at,
        resolved_at=resolved_at,
    )


def _spans(marks: list[tuple[datetime, str]], end: datetime) -> tuple[Span, ...]:
    """Turn change marks into spans; a mark repeating the current name does not split the stay.

    The final state of a finished ticket gets a zero-length span (it is on the path, but takes no time).
    """
    spans: list[Span] = []
    current: tuple[datetime, str] | None = None
    for at, name in marks:
        if current is not None and current[1] == name:
            continue
        if current is not None:
            spans.append(Span(current[1], current[0], at))
        current = (at, name)
    if current is not None:
        spans.append(Span(current[1], current[0], max(end, current[0])))
    return tuple(spans)
