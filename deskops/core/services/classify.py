"""Use case: classify a ticket (urgency, impact → priority through the matrix; category → routing)."""

from __future__ import annotations

from datetime import datetime

from deskops.core.access import require_work
from deskops.core.clock import ensure_utc
from deskops.core.errors import InvalidInput
from deskops.core.ports import UnitOfWork
from deskops.core.services._support import TEXT_MAX, change_ticket, clean_text
from deskops.core.services.context import Desk
from deskops.core.services.views import TicketView
from deskops.core.tickets import Ticket


def classify(
    *,
    uow: UnitOfWork,
    desk: Desk,
    actor: str,
    ref: str,
    now: datetime,
    urgency: str | None = None,
    impact: str | None = None,
    category: str | None = None,
    reason: str = "",
) -> TicketView:
    """Set urgency/impact (the matrix recomputes the priority, recorded with why) and/or the category.

    A ticket with no group yet goes to the new category's default group.
    """
    at = ensure_utc(now)
    if urgency is None and impact is None and category is None:
        raise InvalidInput("Nothing to classify.", hint="Give an urgency, an impact or a category.")
    why = clean_text("reason", reason, limit=TEXT_MAX)

    def change(ticket: Ticket) -> None:
        require_work(desk.directory, actor, ticket, "classify tickets")
        if urgency is not None or impact is not None:
            new = desk.priorities.classify(
                urgency if urgency is not None else ticket.urgency,
                impact if impact is not None else ticket.impact,
            )
            pairs = (("urgency", ticket.urgency, new.urgency), ("impact", ticket.impact, new.impact))
            changes = [f"{name} {old or '-'} → {value}" for name, old, value in pairs if old != value]
            ticket.change_priority(
                urgency=new.urgency,
                impact=new.impact,
                priority=new.priority,
                reason="; ".join(changes + ([why] if why else [])),
                actor=actor,
                at=at,
            )
        if category is not None:
            default_group = desk.directory.require_category(category).default_group
            ticket.change_category(category=category, actor=actor, at=at)
            if ticket.group is None and default_group is not None:
                ticket.assign(
                    group=default_group,
                    assignee=ticket.assignee,
                    reason=f"category {category} goes to {default_group}",
                    actor=actor,
                    at=at,
                )

    return change_ticket(uow, desk, ref, change)
