"""Who must be told of what: outbox messages written in the same transaction as the change.

Keys are `f"{ticket_id}:{seq}:{role}"` (role: requester, assignee, group), so a retried use case
or a redelivered message is recognised. People are never told about their own actions.
"""

from __future__ import annotations

from datetime import datetime

from deskops.core.events import EventType, RecordedEvent
from deskops.core.ports import OutboxMessage
from deskops.core.services.context import Desk
from deskops.core.services.timeline import describe
from deskops.core.tickets import Ticket

NOTIFICATION_KIND = "ticket.update"
"""The outbox `kind` of ticket notifications (bot/notify renders them)."""

_TELL_REQUESTER = {
    EventType.TICKET_OPENED,  # opened on their behalf by an agent
    EventType.TICKET_ACKNOWLEDGED,
    EventType.TICKET_RESOLVED,
    EventType.TICKET_REOPENED,
    EventType.TICKET_CANCELLED,
    EventType.TICKET_ESCALATED,
}
_TELL_ASSIGNEE = {
    EventType.COMMENT_ADDED,
    EventType.PRIORITY_CHANGED,
    EventType.TICKET_REOPENED,
    EventType.TICKET_CANCELLED,
    EventType.TICKET_RESOLVED,
    EventType.TICKET_CLOSED,
}


def messages_for(ticket: Ticket, events: list[RecordedEvent], desk: Desk, now: datetime) -> list[OutboxMessage]:
    """Return the outbox messages the recorded events call for."""
    messages: list[OutboxMessage] = []
    for event in events:
        for role, recipient in _recipients(ticket, event):
            if recipient == event.actor:
                continue
            hidden = is_shared(recipient) and desk.directory.is_confidential(ticket.category)
            messages.append(
                OutboxMessage(
                    key=f"{event.ticket_id}:{event.seq}:{role}",
                    kind=NOTIFICATION_KIND,
                    recipient=recipient,
                    ticket_id=event.ticket_id,
                    payload={
                        "ticket": ticket.ref,
                        "title": shared_title(ticket, desk) if hidden else ticket.title,
                        "state": str(ticket.state),
                        "priority": ticket.priority,
                        "event": str(event.type),
                        "seq": event.seq,
                        "actor": event.actor,
                        "role": role,
                        "text": (f"{ticket.ref}: {shared_title(ticket, desk)} is in the queue; "
                                 f"/ticket show {ticket.ref} for its details") if hidden
                        else f"{ticket.ref}: {describe(event, desk)}",
                    },
                    created_at=now,
                )
            )
    return messages


def is_shared(recipient: str) -> bool:
    """True for recipients several people read (a group's queue or a channel), not one person."""
    return recipient.startswith(("group:", "channel:", "#"))


def shared_title(ticket: Ticket, desk: Desk) -> str:
    """The title to post where several people read: a confidential ticket's title never goes there."""
    if desk.directory.is_confidential(ticket.category):
        return f"confidential {ticket.category} ticket"
    return ticket.title


def _recipients(ticket: Ticket, event: RecordedEvent) -> list[tuple[str, str]]:
    p = event.payload
    out: list[tuple[str, str]] = []
    public_comment = event.type == EventType.COMMENT_ADDED and p.get("visibility") == "public"
    waits_for_customer = event.type == EventType.STATE_CHANGED and p.get("pending_reason") == "customer"
    if event.type in _TELL_REQUESTER or public_comment or waits_for_customer:
        out.append(("requester", ticket.requester))
    newly_assigned = event.type == EventType.TICKET_ASSIGNED and p.get("assignee") not in (
        None,
        p.get("previous_assignee"),
    )
    if newly_assigned:
        out.append(("assignee", str(p["assignee"])))
    elif ticket.assignee is not None and (
        event.type in _TELL_ASSIGNEE or (event.type == EventType.STATE_CHANGED and p.get("from_state") == "pending")
    ):
        out.append(("assignee", ticket.assignee))
    regrouped = p.get("assignee") is None and p.get("group") != p.get("previous_group")
    to_queue = event.type == EventType.TICKET_OPENED or (event.type == EventType.TICKET_ASSIGNED and regrouped)
    if to_queue and p.get("group"):
        out.append(("group", f"group:{p['group']}"))
    return out
