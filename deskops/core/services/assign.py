"""Use case: assign a ticket to a group, a person, or oneself."""

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

SELF = "me"
"""`person="me"` assigns the ticket to the actor."""


def assign(
    *,
    uow: UnitOfWork,
    desk: Desk,
    actor: str,
    ref: str,
    now: datetime,
    group: str | None = None,
    person: str | None = None,
    reason: str = "",
) -> TicketView:
    """Route a ticket to a group and/or a person (`person="me"` for oneself).

    A person alone keeps the ticket's group if they are a member, else moves it to their first group;
    a group alone keeps the assignee only if they are a member of the new group.
    """
    at = ensure_utc(now)
    directory = desk.directory
    if group is None and person is None:
        raise InvalidInput("Assign to whom?", hint="Give a group, a person, or `me`.")
    why = clean_text("reason", reason, limit=TEXT_MAX)

    def change(ticket: Ticket) -> None:
        require_work(directory, actor, ticket, "assign tickets")
        target_group = group if group is not None else ticket.group
        if group is not None:
            directory.require_group(group)
        assignee: str | None
        if person is not None:
            assignee = actor if person.strip().lower() == SELF else person
            directory.require_person(assignee)
            if not directory.is_agent(assignee):
                raise InvalidInput(
                    f"{directory.display_name(assignee)} is not an agent of any group.",
                    hint=_members_hint(desk, target_group),
                )
            if group is not None and not directory.is_member(assignee, group):
                raise InvalidInput(
                    f"{directory.display_name(assignee)} is not a member of {group}.",
                    hint=_members_hint(desk, group),
                )
            if group is None and (target_group is None or not directory.is_member(assignee, target_group)):
                own = directory.groups_of(assignee)
                target_group = own[0] if own else target_group
        else:
            held = ticket.assignee
            stays = held is not None and target_group is not None and directory.is_member(held, target_group)
            assignee = held if stays else None
        ticket.assign(group=target_group, assignee=assignee, reason=why, actor=actor, at=at)

    return change_ticket(uow, desk, ref, change)


def _members_hint(desk: Desk, group: str | None) -> str:
    config = desk.directory.group(group) if group is not None else None
    if config is None or not config.members:
        return "Assign to a member of a group (see the groups in the desk file)."
    names = ", ".join(config.members)
    return f"Members of {group}: {names}."
