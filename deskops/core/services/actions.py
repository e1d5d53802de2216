"""What a viewer may do next with a ticket, so adapters can offer the right buttons."""

from __future__ import annotations

from deskops.core.directory import Directory
from deskops.core.tickets import Ticket, TicketState

_AGENT_ACTIONS: dict[TicketState, tuple[str, ...]] = {
    TicketState.NEW: ("assign", "start_work", "classify", "set_pending", "resolve", "cancel", "comment"),
    TicketState.ASSIGNED: ("assign", "start_work", "classify", "set_pending", "resolve", "cancel", "comment"),
    TicketState.IN_PROGRESS: ("assign", "classify", "set_pending", "resolve", "cancel", "comment"),
    TicketState.PENDING: ("resume", "assign", "classify", "resolve", "cancel", "comment"),
    TicketState.RESOLVED: ("close", "reopen", "comment"),
    TicketState.CLOSED: ("reopen", "comment"),
    TicketState.CANCELLED: ("comment",),
}


def available_actions(directory: Directory, actor: str, ticket: Ticket) -> tuple[str, ...]:
    """Return the use cases `actor` may run on `ticket` now (agents work; requesters comment, reopen, cancel)."""
    if directory.is_agent(actor):
        actions = _AGENT_ACTIONS[ticket.state]
        if ticket.assignee not in (None, actor):
            actions = tuple(a for a in actions if a != "start_work")
        return actions
    if actor != ticket.requester:
        return ()
    if ticket.state in (TicketState.RESOLVED, TicketState.CLOSED):
        return ("reopen", "comment")
    if ticket.is_open:
        return ("comment", "cancel")
    return ("comment",)
