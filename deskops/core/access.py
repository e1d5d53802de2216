"""Who may see and do what on a ticket; checked in the use cases so every adapter gets the same rules.

- Requesters see their own tickets, comment on them (public only), and may reopen or cancel them.
- Agents (members of any group) and managers see and work every ticket, except confidential
  categories, which only the ticket's group, managers and the requester see.
- Internal comments are never shown to someone who is not an agent.
"""

from __future__ import annotations

from deskops.core.directory import Directory
from deskops.core.errors import Forbidden, NotFound
from deskops.core.tickets import CommentVisibility, Ticket


def can_see(directory: Directory, actor: str, ticket: Ticket) -> bool:
    """True if `actor` may see `ticket`."""
    if actor == ticket.requester or directory.is_manager(actor):
        return True
    if not directory.is_agent(actor):
        return False
    if directory.is_confidential(ticket.category):
        return (ticket.group is not None and directory.is_member(actor, ticket.group)) or ticket.assignee == actor
    return True


def require_see(directory: Directory, actor: str, ticket: Ticket) -> None:
    """Refuse (as not found, so refs of others' tickets are not confirmed) unless `actor` may see it."""
    if not can_see(directory, actor, ticket):
        raise NotFound(
            f"There is no ticket {ticket.ref} that you can see.",
            hint="Check the reference; `list mine` shows your tickets.",
        )


def require_agent(directory: Directory, actor: str, what: str) -> None:
    """Refuse unless `actor` works on the desk (a group member, an agent or a manager)."""
    if not directory.is_agent(actor):
        raise Forbidden(
            f"Only the desk's agents may {what}.",
            hint="Ask the service desk to do it, or comment on your ticket to tell them.",
        )


def require_work(directory: Directory, actor: str, ticket: Ticket, what: str) -> None:
    """Refuse unless `actor` may see the ticket and is an agent."""
    require_see(directory, actor, ticket)
    require_agent(directory, actor, what)


def require_requester_or_agent(directory: Directory, actor: str, ticket: Ticket, what: str) -> None:
    """Allow the ticket's requester or an agent who may see it (reopen, cancel, comment)."""
    require_see(directory, actor, ticket)
    if actor != ticket.requester:
        require_agent(directory, actor, what)


def can_see_comment(directory: Directory, actor: str, visibility: str) -> bool:
    """True if `actor` may read a comment of this visibility (internal: agents only)."""
    return visibility != CommentVisibility.INTERNAL or directory.is_agent(actor)


def require_comment(directory: Directory, actor: str, ticket: Ticket, visibility: CommentVisibility) -> None:
    """Allow public comments to requester and agents, internal comments to agents only."""
    require_requester_or_agent(directory, actor, ticket, "comment on this ticket")
    if visibility == CommentVisibility.INTERNAL:
        require_agent(directory, actor, "write internal comments")
