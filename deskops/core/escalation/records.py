"""Escalations as the use cases see them in the store, and the repository protocol the store implements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from deskops.core.escalation.engine import EscalationState, EscalationStatus
from deskops.core.escalation.policy import PolicySnapshot
from deskops.core.ports import OutboxMessage, UnitOfWork

PAGE_KIND = "escalation.page"
"""Outbox kind of a page: a direct message with Acknowledge / Escalate buttons."""


@dataclass(frozen=True)
class EscalationRecord:
    """A ticket's escalation as stored: snapshot, progress, next due instant, and how it ended."""

    ticket_id: int
    ticket_ref: str
    generation: int
    snapshot: PolicySnapshot
    state: EscalationState
    next_due_at: datetime | None
    ended_at: datetime | None = None
    ended_by: str | None = None


@dataclass(frozen=True)
class Page:
    """One page to one person for one step; `status` is sent, acknowledged or cancelled."""

    recipient: str
    step: str
    sent_at: datetime
    status: str
    acknowledged_at: datetime | None = None


class EscalationRepository(Protocol):
    """Escalation rows and pages inside the caller's transaction (`deskops.core.persistence.escalation`)."""

    def get(self, ticket_id: int, *, for_update: bool = False) -> EscalationRecord | None:
        """The ticket's escalation (latest generation), or None."""
        ...

    def start(
        self, ticket_id: int, snapshot: PolicySnapshot, state: EscalationState, next_due_at: datetime | None
    ) -> EscalationRecord:
        """Store a new escalation (a new generation if the ticket escalated before)."""
        ...

    def claim_due(self, now: datetime, *, limit: int, claimer: str) -> list[EscalationRecord]:
        """Claim escalations due at `now` for this transaction (its first statement), earliest first."""
        ...

    def save(self, ticket_id: int, state: EscalationState, next_due_at: datetime | None, now: datetime) -> None:
        """Write the state and the next due instant; release the claim."""
        ...

    def end(self, ticket_id: int, status: EscalationStatus, *, by: str, at: datetime) -> EscalationRecord | None:
        """End an active escalation; None when it was not active (someone else ended it first)."""
        ...

    def add_page(self, *, ticket_id: int, generation: int, step: str, recipient: str, at: datetime) -> None:
        """Record a page to one person (unique per ticket, generation, step, recipient)."""
        ...

    def queue(self, message: OutboxMessage) -> None:
        """Write a page or notification whose key is unique by construction to the outbox."""
        ...

    def pages(self, ticket_id: int, generation: int | None = None) -> list[Page]:
        """The pages of the ticket's escalation, oldest first."""
        ...

    def changed_tickets(self, since: datetime, until: datetime, types: tuple[str, ...]) -> list[str]:
        """Refs of tickets with events of `types` in `(since, until]`."""
        ...

    def settle_pages(self, ticket_id: int, generation: int, *, acknowledged_by: str | None, at: datetime) -> int:
        """Mark pages acknowledged/cancelled; withdraw undelivered page messages; how many were withdrawn."""
        ...


class EscalationUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also holds the escalation repository."""

    @property
    def escalations(self) -> EscalationRepository:
        """The escalation rows and pages, in this unit's transaction."""
        ...
