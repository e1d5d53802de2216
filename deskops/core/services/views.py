"""Plain, frozen views the use cases return: adapters render them, nothing can change the desk through them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from deskops.core.events import RecordedEvent
from deskops.core.tickets import TicketState


class View(BaseModel):
    """Base of the returned views: frozen and strict about their fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class TicketView(View):
    """A ticket as its current projection (times aware UTC; pending_seconds accumulated)."""

    ref: str
    kind: str
    title: str
    description: str
    state: str
    pending_reason: str | None
    urgency: str | None
    impact: str | None
    priority: str | None
    priority_label: str
    category: str | None
    service: str | None
    customer: str | None
    requester: str
    assignee: str | None
    group: str | None
    channel: str | None
    source: str
    opened_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    pending_seconds: float
    reopen_count: int
    reassignment_count: int
    escalation_count: int
    last_seq: int

    @property
    def is_open(self) -> bool:
        """True while the ticket is in the backlog."""
        return self.state in {TicketState.NEW, TicketState.ASSIGNED, TicketState.IN_PROGRESS, TicketState.PENDING}


class CommentView(View):
    """A comment the viewer may read."""

    seq: int
    at: datetime
    author: str
    visibility: str
    text: str


class TicketDetail(View):
    """A ticket with the comments the viewer may read and what the viewer can do next."""

    ticket: TicketView
    comments: tuple[CommentView, ...]
    actions: tuple[str, ...]
    """Use-case names the viewer may run now, e.g. ("start_work", "set_pending", "resolve", "comment")."""


class TicketList(View):
    """One page of a ticket list, and how many tickets match in all."""

    items: tuple[TicketView, ...]
    total: int


class OpenResult(View):
    """The ticket `open_ticket` answered with; `created` is False when the request_id was seen before."""

    ticket: TicketView
    created: bool


class EventView(View):
    """One entry of a ticket's timeline, with a one-line human summary."""

    seq: int
    type: str
    at: datetime
    actor: str
    payload: dict[str, Any]
    summary: str

    @classmethod
    def of(cls, event: RecordedEvent, summary: str) -> EventView:
        """Build the view of a recorded event."""
        return cls(
            seq=event.seq,
            type=str(event.type),
            at=event.occurred_at,
            actor=event.actor,
            payload=dict(event.payload),
            summary=summary,
        )
