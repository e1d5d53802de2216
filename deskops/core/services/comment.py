"""Use case: comment on a ticket, publicly or as an internal note."""

from __future__ import annotations

from datetime import datetime

from deskops.core.access import require_comment
from deskops.core.clock import ensure_utc
from deskops.core.ports import UnitOfWork
from deskops.core.services._support import TEXT_MAX, change_ticket, clean_text, parse_choice
from deskops.core.services.context import Desk
from deskops.core.services.views import TicketView
from deskops.core.tickets import CommentVisibility, PendingReason, Ticket, TicketState


def comment(
    *,
    uow: UnitOfWork,
    desk: Desk,
    actor: str,
    ref: str,
    text: str,
    now: datetime,
    visibility: CommentVisibility | str = CommentVisibility.PUBLIC,
    request_id: str | None = None,
) -> TicketView:
    """Add a comment; requesters write public ones only. A redelivered `request_id` adds nothing.

    When the requester answers a ticket pending on the customer, it resumes by itself: the wait is over.
    """
    at = ensure_utc(now)
    seen_as = parse_choice("visibility", visibility, CommentVisibility)
    body = clean_text("comment", text, limit=TEXT_MAX, required=True)
    request = clean_text("request id", request_id, limit=200) or None

    def change(ticket: Ticket) -> None:
        require_comment(desk.directory, actor, ticket, seen_as)
        if request is not None:
            if uow.tickets.ticket_for_request(request) is not None:
                return  # a redelivery: already done
            assert ticket.id is not None
            uow.tickets.remember_request(request, ticket.id, at)
        ticket.add_comment(visibility=seen_as, text=body, actor=actor, at=at)
        if (
            actor == ticket.requester
            and ticket.state == TicketState.PENDING
            and ticket.pending_reason == PendingReason.CUSTOMER
        ):
            ticket.resume(actor=actor, at=at, reason="the customer answered")

    return change_ticket(uow, desk, ref, change)
