"""Use cases that only read: show a ticket, list tickets, show a ticket's history."""

from __future__ import annotations

from deskops.core.access import can_see_comment, require_see
from deskops.core.errors import InvalidInput
from deskops.core.events import EventType
from deskops.core.ports import SortOrder, TicketQuery, UnitOfWork
from deskops.core.services._support import load, parse_choice, to_view
from deskops.core.services.actions import available_actions
from deskops.core.services.context import Desk
from deskops.core.services.timeline import describe
from deskops.core.services.views import CommentView, EventView, TicketDetail, TicketList
from deskops.core.tickets import OPEN_STATES, TicketKind, TicketState

LIST_LIMIT_MAX = 500


def get_ticket(*, uow: UnitOfWork, desk: Desk, actor: str, ref: str) -> TicketDetail:
    """Show a ticket with the comments the actor may read and the actions the actor may take."""
    with uow:
        ticket = load(uow, ref, for_update=False)
        require_see(desk.directory, actor, ticket)
        assert ticket.id is not None
        comments = tuple(
            CommentView(
                seq=e.seq,
                at=e.occurred_at,
                author=e.actor,
                visibility=str(e.payload.get("visibility", "public")),
                text=str(e.payload.get("text", "")),
            )
            for e in uow.tickets.events(ticket.id)
            if e.type == EventType.COMMENT_ADDED
            and can_see_comment(desk.directory, actor, str(e.payload.get("visibility")))
        )
        return TicketDetail(
            ticket=to_view(ticket, desk),
            comments=comments,
            actions=available_actions(desk.directory, actor, ticket),
        )


def list_tickets(
    *,
    uow: UnitOfWork,
    desk: Desk,
    actor: str,
    mine: bool = False,
    requester: str | None = None,
    assignee: str | None = None,
    unassigned: bool = False,
    group: str | None = None,
    state: str | None = None,
    priority: str | None = None,
    kind: str | None = None,
    sort: SortOrder = "priority",
    limit: int = 50,
) -> TicketList:
    """List tickets: `mine` (requested by or assigned to the actor), a group's queue, or filtered.

    `unassigned=True` keeps the tickets nobody holds (with `group`: the queue's waiting work).

    `state` is a state name, `open` (the default: the backlog) or `all`. Requesters only ever see
    their own tickets; confidential categories show only to their group, managers and requester.
    """
    directory = desk.directory
    if not 1 <= limit <= LIST_LIMIT_MAX:
        raise InvalidInput(f"Cannot list {limit} tickets.", hint=f"Give a limit from 1 to {LIST_LIMIT_MAX}.")
    if group is not None:
        directory.require_group(group)
    if sort not in ("priority", "opened", "updated"):
        raise InvalidInput(f"Unknown sort order {sort!r}.", hint="Use one of: priority, opened, updated.")
    states: tuple[TicketState, ...] | None
    if state is None or state.strip().lower() == "open":
        states = tuple(s for s in TicketState if s in OPEN_STATES)
    elif state.strip().lower() == "all":
        states = None
    else:
        states = (parse_choice("state", state, TicketState),)
    if not directory.is_agent(actor):
        requester = actor  # requesters see their own tickets, whatever they asked for
    confidential = tuple(
        name for name, category in desk.config.categories.items() if category.confidential
    )
    query = TicketQuery(
        requester=requester,
        assignee=assignee,
        unassigned=unassigned,
        involving=actor if mine else None,
        group=group,
        states=states,
        priority=desk.priorities.check_priority(priority) if priority is not None else None,
        kind=parse_choice("kind", kind, TicketKind) if kind is not None else None,
        sort=sort,
        priority_order=desk.priorities.priorities,
        limit=limit,
        viewer=None if directory.is_manager(actor) else actor,
        viewer_groups=tuple(directory.groups_of(actor)),
        confidential_categories=confidential,
    )
    with uow:
        tickets, total = uow.tickets.find(query)
        return TicketList(items=tuple(to_view(t, desk) for t in tickets), total=total)


def history(*, uow: UnitOfWork, desk: Desk, actor: str, ref: str) -> tuple[EventView, ...]:
    """Return the ticket's timeline, oldest first (internal notes left out for non-agents)."""
    with uow:
        ticket = load(uow, ref, for_update=False)
        require_see(desk.directory, actor, ticket)
        assert ticket.id is not None
        return tuple(
            EventView.of(event, describe(event, desk))
            for event in uow.tickets.events(ticket.id)
            if event.type != EventType.COMMENT_ADDED
            or can_see_comment(desk.directory, actor, str(event.payload.get("visibility")))
        )
