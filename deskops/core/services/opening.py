"""Use case: open a ticket (idempotent on the chat platform's delivery id)."""

from __future__ import annotations

from datetime import datetime

from deskops.core.access import require_agent, require_see
from deskops.core.clock import ensure_utc
from deskops.core.errors import Conflict
from deskops.core.ports import UnitOfWork
from deskops.core.routing import route
from deskops.core.services._support import SHORT_MAX, TEXT_MAX, TITLE_MAX, clean_text, finish, parse_choice, to_view
from deskops.core.services.context import Desk
from deskops.core.services.views import OpenResult
from deskops.core.tickets import Ticket, TicketKind


def open_ticket(
    *,
    uow: UnitOfWork,
    desk: Desk,
    actor: str,
    title: str,
    now: datetime,
    kind: TicketKind | str = TicketKind.INCIDENT,
    description: str = "",
    urgency: str | None = None,
    impact: str | None = None,
    category: str | None = None,
    service: str | None = None,
    customer: str | None = None,
    requester: str | None = None,
    group: str | None = None,
    channel: str | None = None,
    request_id: str | None = None,
) -> OpenResult:
    """Open an incident or service request; the same `request_id` again returns the first ticket."""
    at = ensure_utc(now)
    who = requester or actor
    if who != actor:
        require_agent(desk.directory, actor, "open tickets for someone else")
    if group is not None:
        require_agent(desk.directory, actor, "choose the group of a new ticket")
        desk.directory.require_group(group)
    routed_to = group
    if category is not None:
        category_config = desk.directory.require_category(category)
        # Routing rules (deskops/core/routing.py) come before the category's default group.
        routed_to = routed_to or route(desk.config.routing, kind=str(kind), requester=who, category=category,
                                       service=service) or category_config.default_group  # fmt: skip
    else:
        routed_to = routed_to or route(desk.config.routing, kind=str(kind), requester=who, category=None,
                                       service=service)  # fmt: skip
    priority = desk.priorities.classify(urgency, impact)
    ticket = Ticket.open(
        kind=parse_choice("kind", kind, TicketKind),
        title=clean_text("title", title, limit=TITLE_MAX, required=True),
        description=clean_text("description", description, limit=TEXT_MAX),
        requester=clean_text("requester", who, limit=SHORT_MAX, required=True),
        actor=actor,
        at=at,
        urgency=priority.urgency,
        impact=priority.impact,
        priority=priority.priority,
        category=category,
        service=clean_text("service", service, limit=SHORT_MAX) or None,
        customer=clean_text("customer", customer, limit=SHORT_MAX) or None,
        group=routed_to,
        channel=clean_text("channel", channel, limit=32) or None,
    )
    request = clean_text("request id", request_id, limit=200) or None
    try:
        with uow:
            if request is not None:
                seen = uow.tickets.ticket_for_request(request)
                if seen is not None:
                    require_see(desk.directory, actor, seen)
                    return OpenResult(ticket=to_view(seen, desk), created=False)
            finish(uow, desk, ticket, request_id=request)
            return OpenResult(ticket=to_view(ticket, desk), created=True)
    except Conflict:
        # Two deliveries of the same request raced; the other one won, so answer with its ticket.
        if request is None:
            raise
        with uow:
            seen = uow.tickets.ticket_for_request(request)
            if seen is None:
                raise
            return OpenResult(ticket=to_view(seen, desk), created=False)
