"""What the use cases need from a store: the unit of work and its repositories (protocols only).

The SQL implementation lives in `deskops.core.persistence` (`SqlUnitOfWork`). Repositories never
commit: a use case opens the unit of work (`with uow:`), works, and calls `uow.commit()` once;
leaving the block without committing (or on an exception) rolls everything back.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Protocol, Self

from pydantic import BaseModel, ConfigDict

from deskops.core.events import RecordedEvent
from deskops.core.tickets import Ticket, TicketKind, TicketState

SortOrder = Literal["priority", "opened", "updated"]
"""priority: most urgent first, then oldest; opened: oldest first; updated: most recent first."""


class TicketQuery(BaseModel):
    """Filters for listing tickets; every filter given must match (None means any)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    requester: str | None = None
    assignee: str | None = None
    unassigned: bool = False
    """Only tickets nobody holds (a queue's waiting work)."""
    involving: str | None = None
    """Requester or assignee is this person ("my tickets")."""
    group: str | None = None
    states: tuple[TicketState, ...] | None = None
    priority: str | None = None
    kind: TicketKind | None = None
    sort: SortOrder = "priority"
    priority_order: tuple[str, ...] = ()
    """Priority names, most urgent first (the desk's matrix order), for `sort="priority"`."""
    limit: int = 50
    viewer: str | None = None
    """Hide confidential tickets from this person unless they requested, hold or queue them."""
    viewer_groups: tuple[str, ...] = ()
    confidential_categories: tuple[str, ...] = ()


class OutboxMessage(BaseModel):
    """A notification to deliver later; `key` makes a repeated write (or delivery) recognisable."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    kind: str
    recipient: str
    """A person id, or `group:<name>` for a group's queue channel."""
    ticket_id: int | None
    payload: dict[str, Any]
    created_at: datetime


class TicketRepository(Protocol):
    """Tickets with their event logs. Saving writes the new events and the projection together."""

    def add(self, ticket: Ticket, *, request_id: str | None = None) -> list[RecordedEvent]:
        """Insert a newly opened ticket, give it its id and ref, write its events; return them.

        With `request_id`, also record that this chat delivery produced the ticket; a second
        ticket for the same id raises `Conflict`.
        """
        ...

    def save(self, ticket: Ticket) -> list[RecordedEvent]:
        """Append the ticket's new events and update its projection row; return the recorded events.

        Raises `Conflict` if another transaction appended to the same ticket meanwhile.
        """
        ...

    def get(self, ref: str, *, for_update: bool = False) -> Ticket | None:
        """Return the ticket by ref (case-insensitive; `12` or `#12` finds id 12), or None."""
        ...

    def events(self, ticket_id: int) -> list[RecordedEvent]:
        """Return the ticket's whole log in order."""
        ...

    def find(self, query: TicketQuery) -> tuple[list[Ticket], int]:
        """Return up to `query.limit` tickets in the asked order, and how many match in all."""
        ...

    def ticket_for_request(self, request_id: str) -> Ticket | None:
        """Return the ticket a chat delivery id already produced, or None if it is new."""
        ...

    def remember_request(self, request_id: str, ticket_id: int, at: datetime) -> None:
        """Record that a chat delivery id was handled on this ticket; a second time raises `Conflict`."""
        ...


class OutboxRepository(Protocol):
    """Notifications written in the same transaction as the change that causes them."""

    def add(self, message: OutboxMessage) -> bool:
        """Queue a message; return False (and change nothing) if its key was already written."""
        ...


class UnitOfWork(Protocol):
    """One transaction: `with uow: ...; uow.commit()`. Leaving without commit rolls back."""

    @property
    def tickets(self) -> TicketRepository:
        """The tickets of this transaction."""
        ...

    @property
    def outbox(self) -> OutboxRepository:
        """The outbox of this transaction."""
        ...

    def __enter__(self) -> Self:
        """Begin the transaction."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed and release the connection."""
        ...

    def commit(self) -> None:
        """Make the work of this unit permanent."""
        ...

    def rollback(self) -> None:
        """Undo the work of this unit."""
        ...
