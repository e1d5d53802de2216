"""Turn the ticket use cases' views into neutral Replies: a card of fields, and buttons for the next steps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from deskops.bot.commands.model import Action, Field, Reply, Visibility
from deskops.core.services import EventView, TicketDetail, TicketList, TicketView
from deskops.core.services.context import Desk

# Use-case names (TicketDetail.actions) → the button offered for them. Commands that need more
# input (resolve needs a code, pending a reason) carry what is known; the adapter asks for the rest
# (the console shows the command to type, Slack/Discord open a form from the command's spec).
_BUTTONS: dict[str, tuple[str, str, dict[str, Any], str]] = {
    "start_work": ("Start work", "ticket.start", {}, "primary"),
    "assign": ("Assign to me", "ticket.assign", {"who": "me"}, "default"),
    "set_pending": ("Pending: customer", "ticket.pending", {"reason": "customer"}, "default"),
    "resume": ("Resume", "ticket.resume", {}, "primary"),
    "resolve": ("Resolve", "ticket.resolve", {}, "primary"),
    "close": ("Close", "ticket.close", {}, "default"),
    "reopen": ("Reopen", "ticket.reopen", {}, "default"),
    "cancel": ("Cancel", "ticket.cancel", {}, "danger"),
}


def when(at: datetime | None, zone: str = "UTC") -> str:
    """A timestamp for people in the desk's zone, e.g. `2026-06-15 09:00 CEST`."""
    if at is None:
        return "—"
    return at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def priority_text(view: TicketView) -> str:
    """`P2 high (urgency high × impact medium)`."""
    if view.priority is None:
        return "not set"
    return f"{view.priority_label} (urgency {view.urgency} × impact {view.impact})"


def state_text(view: TicketView) -> str:
    """The state, with what a pending ticket waits for."""
    state = view.state.replace("_", " ")
    return f"{state} (waiting for {view.pending_reason})" if view.state == "pending" and view.pending_reason else state


def ticket_fields(view: TicketView, desk: Desk) -> tuple[Field, ...]:
    """The card of a ticket: state, priority, group, assignee, requester, category, times."""
    names = desk.directory.display_name
    fields = [
        Field("State", state_text(view)),
        Field("Priority", priority_text(view)),
        Field("Group", view.group or "none yet"),
        Field("Assignee", names(view.assignee) if view.assignee else "nobody yet"),
        Field("Requester", names(view.requester)),
        Field("Category", view.category or "none"),
        Field("Opened", when(view.opened_at, desk.config.timezone)),
    ]
    if view.resolved_at is not None:
        fields.append(Field("Resolved", when(view.resolved_at, desk.config.timezone)))
    if view.reopen_count:
        fields.append(Field("Reopened", f"{view.reopen_count}×"))
    return tuple(fields)


def buttons(view: TicketView, allowed: Iterable[str], viewer: str | None = None) -> tuple[Action, ...]:
    """Buttons for the use cases the viewer may run next (no "Assign to me" for its assignee)."""
    ref = view.ref
    out: list[Action] = []
    for name in allowed:
        if name == "assign" and viewer is not None and view.assignee == viewer:
            continue
        if name in _BUTTONS:
            label, command, args, style = _BUTTONS[name]
            out.append(Action(label=label, command=command, args={"ref": ref, **args}, style=style))  # type: ignore[arg-type]
    return tuple(out)


def ticket_reply(
    view: TicketView,
    desk: Desk,
    text: str,
    *,
    allowed: Iterable[str] = (),
    viewer: str | None = None,
    visibility: Visibility = "public",
    extra: dict[str, Any] | None = None,
) -> Reply:
    """A reply about one ticket: `text`, its card, the next-step buttons, and the view as data."""
    return Reply(
        text=text,
        title=f"{view.ref} · {view.title}",
        fields=ticket_fields(view, desk),
        actions=buttons(view, allowed, viewer),
        visibility=visibility,
        ticket_ref=view.ref,
        data={"ticket": view.model_dump(mode="json"), **(extra or {})},
    )


def detail_reply(detail: TicketDetail, desk: Desk, viewer: str | None = None) -> Reply:
    """`/ticket show`: the card, its description and the comments the viewer may read."""
    view = detail.ticket
    lines = [view.description] if view.description else []
    for comment in detail.comments:
        tag = " (internal)" if comment.visibility == "internal" else ""
        stamp = when(comment.at, desk.config.timezone)
        lines.append(f"{stamp} {desk.directory.display_name(comment.author)}{tag}: {comment.text}")
    reply = ticket_reply(
        view,
        desk,
        "\n".join(lines) or "No comments yet.",
        allowed=detail.actions,
        viewer=viewer,
        visibility="ephemeral",
        extra={
            "comments": [c.model_dump(mode="json") for c in detail.comments],
            "actions": list(detail.actions),
        },
    )
    return reply


def list_reply(result: TicketList, desk: Desk, heading: str) -> Reply:
    """`/ticket list`: one line per ticket, most urgent first, and how many match in all."""
    names = desk.directory.display_name
    fields = tuple(
        Field(
            label=f"{v.ref} {v.priority or '—'}",
            value=" · ".join(
                (v.title, state_text(v), v.group or "no group", names(v.assignee) if v.assignee else "unassigned")
            ),
            inline=False,
        )
        for v in result.items
    )
    shown = len(result.items)
    more = f" (showing {shown}; use --limit for more)" if result.total > shown else ""
    text = f"{result.total} ticket{'s' if result.total != 1 else ''}{more}." if result.total else "No tickets match."
    return Reply(
        title=heading,
        text=text,
        fields=fields,
        data={"items": [v.model_dump(mode="json") for v in result.items], "total": result.total},
    )


def history_reply(ref: str, events: tuple[EventView, ...], desk: Desk) -> Reply:
    """`/ticket history`: the timeline, one line per event."""
    zone = desk.config.timezone
    fields = tuple(Field(label=f"{e.seq}. {when(e.at, zone)}", value=e.summary, inline=False) for e in events)
    return Reply(
        title=f"History of {ref}",
        text=f"{len(events)} event{'s' if len(events) != 1 else ''}.",
        fields=fields,
        ticket_ref=ref,
        data={"events": [e.model_dump(mode="json") for e in events]},
    )
