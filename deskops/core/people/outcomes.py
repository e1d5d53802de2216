"""One ticket's outcome for training analysis, folded from its event log: who held it, who resolved it, how."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from deskops.core.events import DomainEvent, EventType


@dataclass(frozen=True, slots=True)
class TicketOutcome:
    """What training analysis needs of one ticket: category, group path, escalation, reopen, resolver."""

    category: str | None
    group_path: tuple[str, ...]
    """The groups that held it in order (back-to-back repeats count once); the first took the contact."""
    functional_escalations: int
    reopens: int
    opened_at: datetime
    resolved_at: datetime | None
    """The first resolution (the time the customer waited for); None when never resolved."""
    resolver: str | None
    """The assignee when it was first resolved (the person who resolved it when none was assigned)."""
    resolver_group: str | None

    @property
    def first_group(self) -> str | None:
        """The group that took the first contact."""
        return self.group_path[0] if self.group_path else None

    @property
    def hops(self) -> int:
        """Changes of group."""
        return max(0, len(self.group_path) - 1)

    @property
    def ping_pong(self) -> bool:
        """The ticket came back to a group it had left (A → B → A)."""
        return any(self.group_path[i] == self.group_path[i + 2] for i in range(len(self.group_path) - 2))

    @property
    def hours_to_resolve(self) -> float | None:
        """Gross hours from opening to the first resolution."""
        if self.resolved_at is None:
            return None
        return (self.resolved_at - self.opened_at).total_seconds() / 3600


def outcome_from_events(events: Iterable[DomainEvent]) -> TicketOutcome | None:
    """Fold a ticket's log (in order); None for a log without TicketOpened (nothing to learn from)."""
    opened_at: datetime | None = None
    category: str | None = None
    path: list[str] = []
    assignee: str | None = None
    group: str | None = None
    escalations = reopens = 0
    resolved_at: datetime | None = None
    resolver = resolver_group = None
    for event in events:
        payload = event.payload
        if event.type == EventType.TICKET_OPENED:
            opened_at = event.occurred_at
            category = payload.get("category") or None
            group = payload.get("group") or None
            assignee = payload.get("assignee") or None
        elif opened_at is None:
            continue
        elif event.type in (EventType.TICKET_ASSIGNED, EventType.TICKET_ESCALATED):
            if event.type == EventType.TICKET_ESCALATED and payload.get("level", "functional") == "functional":
                escalations += 1
            group = payload.get("group") or group
            if event.type == EventType.TICKET_ASSIGNED and "assignee" in payload:
                assignee = payload.get("assignee") or None
        elif event.type == EventType.CATEGORY_CHANGED:
            category = payload.get("category") or category
        elif event.type == EventType.TICKET_REOPENED:
            reopens += 1
        elif event.type == EventType.TICKET_RESOLVED and resolved_at is None:
            resolved_at, resolver, resolver_group = event.occurred_at, assignee or event.actor, group
        if group is not None and (not path or path[-1] != group):
            path.append(group)
    if opened_at is None:
        return None
    return TicketOutcome(category, tuple(path), escalations, reopens, opened_at, resolved_at, resolver,
                         resolver_group)
