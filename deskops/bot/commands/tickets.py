"""The `/ticket` commands: open, show, list, classify, assign, start, comment, pending, resume,
resolve, reopen, close, cancel, history. Each calls one ticket use case (deskops.core.services)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from deskops.bot.commands.model import Command, Reply
from deskops.bot.commands.parser import UsageError
from deskops.bot.commands.registry import TEXT_LIMIT, CommandContext, CommandRegistry, Param
from deskops.bot.commands.sla import clock_fields_for
from deskops.bot.commands.ticket_replies import detail_reply, history_reply, list_reply, ticket_reply
from deskops.core import services
from deskops.core.services import TicketView

TITLE_LIMIT = 300
"""Longest ticket title (the store's column size)."""

PENDING_REASONS = ("customer", "supplier", "change", "problem", "other")
STATES = ("open", "all", "new", "assigned", "in_progress", "pending", "resolved", "closed", "cancelled")
KINDS = ("incident", "request")

_REF = Param("ref", "the ticket, e.g. INC-12", kind="ref", required=True)
_NOTE = Param("note", "a note for the record", kind="text", max_length=TEXT_LIMIT)


def _reason(required: bool = False) -> Param:
    return Param("reason", "why, in a few words", kind="text", greedy=True, required=required, max_length=TEXT_LIMIT)


def register(registry: CommandRegistry) -> None:
    """Add the /ticket commands."""
    add = registry.command
    add(
        "ticket.open",
        "Open an incident (or a service request with --kind request)",
        positionals=(
            Param(
                "title", "what is wrong, in one line", kind="text", required=True, greedy=True, max_length=TITLE_LIMIT
            ),
        ),
        options=(
            Param("urgency", "how fast the business needs it", kind="choice", choices="urgency"),
            Param("impact", "how many or how much is affected", kind="choice", choices="impact"),
            Param("category", "what it is about (routes it to a group)", kind="choice", choices="category"),
            Param("kind", "incident (something broke) or request (ask for something)", kind="choice", choices=KINDS),
            Param("description", "more detail", kind="text", max_length=TEXT_LIMIT),
            Param("for", "the requester, when an agent opens it for someone", kind="person", metavar="PERSON"),
            Param("group", "the group to route it to (agents)", kind="choice", choices="group"),
        ),
        examples=('/ticket open "VPN drops every hour" --urgency high --impact medium',),
    )(open_)
    add(
        "ticket.show",
        "Show a ticket, its comments and what you can do next",
        positionals=(_REF,),
        examples=("/ticket show INC-1",),
    )(show)
    add(
        "ticket.list",
        "List tickets: yours (mine), a group's queue, or the whole backlog, most urgent first",
        positionals=(
            Param(
                "scope",
                "mine: requested by or assigned to you; queue: a group's queue",
                kind="choice",
                choices=("mine", "queue"),
                metavar="mine|queue",
            ),
            Param("queue", "the group whose queue to list", kind="choice", choices="group", metavar="GROUP"),
        ),
        options=(
            Param("state", "open (default), all, or one state", kind="choice", choices=STATES),
            Param("priority", "only this priority", kind="choice", choices="priority"),
            Param("assignee", "only tickets assigned to this person", kind="person", metavar="PERSON"),
            Param("kind", "incident or request", kind="choice", choices=KINDS),
            Param(
                "sort",
                "priority (default), opened or updated",
                kind="choice",
                choices=("priority", "opened", "updated"),
            ),
            Param("limit", "how many to show (default 20)", kind="int", minimum=1),
        ),
        examples=("/ticket list mine", "/ticket list queue network --priority P1", "/ticket list --state all"),
    )(list_)
    add(
        "ticket.classify",
        "Set urgency and impact (the matrix gives the priority) and/or the category",
        positionals=(_REF,),
        options=(
            Param("urgency", "how fast the business needs it", kind="choice", choices="urgency"),
            Param("impact", "how many or how much is affected", kind="choice", choices="impact"),
            Param("category", "what it is about", kind="choice", choices="category"),
            Param("reason", "why it changes", kind="text", max_length=TEXT_LIMIT),
        ),
        examples=('/ticket classify INC-1 --urgency high --impact high --reason "whole floor offline"',),
    )(classify)
    add(
        "ticket.assign",
        "Assign a ticket to a group, a person, or yourself (me)",
        positionals=(_REF, Param("who", "me, or a person", kind="person", metavar="me|PERSON")),
        options=(
            Param("group", "the support group", kind="choice", choices="group"),
            Param("to", "the person", kind="person", metavar="PERSON"),
            Param("reason", "why (e.g. needs network expertise)", kind="text", max_length=TEXT_LIMIT),
        ),
        examples=("/ticket assign INC-1 --group network", "/ticket assign INC-1 --to bob", "/ticket assign INC-1 me"),
    )(assign)
    add(
        "ticket.start",
        "Start working on a ticket (in progress)",
        positionals=(_REF,),
        examples=("/ticket start INC-1",),
    )(start)
    add(
        "ticket.comment",
        "Add a comment (public: the requester sees it; --internal: only the desk)",
        positionals=(
            _REF,
            Param("text", "the comment", kind="text", required=True, greedy=True, max_length=TEXT_LIMIT),
        ),
        options=(Param("internal", "only the desk sees it", kind="flag"),),
        examples=(
            '/ticket comment INC-1 "Router replaced, please test"',
            '/ticket comment INC-1 "ISP ticket 4711" --internal',
        ),
    )(comment)
    add(
        "ticket.pending",
        "Put a ticket on hold, waiting for the customer, a supplier, a change, a problem or other",
        positionals=(_REF,),
        options=(Param("reason", "what it waits for", kind="choice", choices=PENDING_REASONS, required=True), _NOTE),
        examples=('/ticket pending INC-1 --reason customer --note "asked for the error message"',),
    )(pending)
    add("ticket.resume", "End the wait of a pending ticket", positionals=(_REF,), examples=("/ticket resume INC-1",))(
        resume
    )
    add(
        "ticket.resolve",
        "Resolve a ticket: service is restored (or the request fulfilled)",
        positionals=(_REF,),
        options=(
            Param("code", "resolution code, e.g. fixed, workaround, no-fault, duplicate", required=True),
            _NOTE,
        ),
        examples=('/ticket resolve INC-1 --code fixed --note "replaced the router"',),
    )(resolve)
    add(
        "ticket.reopen",
        "Reopen a resolved or closed ticket: the fix did not hold",
        positionals=(_REF, _reason(required=True)),  # the record says why; forms ask for it
        examples=('/ticket reopen INC-1 "drops again since noon"',),
    )(reopen)
    add("ticket.close", "Close a resolved ticket", positionals=(_REF,), examples=("/ticket close INC-1",))(close)
    add(
        "ticket.cancel",
        "Cancel a ticket that is no longer needed",
        positionals=(_REF, _reason(required=True)),
        examples=('/ticket cancel INC-1 "opened twice"',),
    )(cancel)
    add(
        "ticket.history",
        "Show a ticket's timeline (who did what, when)",
        positionals=(_REF,),
        examples=("/ticket history INC-1",),
    )(history)


def _common(ctx: CommandContext, command: Command) -> dict[str, Any]:
    """The arguments every use case takes: a fresh unit of work, the desk, the actor."""
    return {"uow": ctx.unit_of_work(), "desk": ctx.desk, "actor": command.actor.person}


def _changed(ctx: CommandContext, command: Command, view: TicketView, text: str) -> Reply:
    """The reply after a change: what happened, the card, and the buttons for what may follow."""
    detail = services.get_ticket(**_common(ctx, command), ref=view.ref)
    return ticket_reply(detail.ticket, ctx.desk, text, allowed=detail.actions, viewer=command.actor.person)


def open_(ctx: CommandContext, command: Command) -> Reply:
    """Open a ticket (a repeated delivery of the same request answers with the first ticket)."""
    a = command.args
    kind = "service_request" if a.get("kind") == "request" else "incident"
    result = services.open_ticket(
        **_common(ctx, command),
        title=a["title"],
        now=ctx.now(),
        kind=kind,
        description=a.get("description", ""),
        urgency=a.get("urgency"),
        impact=a.get("impact"),
        category=a.get("category"),
        requester=_person(command, a.get("for")),
        group=a.get("group"),
        channel=command.origin.platform,
        request_id=command.request_id,
    )
    view = result.ticket
    what = "Service request" if view.kind == "service_request" else "Incident"
    text = f"{what} {view.ref} opened" if result.created else f"{view.ref} was already opened for this request"
    routed = f", in the {view.group} queue" if view.group else ""
    return _changed(ctx, command, view, f"{text} with priority {view.priority_label}{routed}.")


def show(ctx: CommandContext, command: Command) -> Reply:
    """Show one ticket with the comments the actor may read."""
    detail = services.get_ticket(**_common(ctx, command), ref=command.args["ref"])
    reply = detail_reply(detail, ctx.desk, viewer=command.actor.person)
    # The SLA clocks belong on the ticket card (issue 3): due, remaining, % used, state per clock.
    clocks = clock_fields_for(ctx, detail.ticket.ref, command.actor.person)
    return replace(reply, fields=reply.fields + clocks) if clocks else reply


def list_(ctx: CommandContext, command: Command) -> Reply:
    """List tickets by scope and filters."""
    a = command.args
    scope = a.get("scope")
    group = a.get("queue")
    if scope == "queue" and group is None:
        own = ctx.desk.directory.groups_of(command.actor.person)
        if not own:
            groups = ", ".join(ctx.desk.directory.group_names)
            raise UsageError("Which queue?", f"Write /ticket list queue GROUP with one of: {groups}.")
        group = own[0]
    result = services.list_tickets(
        **_common(ctx, command),
        mine=scope == "mine",
        group=group,
        assignee=_person(command, a.get("assignee")),
        state=a.get("state"),
        priority=a.get("priority"),
        kind=("service_request" if a.get("kind") == "request" else a.get("kind")),
        sort=a.get("sort", "priority"),
        limit=a.get("limit", 20),
    )
    heading = "My tickets" if scope == "mine" else (f"Queue {group}" if group else "Tickets")
    state = a.get("state", "open")
    return list_reply(result, ctx.desk, f"{heading} ({state})")


def classify(ctx: CommandContext, command: Command) -> Reply:
    """Set urgency/impact (priority from the matrix) and/or category."""
    a = command.args
    view = services.classify(
        **_common(ctx, command),
        ref=a["ref"],
        now=ctx.now(),
        urgency=a.get("urgency"),
        impact=a.get("impact"),
        category=a.get("category"),
        reason=a.get("reason", ""),
    )
    category = f", category {view.category}" if view.category else ""
    return _changed(ctx, command, view, f"{view.ref} is classified: {view.priority_label}{category}.")


def assign(ctx: CommandContext, command: Command) -> Reply:
    """Assign to a group, a person (`--to bob`), or oneself (`me`)."""
    a = command.args
    if a.get("who") is not None and a.get("to") is not None:
        raise UsageError("Give the person once: either `me`/PERSON or --to PERSON.")
    person = a.get("who") or a.get("to")
    view = services.assign(
        **_common(ctx, command),
        ref=a["ref"],
        now=ctx.now(),
        group=a.get("group"),
        person=person,
        reason=a.get("reason", ""),
    )
    who = ctx.desk.directory.display_name(view.assignee) if view.assignee else "nobody in particular"
    return _changed(ctx, command, view, f"{view.ref} is assigned to {view.group or 'no group'} ({who}).")


def start(ctx: CommandContext, command: Command) -> Reply:
    """Start work: the ticket is in progress."""
    view = services.start_work(**_common(ctx, command), ref=command.args["ref"], now=ctx.now())
    return _changed(ctx, command, view, f"{view.ref} is in progress.")


def comment(ctx: CommandContext, command: Command) -> Reply:
    """Add a public comment, or an internal note with --internal."""
    a = command.args
    visibility = "internal" if a.get("internal") else "public"
    view = services.comment(
        **_common(ctx, command),
        ref=a["ref"],
        text=a["text"],
        now=ctx.now(),
        visibility=visibility,
        request_id=command.request_id,
    )
    what = "Internal note added to" if visibility == "internal" else "Comment added to"
    return _changed(ctx, command, view, f"{what} {view.ref}.")


def pending(ctx: CommandContext, command: Command) -> Reply:
    """Put the ticket on hold with the reason it waits for."""
    a = command.args
    view = services.set_pending(
        **_common(ctx, command), ref=a["ref"], reason=a["reason"], now=ctx.now(), note=a.get("note", "")
    )
    return _changed(ctx, command, view, f"{view.ref} is pending, waiting for {view.pending_reason}.")


def resume(ctx: CommandContext, command: Command) -> Reply:
    """End the wait of a pending ticket."""
    view = services.resume(**_common(ctx, command), ref=command.args["ref"], now=ctx.now())
    return _changed(ctx, command, view, f"{view.ref} is {view.state.replace('_', ' ')} again.")


def resolve(ctx: CommandContext, command: Command) -> Reply:
    """Resolve with a resolution code and a note."""
    a = command.args
    view = services.resolve(
        **_common(ctx, command), ref=a["ref"], resolution_code=a["code"], now=ctx.now(), note=a.get("note", "")
    )
    return _changed(ctx, command, view, f"{view.ref} is resolved ({a['code']}).")


def reopen(ctx: CommandContext, command: Command) -> Reply:
    """Reopen a resolved or closed ticket."""
    a = command.args
    view = services.reopen(**_common(ctx, command), ref=a["ref"], reason=a.get("reason", ""), now=ctx.now())
    return _changed(ctx, command, view, f"{view.ref} is reopened.")


def close(ctx: CommandContext, command: Command) -> Reply:
    """Close a resolved ticket."""
    view = services.close(**_common(ctx, command), ref=command.args["ref"], now=ctx.now())
    return _changed(ctx, command, view, f"{view.ref} is closed.")


def cancel(ctx: CommandContext, command: Command) -> Reply:
    """Cancel a ticket that is no longer needed."""
    a = command.args
    view = services.cancel(**_common(ctx, command), ref=a["ref"], reason=a.get("reason", ""), now=ctx.now())
    return _changed(ctx, command, view, f"{view.ref} is cancelled.")


def history(ctx: CommandContext, command: Command) -> Reply:
    """The ticket's timeline."""
    ref = command.args["ref"]
    return history_reply(ref, services.history(**_common(ctx, command), ref=ref), ctx.desk)


def _person(command: Command, value: str | None) -> str | None:
    """`me` stands for the actor."""
    return command.actor.person if value == "me" else value
