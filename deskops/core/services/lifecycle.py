"""Use cases that move a ticket through its life: start, pending, resume, resolve, reopen, close, cancel."""

from __future__ import annotations

from datetime import datetime

from deskops.core.access import require_requester_or_agent, require_work
from deskops.core.clock import ensure_utc
from deskops.core.errors import InvalidInput
from deskops.core.ports import UnitOfWork
from deskops.core.services._support import SHORT_MAX, TEXT_MAX, change_ticket, clean_text, parse_choice
from deskops.core.services.context import Desk
from deskops.core.services.views import TicketView
from deskops.core.tickets import PendingReason, Ticket


def start_work(*, uow: UnitOfWork, desk: Desk, actor: str, ref: str, now: datetime) -> TicketView:
    """Move the ticket to in progress; the actor takes it if nobody holds it."""
    at = ensure_utc(now)

    def change(ticket: Ticket) -> None:
        require_work(desk.directory, actor, ticket, "work on tickets")
        if ticket.assignee not in (None, actor):
            raise InvalidInput(
                f"{ticket.ref} is held by {desk.directory.display_name(ticket.assignee)}.",
                hint=f"Assign it to yourself first (assign {ticket.ref} me), or ask them.",
            )
        ticket.start_work(actor=actor, at=at)

    return change_ticket(uow, desk, ref, change)


def set_pending(
    *, uow: UnitOfWork, desk: Desk, actor: str, ref: str, reason: PendingReason | str, now: datetime, note: str = ""
) -> TicketView:
    """Put the ticket on hold, waiting for the customer, a supplier, a change, a problem or other."""
    at = ensure_utc(now)
    waiting_for = parse_choice("pending reason", reason, PendingReason)
    text = clean_text("note", note, limit=TEXT_MAX)

    def change(ticket: Ticket) -> None:
        require_work(desk.directory, actor, ticket, "set tickets pending")
        ticket.set_pending(reason=waiting_for, note=text, actor=actor, at=at)

    return change_ticket(uow, desk, ref, change)


def resume(*, uow: UnitOfWork, desk: Desk, actor: str, ref: str, now: datetime) -> TicketView:
    """End a pending span: the ticket goes back to in progress (or its queue if nobody holds it)."""
    at = ensure_utc(now)

    def change(ticket: Ticket) -> None:
        require_work(desk.directory, actor, ticket, "resume tickets")
        ticket.resume(actor=actor, at=at)

    return change_ticket(uow, desk, ref, change)


def resolve(
    *, uow: UnitOfWork, desk: Desk, actor: str, ref: str, resolution_code: str, now: datetime, note: str = ""
) -> TicketView:
    """Record that service is restored (or the request fulfilled), with a resolution code and a note."""
    at = ensure_utc(now)
    code = clean_text("resolution code", resolution_code, limit=SHORT_MAX, required=True)
    text = clean_text("note", note, limit=TEXT_MAX)

    def change(ticket: Ticket) -> None:
        require_work(desk.directory, actor, ticket, "resolve tickets")
        ticket.resolve(resolution_code=code, note=text, actor=actor, at=at)

    return change_ticket(uow, desk, ref, change)


def reopen(*, uow: UnitOfWork, desk: Desk, actor: str, ref: str, reason: str, now: datetime) -> TicketView:
    """Bring back a resolved or closed ticket (its requester or an agent), saying why the fix did not hold."""
    at = ensure_utc(now)
    why = clean_text("reason", reason, limit=TEXT_MAX, required=True)

    def change(ticket: Ticket) -> None:
        require_requester_or_agent(desk.directory, actor, ticket, "reopen someone else's ticket")
        ticket.reopen(reason=why, actor=actor, at=at)

    return change_ticket(uow, desk, ref, change)


def close(*, uow: UnitOfWork, desk: Desk, actor: str, ref: str, now: datetime) -> TicketView:
    """Close a resolved ticket."""
    at = ensure_utc(now)

    def change(ticket: Ticket) -> None:
        require_work(desk.directory, actor, ticket, "close tickets")
        ticket.close(actor=actor, at=at)

    return change_ticket(uow, desk, ref, change)


def cancel(*, uow: UnitOfWork, desk: Desk, actor: str, ref: str, reason: str, now: datetime) -> TicketView:
    """Withdraw an open ticket that needs no work (its requester or an agent), saying why."""
    at = ensure_utc(now)
    why = clean_text("reason", reason, limit=TEXT_MAX, required=True)

    def change(ticket: Ticket) -> None:
        require_requester_or_agent(desk.directory, actor, ticket, "cancel someone else's ticket")
        ticket.cancel(reason=why, actor=actor, at=at)

    return change_ticket(uow, desk, ref, change)
