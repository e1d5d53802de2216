"""Domain events: the append-only history of a ticket, in the past tense.

Every change to a ticket is one event `(ticket_id, seq, type, occurred_at, actor, payload)`.
The ticket row is a projection of these events, updated in the same transaction; KPIs and SLA
clocks can always be recomputed from the log. Payload keys are part of the contract (the
importers write the same events as the chat commands):

| type | payload |
| --- | --- |
| TicketOpened | kind, title, description, requester, urgency, impact, priority, category, service, |
|  | customer, group, channel, state |
| PriorityChanged | urgency, impact, priority, previous_urgency, previous_impact, previous_priority, reason |
| TicketAssigned | group, assignee, previous_group, previous_assignee, reason |
| TicketEscalated | level ("functional" / "hierarchical"), group, previous_group, notified, reason |
| StateChanged | from_state, to_state, pending_reason (with to_state "pending"), reason |
| CommentAdded | visibility ("public" / "internal"), text |
| TicketAcknowledged | (empty) first time the desk took the ticket in hand (a person assigned, or work started) |
| TicketResolved | from_state, resolution_code, note |
| TicketReopened | from_state, to_state (new, assigned or in_progress), reason |
| TicketClosed | from_state |
| TicketCancelled | from_state, reason |
| CategoryChanged | category, previous_category |
| SlaWarning | clock, agreement, threshold_percent, due |
| SlaBreached | clock, agreement, due |
| EscalationStarted | policy, major, steps (count), reason |
| PageSent | step (e.g. "t0"), cycle, target, recipients, reason |
| PageAcknowledged | step, page_sent_at (the ack itself is the event's actor and time) |
| EscalationStopped | reason ("acknowledged" / "resolved" / "exhausted" / "stopped"), by |
| MajorIncidentDeclared | reason, policy |
| RequestSubmitted | request_type, form (name → value), sla_from, task_order, approvals (steps: name, rule, |
|  | approvers), tasks (title, group) — a snapshot of the catalog entry (deskops/core/requests.py) |
| ApprovalDecided | step, decision ("approved" / "rejected"), reason |
| RequestTaskDone | task (index from 1), title, note |
| HandedOff | interface, kind (operations/security/supplier), agreement, channel ("webhook"/"email"), note |
| InterfaceUpdated | interface, status ("update" / "resolved"), text, external_ref |
| AlertReceived | source, fingerprint, status ("firing" / "resolved"), summary |

Every event that changes the state carries `from_state` and `to_state` (Resolved/Reopened/
Closed/Cancelled imply their `to_state`), so a ticket's state timeline is a fold over its log.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from deskops.core.clock import ensure_utc


class EventType(StrEnum):
    """The kinds of things that happen to a ticket."""

    TICKET_OPENED = "TicketOpened"
    PRIORITY_CHANGED = "PriorityChanged"
    CATEGORY_CHANGED = "CategoryChanged"
    TICKET_ASSIGNED = "TicketAssigned"
    TICKET_ESCALATED = "TicketEscalated"
    STATE_CHANGED = "StateChanged"
    COMMENT_ADDED = "CommentAdded"
    TICKET_ACKNOWLEDGED = "TicketAcknowledged"
    TICKET_RESOLVED = "TicketResolved"
    TICKET_REOPENED = "TicketReopened"
    TICKET_CLOSED = "TicketClosed"
    TICKET_CANCELLED = "TicketCancelled"
    SLA_WARNING = "SlaWarning"
    SLA_BREACHED = "SlaBreached"
    ESCALATION_STARTED = "EscalationStarted"
    PAGE_SENT = "PageSent"
    PAGE_ACKNOWLEDGED = "PageAcknowledged"
    ESCALATION_STOPPED = "EscalationStopped"
    MAJOR_INCIDENT_DECLARED = "MajorIncidentDeclared"
    REQUEST_SUBMITTED = "RequestSubmitted"
    APPROVAL_DECIDED = "ApprovalDecided"
    REQUEST_TASK_DONE = "RequestTaskDone"
    HANDED_OFF = "HandedOff"
    INTERFACE_UPDATED = "InterfaceUpdated"
    ALERT_RECEIVED = "AlertReceived"


class DomainEvent(BaseModel):
    """One entry of a ticket's history, before it gets its sequence number in the store."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: EventType
    occurred_at: datetime
    actor: str
    payload: dict[str, Any] = {}

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return ensure_utc(value)


class RecordedEvent(DomainEvent):
    """An event as stored: it belongs to a ticket and has its place `seq` in that ticket's log."""

    ticket_id: int
    seq: int
