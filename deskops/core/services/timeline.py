"""One-line human summaries of events, for the history and for notification texts."""

from __future__ import annotations

from typing import Any

from deskops.core.events import DomainEvent, EventType
from deskops.core.services.context import Desk


def describe(event: DomainEvent, desk: Desk) -> str:
    """Return what happened, e.g. `Bob Keller assigned it to network (Bob Keller)`."""
    who = desk.directory.display_name(event.actor)
    p = event.payload
    text = _WHAT.get(event.type, _unknown)(p, desk)
    return f"{who} {text}"


def _opened(p: dict[str, Any], desk: Desk) -> str:
    kind = "service request" if p.get("kind") == "service_request" else "incident"
    routed = f", queue {p['group']}" if p.get("group") else ""
    return f"opened the {kind} “{p.get('title', '')}” ({desk.priorities.label(p.get('priority'))}{routed})"


def _priority(p: dict[str, Any], desk: Desk) -> str:
    before = desk.priorities.label(p.get("previous_priority"))
    after = desk.priorities.label(p.get("priority"))
    why = f": {p['reason']}" if p.get("reason") else ""
    return f"set urgency {p.get('urgency')} × impact {p.get('impact')} → {after} (was {before}){why}"


def _category(p: dict[str, Any], _desk: Desk) -> str:
    return f"set the category to {p.get('category') or 'none'} (was {p.get('previous_category') or 'none'})"


def _assigned(p: dict[str, Any], desk: Desk) -> str:
    person = desk.directory.display_name(p["assignee"]) if p.get("assignee") else "nobody in particular"
    why = f": {p['reason']}" if p.get("reason") else ""
    return f"assigned it to {p.get('group') or 'no group'} ({person}){why}"


def _escalated(p: dict[str, Any], _desk: Desk) -> str:
    where = f" to {p['group']}" if p.get("group") else ""
    why = f": {p['reason']}" if p.get("reason") else ""
    return f"escalated it ({p.get('level', 'functional')}){where}{why}"


def _state(p: dict[str, Any], _desk: Desk) -> str:
    why = f": {p['reason']}" if p.get("reason") else ""
    if p.get("to_state") == "pending":
        return f"set it pending, waiting for {p.get('pending_reason', 'other')}{why}"
    if p.get("from_state") == "pending":
        return f"resumed it ({p.get('to_state')}){why}"
    return f"moved it from {p.get('from_state')} to {p.get('to_state')}{why}"


def _comment(p: dict[str, Any], _desk: Desk) -> str:
    label = "wrote an internal note" if p.get("visibility") == "internal" else "commented"
    return f"{label}: {p.get('text', '')}"


def _acknowledged(_p: dict[str, Any], _desk: Desk) -> str:
    return "took it in hand (acknowledged)"


def _resolved(p: dict[str, Any], _desk: Desk) -> str:
    note = f": {p['note']}" if p.get("note") else ""
    return f"resolved it ({p.get('resolution_code') or 'no code'}){note}"


def _reopened(p: dict[str, Any], _desk: Desk) -> str:
    why = f": {p['reason']}" if p.get("reason") else ""
    return f"reopened it{why}"


def _closed(_p: dict[str, Any], _desk: Desk) -> str:
    return "closed it"


def _cancelled(p: dict[str, Any], _desk: Desk) -> str:
    why = f": {p['reason']}" if p.get("reason") else ""
    return f"cancelled it{why}"


def _sla_warning(p: dict[str, Any], _desk: Desk) -> str:
    return f"warned: {p.get('clock')} target {p.get('threshold_percent')}% used (due {p.get('due')})"


def _sla_breached(p: dict[str, Any], _desk: Desk) -> str:
    return f"recorded a breach of the {p.get('clock')} target (was due {p.get('due')})"


def _unknown(p: dict[str, Any], _desk: Desk) -> str:
    return "changed it" + (f" to {p['to_state']}" if p.get("to_state") else "")


_WHAT = {
    EventType.TICKET_OPENED: _opened,
    EventType.PRIORITY_CHANGED: _priority,
    EventType.CATEGORY_CHANGED: _category,
    EventType.TICKET_ASSIGNED: _assigned,
    EventType.TICKET_ESCALATED: _escalated,
    EventType.STATE_CHANGED: _state,
    EventType.COMMENT_ADDED: _comment,
    EventType.TICKET_ACKNOWLEDGED: _acknowledged,
    EventType.TICKET_RESOLVED: _resolved,
    EventType.TICKET_REOPENED: _reopened,
    EventType.TICKET_CLOSED: _closed,
    EventType.TICKET_CANCELLED: _cancelled,
    EventType.SLA_WARNING: _sla_warning,
    EventType.SLA_BREACHED: _sla_breached,
}
