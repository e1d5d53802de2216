"""One-line human summaries of events, for the history and for notification texts."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from deskops.core.events import DomainEvent, EventType
from deskops.core.services.context import Desk

Summary = Callable[[dict[str, Any], Desk], str]
"""Turns an event's payload into the words after the actor's name, e.g. `resolved it (fixed)`."""


def register_summary(type: EventType, summary: Summary, *, by_the_clock: bool = False) -> None:
    """Let another area word its own event types (`by_the_clock`: no actor name in front)."""
    _WHAT[type] = summary
    if by_the_clock:
        _BY_THE_CLOCK.add(type)


def describe(event: DomainEvent, desk: Desk) -> str:
    """Return what happened, e.g. `Alice Meier assigned it to Bob Keller (network)`."""
    text = _WHAT.get(event.type, _unknown(event.type))(event.payload, desk)
    if event.type in _BY_THE_CLOCK:
        return text
    return f"{desk.directory.display_name(event.actor)} {text}"


def _state_name(value: object) -> str:
    return str(value or "-").replace("_", " ")


def _at(value: object) -> str:
    """Format an ISO instant from a payload as `2026-06-15 12:00 UTC` (as given if it is not one)."""
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if instant.tzinfo is None:
        return str(value)
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


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
    why = f": {p['reason']}" if p.get("reason") else ""
    if p.get("assignee"):
        group = f" ({p['group']})" if p.get("group") else ""
        return f"assigned it to {desk.directory.display_name(p['assignee'])}{group}{why}"
    if p.get("group"):
        return f"put it in the {p['group']} queue{why}"
    return f"unassigned it{why}"


def _escalated(p: dict[str, Any], _desk: Desk) -> str:
    where = f" to {p['group']}" if p.get("group") else ""
    why = f": {p['reason']}" if p.get("reason") else ""
    return f"escalated it ({p.get('level', 'functional')}){where}{why}"


def _state(p: dict[str, Any], _desk: Desk) -> str:
    why = f": {p['reason']}" if p.get("reason") else ""
    if p.get("to_state") == "pending":
        return f"set it pending, waiting for {p.get('pending_reason', 'other')}{why}"
    if p.get("from_state") == "pending":
        return f"resumed it ({_state_name(p.get('to_state'))}){why}"
    return f"moved it from {_state_name(p.get('from_state'))} to {_state_name(p.get('to_state'))}{why}"


def _comment(p: dict[str, Any], _desk: Desk) -> str:
    label = "wrote an internal note" if p.get("visibility") == "internal" else "commented"
    return f"{label}: {p.get('text', '')}"


def _acknowledged(_p: dict[str, Any], _desk: Desk) -> str:
    return "acknowledged it: the desk has it in hand"


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
    return f"SLA warning: {p.get('clock')} target {p.get('threshold_percent')} % used, due {_at(p.get('due'))}"


def _sla_breached(p: dict[str, Any], _desk: Desk) -> str:
    return f"SLA breach: the {p.get('clock')} target passed unmet (was due {_at(p.get('due'))})"


def _unknown(type: EventType) -> Summary:
    """Word an event type nobody registered: `PageSent` → `recorded: page sent (reason)`."""
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", str(type)).lower()

    def summary(p: dict[str, Any], _desk: Desk) -> str:
        moved = f", now {_state_name(p['to_state'])}" if p.get("to_state") else ""
        why = f": {p['reason']}" if p.get("reason") else ""
        return f"recorded: {words}{moved}{why}"

    return summary


_BY_THE_CLOCK: set[EventType] = {EventType.SLA_WARNING, EventType.SLA_BREACHED}

_WHAT: dict[EventType, Summary] = {
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
