"""What a report needs to know about one ticket, independent of how it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """One ticket's facts for KPIs: when it opened, was finished and resolved, and its counters."""

    ref: str
    kind: str
    state: str
    priority: str | None
    group: str | None
    category: str | None
    channel: str | None
    opened_at: datetime
    resolved_at: datetime | None
    #: When it stopped being open work (resolved, closed or cancelled); None while open.
    finished_at: datetime | None
    acknowledged_at: datetime | None
    pending_seconds: float
    reopen_count: int
    reassignment_count: int
    escalation_count: int = 0
    assignee: str | None = None

    @property
    def hours_to_resolve(self) -> float | None:
        """Gross (calendar) hours from opening to resolution; None when not resolved."""
        if self.resolved_at is None:
            return None
        return (self.resolved_at - self.opened_at).total_seconds() / 3600

    @property
    def hours_to_acknowledge(self) -> float | None:
        """Hours from opening to the first acknowledgement; None when never acknowledged."""
        if self.acknowledged_at is None:
            return None
        return (self.acknowledged_at - self.opened_at).total_seconds() / 3600

    @property
    def net_hours_to_resolve(self) -> float | None:
        """Hours from opening to resolution minus the time spent pending (never below zero)."""
        gross = self.hours_to_resolve
        return None if gross is None else max(0.0, gross - self.pending_seconds / 3600)
