"""The ticket aggregate: kinds, states, the transition table, and the fold of events into a ticket.

Two halves, kept apart on purpose:

* **Commands** (`assign`, `start_work`, `set_pending`, `resolve`, …) check the rules, then record
  `DomainEvent`s. A forbidden transition raises `InvalidTransition` naming the allowed next states.
* **The fold** (`Ticket.apply`) turns one event into the new projection. It checks nothing: events
  are facts (the importers replay real histories that broke our rules), and the same fold rebuilds a
  ticket from its log (`Ticket.replay`), so the stored row can always be recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr

from deskops.core.clock import ensure_utc
from deskops.core.errors import InvalidInput, InvalidTransition
from deskops.core.events import DomainEvent, EventType, RecordedEvent


class TicketKind(StrEnum):
    """Incident (restore a service) or service request (fulfil a standard request)."""

    INCIDENT = "incident"
    SERVICE_REQUEST = "service_request"


class TicketState(StrEnum):
    """Where a ticket is in its life."""

    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class PendingReason(StrEnum):
    """What a pending (on hold) ticket waits for."""

    CUSTOMER = "customer"
    SUPPLIER = "supplier"
    CHANGE = "change"
    PROBLEM = "problem"
    OTHER = "other"
    APPROVAL = "approval"  # a service request waiting for its approvers (deskops/core/requests.py)


class CommentVisibility(StrEnum):
    """Public comments are seen by the requester; internal ones only by the desk."""

    PUBLIC = "public"
    INTERNAL = "internal"


ACTOR_MAX = 128
"""Longest person id the log stores as an event's actor."""

REF_PREFIXES: dict[TicketKind, str] = {TicketKind.INCIDENT: "INC", TicketKind.SERVICE_REQUEST: "REQ"}
"""Chat tickets are called INC-<id> / REQ-<id>; imported tickets keep their source ids."""

OPEN_STATES = frozenset({TicketState.NEW, TicketState.ASSIGNED, TicketState.IN_PROGRESS, TicketState.PENDING})
"""States of the backlog: the ticket still needs work."""

_S = TicketState
TRANSITIONS: dict[TicketState, frozenset[TicketState]] = {
    _S.NEW: frozenset({_S.ASSIGNED, _S.IN_PROGRESS, _S.PENDING, _S.RESOLVED, _S.CANCELLED}),
    _S.ASSIGNED: frozenset({_S.IN_PROGRESS, _S.PENDING, _S.RESOLVED, _S.CANCELLED}),
    _S.IN_PROGRESS: frozenset({_S.ASSIGNED, _S.PENDING, _S.RESOLVED, _S.CANCELLED}),
    _S.PENDING: frozenset({_S.NEW, _S.ASSIGNED, _S.IN_PROGRESS, _S.RESOLVED, _S.CANCELLED}),
    # Reopening returns the ticket to whoever held it: in progress with an assignee, else the queue.
    _S.RESOLVED: frozenset({_S.CLOSED, _S.NEW, _S.ASSIGNED, _S.IN_PROGRESS}),
    _S.CLOSED: frozenset({_S.NEW, _S.ASSIGNED, _S.IN_PROGRESS}),
    _S.CANCELLED: frozenset(),
}
"""Allowed state changes: state → the states it may move to. Anything else is refused."""

_STATE_ORDER = list(TicketState)

_ACTIONS_FROM: dict[TicketState, str] = {
    TicketState.NEW: "assign, start, pending, resolve, cancel",
    TicketState.ASSIGNED: "start, pending, resolve, cancel, assign",
    TicketState.IN_PROGRESS: "pending, resolve, cancel, assign",
    TicketState.PENDING: "resume, resolve, cancel, assign",
    TicketState.RESOLVED: "close, reopen",
    TicketState.CLOSED: "reopen",
    TicketState.CANCELLED: "nothing (a cancelled ticket is final; open a new one)",
}


def allowed_next_states(state: TicketState) -> list[TicketState]:
    """Return the states `state` may move to, in life-cycle order."""
    return sorted(TRANSITIONS[state], key=_STATE_ORDER.index)


REOPENABLE = frozenset({TicketState.RESOLVED, TicketState.CLOSED})
"""Only a resolved or closed ticket can be reopened."""


def refusal(ref: str, current: TicketState, verb: str) -> InvalidTransition:
    """The error for a change `current` does not allow, naming the allowed next states and actions."""
    allowed = ", ".join(allowed_next_states(current)) or "none"
    return InvalidTransition(
        f"{ref or 'the ticket'} is {current}, so it cannot {verb} (it could go to: {allowed}).",
        hint=f"From {current} you can: {_ACTIONS_FROM[current]}.",
    )


def check_transition(ref: str, current: TicketState, target: TicketState, verb: str) -> None:
    """Refuse a state change the table does not allow, naming the allowed states and actions."""
    if target not in TRANSITIONS[current]:
        raise refusal(ref, current, verb)


class Ticket(BaseModel):
    """The projection of one ticket's event log; commands on it record new events."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    ref: str = ""
    kind: TicketKind = TicketKind.INCIDENT
    title: str = ""
    description: str = ""
    state: TicketState = TicketState.NEW
    pending_reason: PendingReason | None = None
    urgency: str | None = None
    impact: str | None = None
    priority: str | None = None
    category: str | None = None
    service: str | None = None
    customer: str | None = None
    requester: str = ""
    assignee: str | None = None
    group: str | None = None
    channel: str | None = None
    source: str = "chat"
    opened_at: datetime | None = None
    updated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    pending_since: datetime | None = None
    pending_seconds: float = 0.0
    reopen_count: int = 0
    reassignment_count: int = 0
    escalation_count: int = 0
    last_seq: int = 0

    _new_events: list[tuple[int, DomainEvent]] = PrivateAttr(default_factory=list)

    # ----- construction -------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        kind: TicketKind,
        title: str,
        requester: str,
        actor: str,
        at: datetime,
        description: str = "",
        urgency: str | None = None,
        impact: str | None = None,
        priority: str | None = None,
        category: str | None = None,
        service: str | None = None,
        customer: str | None = None,
        group: str | None = None,
        channel: str | None = None,
    ) -> Ticket:
        """Open a new ticket (state new); its id and ref are given by the store when it is saved."""
        ticket = cls()
        ticket._record(
            EventType.TICKET_OPENED,
            actor,
            at,
            kind=str(kind),
            title=title,
            description=description,
            requester=requester,
            urgency=urgency,
            impact=impact,
            priority=priority,
            category=category,
            service=service,
            customer=customer,
            group=group,
            channel=channel,
            state=str(TicketState.NEW),
        )
        return ticket

    @classmethod
    def replay(cls, events: Iterable[DomainEvent], *, id: int | None = None, ref: str = "") -> Ticket:
        """Rebuild a ticket by folding its whole log, in order (the stored row must equal this)."""
        ticket = cls(id=id, ref=ref)
        for event in events:
            ticket.apply(event)
        return ticket

    # ----- queries ------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """True while the ticket is in the backlog (not resolved, closed or cancelled)."""
        return self.state in OPEN_STATES

    def new_events(self) -> list[tuple[int, DomainEvent]]:
        """The events recorded since the ticket was loaded, with their sequence numbers."""
        return list(self._new_events)

    def mark_saved(self) -> None:
        """Forget the recorded events once the store has written them."""
        self._new_events.clear()

    # ----- commands -----------------------------------------------------------------------------

    def change_priority(
        self, *, urgency: str, impact: str, priority: str, reason: str, actor: str, at: datetime
    ) -> None:
        """Record new urgency/impact and the priority they give, with the reason (no-op if unchanged)."""
        self._require_open("be classified")
        if (urgency, impact, priority) == (self.urgency, self.impact, self.priority):
            return
        self._record(
            EventType.PRIORITY_CHANGED,
            actor,
            at,
            urgency=urgency,
            impact=impact,
            priority=priority,
            previous_urgency=self.urgency,
            previous_impact=self.impact,
            previous_priority=self.priority,
            reason=reason,
        )

    def change_category(self, *, category: str | None, actor: str, at: datetime) -> None:
        """Record a new category (no-op if unchanged)."""
        self._require_open("be classified")
        if category == self.category:
            return
        self._record(EventType.CATEGORY_CHANGED, actor, at, category=category, previous_category=self.category)

    def assign(self, *, group: str | None, assignee: str | None, reason: str, actor: str, at: datetime) -> None:
        """Route the ticket to a group and/or a person; the first person to hold it acknowledges it."""
        self._require_open("be assigned")
        if (group, assignee) == (self.group, self.assignee):
            return
        self._record(
            EventType.TICKET_ASSIGNED,
            actor,
            at,
            group=group,
            assignee=assignee,
            previous_group=self.group,
            previous_assignee=self.assignee,
            reason=reason,
        )
        if self.state == TicketState.NEW:
            self._change_state(TicketState.ASSIGNED, "assign", actor, at)
        elif self.state == TicketState.IN_PROGRESS and assignee is None:
            # Handed back to a queue with nobody named: nobody is working on it any more.
            self._change_state(TicketState.ASSIGNED, "assign", actor, at, reason="returned to the queue")
        if assignee is not None:
            self._acknowledge(actor, at)

    def start_work(self, *, actor: str, at: datetime) -> None:
        """Move the ticket to in progress (the actor takes it if nobody holds it)."""
        self._require_state_change(TicketState.IN_PROGRESS, "start work")
        if self.assignee is None:
            self.assign(group=self.group, assignee=actor, reason="took it to work on", actor=actor, at=at)
        self._change_state(TicketState.IN_PROGRESS, "start work", actor, at)
        self._acknowledge(actor, at)

    def set_pending(self, *, reason: PendingReason, note: str, actor: str, at: datetime) -> None:
        """Put the ticket on hold, waiting for the customer, a supplier, a change, a problem or other."""
        if self.state == TicketState.PENDING:
            if reason == self.pending_reason:
                return
        else:
            self._require_state_change(TicketState.PENDING, "be set pending")
        self._change_state(TicketState.PENDING, "be set pending", actor, at, reason=note, pending_reason=reason)

    def resume(self, *, actor: str, at: datetime, reason: str = "") -> None:
        """End the pending span: back to in progress if someone holds the ticket, else to the queue."""
        if self.state != TicketState.PENDING:
            raise refusal(self.ref, self.state, "resume (it is not pending)")
        self._change_state(self._working_state(), "resume", actor, at, reason=reason)

    def resolve(self, *, resolution_code: str, note: str, actor: str, at: datetime) -> None:
        """Record that service is restored (or the request fulfilled), with a code and a note."""
        self._transition(
            EventType.TICKET_RESOLVED, TicketState.RESOLVED, "be resolved", actor, at,
            resolution_code=resolution_code, note=note,
        )  # fmt: skip

    def reopen(self, *, reason: str, actor: str, at: datetime) -> None:
        """Bring a resolved or closed ticket back because the fix did not hold."""
        if self.state not in REOPENABLE:
            raise refusal(self.ref, self.state, "be reopened (only resolved or closed tickets can)")
        self._transition(EventType.TICKET_REOPENED, self._working_state(), "be reopened", actor, at, reason=reason)

    def close(self, *, actor: str, at: datetime) -> None:
        """Close a resolved ticket for good (reopening stays possible)."""
        self._transition(EventType.TICKET_CLOSED, TicketState.CLOSED, "be closed", actor, at)

    def cancel(self, *, reason: str, actor: str, at: datetime) -> None:
        """Withdraw an open ticket that needs no work (duplicate, opened by mistake)."""
        self._transition(EventType.TICKET_CANCELLED, TicketState.CANCELLED, "be cancelled", actor, at, reason=reason)

    def escalate(
        self,
        *,
        level: str,
        reason: str,
        actor: str,
        at: datetime,
        group: str | None = None,
        notified: tuple[str, ...] = (),
    ) -> None:
        """Record an escalation: functional moves the ticket to `group` (a hop), hierarchical tells `notified`."""
        self._require_open("be escalated")
        if level not in ("functional", "hierarchical"):
            raise InvalidInput(f"Unknown escalation level {level!r}.", hint="Use functional or hierarchical.")
        if level == "functional" and group is None:
            raise InvalidInput("A functional escalation needs the group to hand the ticket to.", hint="Name a group.")
        moves = level == "functional" and group != self.group
        self._record(
            EventType.TICKET_ESCALATED,
            actor,
            at,
            level=level,
            group=group if level == "functional" else None,
            previous_group=self.group,
            notified=list(notified),
            reason=reason,
        )
        if moves and self.assignee is not None:
            # The new group picks its own assignee: the ticket goes back to its queue.
            self.assign(group=group, assignee=None, reason=f"escalated: {reason}", actor=actor, at=at)

    def record(self, type: EventType, actor: str, at: datetime, **payload: Any) -> None:
        """Record an event of another area (SLA warnings and breaches, pages) that no ticket rule governs.

        Events whose meaning the ticket's own commands check (opening, state changes, assignment,
        priority, escalation) are refused here: use the command, so the transition table holds.
        """
        if type in _GOVERNED:
            raise ValueError(f"{type} is recorded by the ticket's own command, not by record()")
        self._record(type, actor, at, **payload)

    def add_comment(self, *, visibility: CommentVisibility, text: str, actor: str, at: datetime) -> None:
        """Add a public or internal comment (allowed in every state: people talk after closure too)."""
        if not text.strip():
            raise InvalidInput("The comment is empty.", hint="Write the text of the comment.")
        self._record(EventType.COMMENT_ADDED, actor, at, visibility=str(visibility), text=text)

    # ----- the fold -----------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        """Fold one event into the projection. Checks nothing: the event already happened."""
        at = event.occurred_at
        p = event.payload
        self.last_seq = event.seq if isinstance(event, RecordedEvent) else self.last_seq + 1
        self.updated_at = at
        handler = _FOLD.get(event.type)
        if handler is not None:
            handler(self, at, p)
        elif "to_state" in p:
            # Event types added later (approvals, …) that move the state fold the same way.
            self._enter_state(TicketState(p["to_state"]), at, p.get("pending_reason"))

    def _fold_opened(self, at: datetime, p: dict[str, Any]) -> None:
        self.kind = TicketKind(p.get("kind", TicketKind.INCIDENT))
        self.title = p.get("title", "")
        self.description = p.get("description") or ""
        self.requester = p.get("requester", "")
        for name in ("urgency", "impact", "priority", "category", "service", "customer", "group", "channel"):
            setattr(self, name, p.get(name))
        self.opened_at = at
        self.state = TicketState(p.get("state") or TicketState.NEW)
        if self.state == TicketState.PENDING:
            self.pending_since = at

    def _fold_priority(self, _at: datetime, p: dict[str, Any]) -> None:
        self.urgency = p.get("urgency", self.urgency)
        self.impact = p.get("impact", self.impact)
        self.priority = p.get("priority", self.priority)

    def _fold_category(self, _at: datetime, p: dict[str, Any]) -> None:
        self.category = p.get("category")

    def _fold_assigned(self, _at: datetime, p: dict[str, Any]) -> None:
        self._move_to_group(p.get("group", self.group))
        self.assignee = p.get("assignee", self.assignee)

    def _fold_escalated(self, _at: datetime, p: dict[str, Any]) -> None:
        self.escalation_count += 1
        if p.get("group"):
            self._move_to_group(p["group"])

    def _fold_state(self, at: datetime, p: dict[str, Any]) -> None:
        self._enter_state(TicketState(p["to_state"]), at, p.get("pending_reason"))

    def _fold_acknowledged(self, at: datetime, _p: dict[str, Any]) -> None:
        if self.acknowledged_at is None:
            self.acknowledged_at = at

    def _fold_resolved(self, at: datetime, _p: dict[str, Any]) -> None:
        self._enter_state(TicketState.RESOLVED, at, None)
        self.resolved_at = at

    def _fold_reopened(self, at: datetime, p: dict[str, Any]) -> None:
        self.reopen_count += 1
        self.resolved_at = None
        self.closed_at = None
        target = TicketState(p["to_state"]) if p.get("to_state") else self._working_state()
        self._enter_state(target, at, None)

    def _fold_closed(self, at: datetime, _p: dict[str, Any]) -> None:
        self._enter_state(TicketState.CLOSED, at, None)
        self.closed_at = at

    def _fold_cancelled(self, at: datetime, _p: dict[str, Any]) -> None:
        self._enter_state(TicketState.CANCELLED, at, None)
        self.closed_at = at

    def _fold_nothing(self, _at: datetime, _p: dict[str, Any]) -> None:
        """Comments and SLA events leave the projection as it is (apart from updated_at)."""

    # ----- helpers ------------------------------------------------------------------------------

    def _move_to_group(self, group: str | None) -> None:
        # A hop is a change from one group to another; the first routing is not a reassignment.
        if group != self.group and self.group is not None and group is not None:
            self.reassignment_count += 1
        self.group = group

    def _enter_state(self, target: TicketState, at: datetime, pending_reason: str | None) -> None:
        if self.state == TicketState.PENDING and self.pending_since is not None:
            self.pending_seconds += max(0.0, (at - self.pending_since).total_seconds())
            self.pending_since = None
        if target == TicketState.PENDING:
            if self.pending_since is None:
                self.pending_since = at
            self.pending_reason = PendingReason(pending_reason) if pending_reason else PendingReason.OTHER
        else:
            self.pending_reason = None
        self.state = target

    def _working_state(self) -> TicketState:
        """Where work resumes: in progress with an assignee, assigned with only a group, else new."""
        if self.assignee is not None:
            return TicketState.IN_PROGRESS
        if self.group is not None:
            return TicketState.ASSIGNED
        return TicketState.NEW

    def _require_open(self, verb: str) -> None:
        if not self.is_open:
            raise refusal(self.ref, self.state, verb)

    def _require_state_change(self, target: TicketState, verb: str) -> None:
        check_transition(self.ref, self.state, target, verb)

    def _change_state(
        self,
        target: TicketState,
        verb: str,
        actor: str,
        at: datetime,
        *,
        reason: str = "",
        pending_reason: PendingReason | None = None,
    ) -> None:
        if target == self.state and target != TicketState.PENDING:
            return
        if target != self.state:
            check_transition(self.ref, self.state, target, verb)
        payload: dict[str, Any] = {"from_state": str(self.state), "to_state": str(target), "reason": reason}
        if pending_reason is not None:
            payload["pending_reason"] = str(pending_reason)
        self._record(EventType.STATE_CHANGED, actor, at, **payload)

    def _transition(
        self, type: EventType, target: TicketState, verb: str, actor: str, at: datetime, **payload: Any
    ) -> None:
        check_transition(self.ref, self.state, target, verb)
        self._record(type, actor, at, from_state=str(self.state), to_state=str(target), **payload)

    def _acknowledge(self, actor: str, at: datetime) -> None:
        if self.acknowledged_at is None:
            self._record(EventType.TICKET_ACKNOWLEDGED, actor, at)

    def _record(self, type: EventType, actor: str, at: datetime, **payload: Any) -> None:
        if not actor.strip() or len(actor) > ACTOR_MAX:
            raise InvalidInput(
                f"Who is acting is not known (actor {actor[:40]!r}).",
                hint=f"Act as a person of the desk (an id of 1 to {ACTOR_MAX} characters).",
            )
        event = DomainEvent(type=type, occurred_at=ensure_utc(at), actor=actor, payload=payload)
        self.apply(event)
        self._new_events.append((self.last_seq, event))


_GOVERNED = frozenset(
    {
        EventType.TICKET_OPENED,
        EventType.PRIORITY_CHANGED,
        EventType.CATEGORY_CHANGED,
        EventType.TICKET_ASSIGNED,
        EventType.TICKET_ESCALATED,
        EventType.STATE_CHANGED,
        EventType.TICKET_ACKNOWLEDGED,
        EventType.TICKET_RESOLVED,
        EventType.TICKET_REOPENED,
        EventType.TICKET_CLOSED,
        EventType.TICKET_CANCELLED,
        EventType.COMMENT_ADDED,
    }
)

_FOLD = {
    EventType.TICKET_OPENED: Ticket._fold_opened,
    EventType.PRIORITY_CHANGED: Ticket._fold_priority,
    EventType.CATEGORY_CHANGED: Ticket._fold_category,
    EventType.TICKET_ASSIGNED: Ticket._fold_assigned,
    EventType.TICKET_ESCALATED: Ticket._fold_escalated,
    EventType.STATE_CHANGED: Ticket._fold_state,
    EventType.TICKET_ACKNOWLEDGED: Ticket._fold_acknowledged,
    EventType.TICKET_RESOLVED: Ticket._fold_resolved,
    EventType.TICKET_REOPENED: Ticket._fold_reopened,
    EventType.TICKET_CLOSED: Ticket._fold_closed,
    EventType.TICKET_CANCELLED: Ticket._fold_cancelled,
    EventType.COMMENT_ADDED: Ticket._fold_nothing,
    EventType.SLA_WARNING: Ticket._fold_nothing,
    EventType.SLA_BREACHED: Ticket._fold_nothing,
}
