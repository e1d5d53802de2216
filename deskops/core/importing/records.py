"""The records importers produce: source snapshots in, tickets with events (or rejections) out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deskops.core.events import DomainEvent

#: States in which a ticket no longer counts as open work.
FINISHED_STATES = frozenset({"resolved", "closed", "cancelled"})


@dataclass(slots=True)
class Snapshot:
    """A ticket as one source row shows it right after an update (None = not known / unchanged)."""

    at: datetime
    actor: str
    state: str
    pending_reason: str | None = None
    urgency: str | None = None
    impact: str | None = None
    priority: str | None = None
    category: str | None = None
    group: str | None = None
    assignee: str | None = None
    resolution_code: str | None = None
    note: str = ""


@dataclass(slots=True)
class TicketHeader:
    """What a ticket was opened with: the fields that do not change along its history."""

    ref: str
    kind: str
    title: str
    requester: str
    opened_at: datetime
    opened_by: str
    source: str
    description: str = ""
    channel: str | None = None
    service: str | None = None
    customer: str | None = None


@dataclass(slots=True)
class SourceFigures:
    """Figures the source system keeps itself, which win over what its (incomplete) rows show.

    The UCI export does not hold every update, so its own counters and resolution time are the
    better record (SOURCE.md: "prefer the field"); the differences are reported as notices.
    """

    resolved_at: datetime | None
    closed_at: datetime | None
    reassignment_count: int
    reopen_count: int


#: What each notice code means for the figures, for import summaries.
NOTICE_MEANINGS: dict[str, str] = {
    "resolved_without_time": "went through Resolved but the source records no resolution time: "
    "kept out of `resolved` and time-to-resolve figures (the source's own record wins)",
    "resolved_at_differs": "the source's resolution time differs from its last Resolved row: the source's time is kept",
    "closed_at_differs": "the source's closing time differs from its last Closed row: the source's time is kept",
    "reassignment_count_differs": "the source counts more group changes than its exported rows show: "
    "its counter is kept",
    "reopen_count_differs": "the source's reopen counter differs from the reopens its rows show: its counter is kept",
    "out_of_order": "an update was timed before the previous one: its events were placed at the previous time",
    "unknown_state": "a row had a state the importer does not know: that row was left out",
    "bad_row": "a row had an unreadable number or time: that row was left out",
    "text_clipped": "a text was longer than the store allows and was shortened",
}


@dataclass(slots=True)
class Notice:
    """Something worth telling about an imported ticket: a source quirk and what was done about it."""

    code: str
    message: str


@dataclass(slots=True)
class ImportedTicket:
    """A ticket ready for the store: its projection row (column → value) and its events in order."""

    ref: str
    projection: dict[str, Any]
    events: list[DomainEvent]
    notices: list[Notice] = field(default_factory=list)


@dataclass(slots=True)
class Rejected:
    """A ticket (or a stray row) that could not be imported, and why; nothing of it is stored."""

    ref: str | None
    line: int | None
    reason: str
