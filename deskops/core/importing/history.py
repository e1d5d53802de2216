"""Turn a ticket's successive snapshots into the domain events and projection a chat ticket has.

Each snapshot is compared with the ticket as it stood before it; every difference becomes the
event the chat commands would have written (priority, category, assignment, state), in the order
classify → assign → state change → first acknowledgement. The projection is folded from the same
events, then the source's own figures (`SourceFigures`) are laid over it where the source keeps
a better record than its rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from deskops.core.events import DomainEvent, EventType
from deskops.core.importing.records import (
    FINISHED_STATES,
    ImportedTicket,
    Notice,
    Snapshot,
    SourceFigures,
    TicketHeader,
)

IMPORT_REASON = "imported"
#: Longest texts the tickets table holds (tables.py); longer source texts are shortened, with a notice.
TITLE_LIMIT = 300
NAME_LIMIT = 128
_ACKNOWLEDGING_STATES = frozenset({"in_progress", "pending", "resolved", "closed"})


class _Fold:
    """The ticket as it stands while its snapshots are replayed; collects events and the projection."""

    def __init__(self, header: TicketHeader, first: Snapshot) -> None:
        self.header = header
        self.events: list[DomainEvent] = []
        self.notices: list[Notice] = []
        self.state = "new"
        self.pending_reason: str | None = None
        self.pending_since: datetime | None = None
        self.pending_seconds = 0.0
        self.urgency, self.impact, self.priority = first.urgency, first.impact, first.priority
        self.category = first.category
        self.group: str | None = first.group
        self.assignee: str | None = None
        self.acknowledged_at: datetime | None = None
        self.resolved_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.reopen_count = 0
        self.reassignment_count = 0
        self.last_at = header.opened_at
        self._clamped = 0
        self._emit(
            EventType.TICKET_OPENED,
            header.opened_at,
            header.opened_by,
            kind=header.kind,
            title=header.title,
            description=header.description,
            requester=header.requester,
            urgency=self.urgency,
            impact=self.impact,
            priority=self.priority,
            category=self.category,
            service=header.service,
            customer=header.customer,
            group=self.group,
            channel=header.channel,
            state="new",
        )

    def _emit(self, event_type: EventType, at: datetime, actor: str, **payload: Any) -> None:
        self.events.append(DomainEvent(type=event_type, occurred_at=at, actor=actor, payload=payload))

    def apply(self, snap: Snapshot) -> None:
        """Record the events that lead from the current ticket to `snap`."""
        at = snap.at
        if at < self.last_at:
            # Minute-resolution sources sometimes time an update before the previous one; keep the log
            # ordered by placing it at the previous instant rather than reordering the history.
            at = self.last_at
            self._clamped += 1
        self.last_at = at
        self._classify(snap, at)
        self._assign(snap, at)
        self._change_state(snap, at)
        if self.acknowledged_at is None and (self.assignee is not None or self.state in _ACKNOWLEDGING_STATES):
            self.acknowledged_at = at
            self._emit(EventType.TICKET_ACKNOWLEDGED, at, snap.actor)

    def _classify(self, snap: Snapshot, at: datetime) -> None:
        new = (snap.urgency or self.urgency, snap.impact or self.impact, snap.priority or self.priority)
        if new != (self.urgency, self.impact, self.priority):
            previous = self.priority
            self.urgency, self.impact, self.priority = new
            self._emit(
                EventType.PRIORITY_CHANGED,
                at,
                snap.actor,
                urgency=self.urgency,
                impact=self.impact,
                priority=self.priority,
                previous_priority=previous,
                reason=IMPORT_REASON,
            )
        if snap.category is not None and snap.category != self.category:
            previous_category, self.category = self.category, snap.category
            self._emit(
                EventType.CATEGORY_CHANGED, at, snap.actor, category=self.category, previous_category=previous_category
            )

    def _assign(self, snap: Snapshot, at: datetime) -> None:
        group = snap.group or self.group
        assignee = snap.assignee or self.assignee
        if (group, assignee) == (self.group, self.assignee):
            return
        if group != self.group and self.group is not None:
            self.reassignment_count += 1
        self._emit(
            EventType.TICKET_ASSIGNED,
            at,
            snap.actor,
            group=group,
            assignee=assignee,
            previous_group=self.group,
            previous_assignee=self.assignee,
            reason=IMPORT_REASON,
        )
        self.group, self.assignee = group, assignee

    def _change_state(self, snap: Snapshot, at: datetime) -> None:
        old, new = self.state, snap.state
        reason: str | None = None
        if new == "pending":
            # A pending row that does not say why keeps the reason it had, else "other".
            reason = snap.pending_reason or (self.pending_reason if old == "pending" else None) or "other"
        if old == new and reason == self.pending_reason:
            return
        if self.pending_since is not None:
            self.pending_seconds += (at - self.pending_since).total_seconds()
            self.pending_since = None
        actor = snap.actor
        if new == "resolved":
            self.resolved_at = at
            self._emit(
                EventType.TICKET_RESOLVED,
                at,
                actor,
                from_state=old,
                to_state=new,
                resolution_code=snap.resolution_code,
                note=snap.note,
            )
        elif new == "closed":
            self.closed_at = at
            self._emit(EventType.TICKET_CLOSED, at, actor, from_state=old, to_state=new)
        elif new == "cancelled":
            self.closed_at = at
            self._emit(EventType.TICKET_CANCELLED, at, actor, from_state=old, to_state=new, reason=snap.note)
        elif old in FINISHED_STATES:
            self.reopen_count += 1
            self.resolved_at = self.closed_at = None
            # A reopen lands in a working state (the engine's fold knows no pending reason on it); a row
            # that reopens straight into pending becomes reopen → in_progress, then → pending, at one instant.
            landing = "in_progress" if new == "pending" else new
            self._emit(EventType.TICKET_REOPENED, at, actor, from_state=old, to_state=landing, reason=IMPORT_REASON)
            if landing != new:
                self._emit(EventType.STATE_CHANGED, at, actor, from_state=landing, to_state=new, reason=IMPORT_REASON,
                           pending_reason=reason)
        else:
            payload: dict[str, Any] = {"from_state": old, "to_state": new, "reason": IMPORT_REASON}
            if reason is not None:
                payload["pending_reason"] = reason
            self._emit(EventType.STATE_CHANGED, at, actor, **payload)
        self.state, self.pending_reason = new, reason
        if new == "pending":
            self.pending_since = at

    def finish(self, figures: SourceFigures | None) -> ImportedTicket:
        """Fold the projection row, lay the source's own figures over it, and return the ticket."""
        header = self.header
        if self._clamped:
            self.notices.append(
                Notice("out_of_order", f"{self._clamped} update(s) timed before the previous one; placed after it")
            )
        projection: dict[str, Any] = {
            "ref": header.ref,
            "kind": header.kind,
            "title": header.title,
            "description": header.description,
            "state": self.state,
            "pending_reason": self.pending_reason,
            "urgency": self.urgency,
            "impact": self.impact,
            "priority": self.priority,
            "category": self.category,
            "service": header.service,
            "customer": header.customer,
            "requester": header.requester,
            "assignee": self.assignee,
            "group_name": self.group,
            "channel": header.channel,
            "source": header.source,
            "opened_at": header.opened_at,
            "updated_at": self.events[-1].occurred_at,
            "acknowledged_at": self.acknowledged_at,
            "resolved_at": self.resolved_at,
            "closed_at": self.closed_at,
            "pending_since": self.pending_since,
            "pending_seconds": self.pending_seconds,
            "reopen_count": self.reopen_count,
            "reassignment_count": self.reassignment_count,
            "escalation_count": 0,
            "last_seq": len(self.events),
        }
        if figures is not None:
            self._lay_over(projection, figures)
        return ImportedTicket(ref=header.ref, projection=projection, events=self.events, notices=self.notices)

    def _lay_over(self, projection: dict[str, Any], figures: SourceFigures) -> None:
        """Take the source's own record where it differs from the rows, and say so in a notice."""
        if figures.resolved_at is None and self.resolved_at is not None:
            self.notices.append(
                Notice("resolved_without_time", "passed through Resolved but the source records no resolution time")
            )
        checks = (
            ("resolved_at", figures.resolved_at, self.resolved_at),
            ("closed_at", figures.closed_at, self.closed_at),
            ("reassignment_count", figures.reassignment_count, self.reassignment_count),
            ("reopen_count", figures.reopen_count, self.reopen_count),
        )
        for column, source_value, logged in checks:
            if source_value != logged and not (column == "resolved_at" and source_value is None):
                self.notices.append(
                    Notice(f"{column}_differs", f"source {column} {source_value} differs from its rows ({logged})")
                )
            projection[column] = source_value


def build_ticket(
    header: TicketHeader, snapshots: Sequence[Snapshot], figures: SourceFigures | None = None
) -> ImportedTicket:
    """Replay `snapshots` (ordered, at least one) from a new ticket; return its events and projection."""
    if not snapshots:
        raise ValueError(f"ticket {header.ref} has no updates to import")
    clipped = _clip_texts(header, snapshots)
    fold = _Fold(header, snapshots[0])
    for snap in snapshots:
        fold.apply(snap)
    if clipped:
        fold.notices.append(Notice("text_clipped", f"{clipped} text(s) longer than the store allows were shortened"))
    return fold.finish(figures)


def _clip(text: str | None, limit: int) -> str | None:
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"


def _clip_texts(header: TicketHeader, snapshots: Sequence[Snapshot]) -> int:
    """Shorten texts longer than their columns, in place; return how many were shortened."""
    before = (header.title, header.requester, header.opened_by, header.service, header.customer)
    header.title = _clip(header.title, TITLE_LIMIT) or ""
    header.requester = _clip(header.requester, NAME_LIMIT) or ""
    header.opened_by = _clip(header.opened_by, NAME_LIMIT) or ""
    header.service = _clip(header.service, NAME_LIMIT)
    header.customer = _clip(header.customer, NAME_LIMIT)
    after = (header.title, header.requester, header.opened_by, header.service, header.customer)
    count = sum(old != new for old, new in zip(before, after, strict=True))
    for snap in snapshots:
        names = (snap.actor, snap.category, snap.group, snap.assignee)
        snap.actor = _clip(snap.actor, NAME_LIMIT) or ""
        snap.category = _clip(snap.category, NAME_LIMIT)
        snap.group = _clip(snap.group, NAME_LIMIT)
        snap.assignee = _clip(snap.assignee, NAME_LIMIT)
        count += sum(old != new for old, new in zip(names, (snap.actor, snap.category, snap.group, snap.assignee),
                                                    strict=True))
    return count
