"""Ticket cards: the message at the head of a ticket's thread, redrawn in place after every change.

Its content is the desk's own `ticket.show` reply (summary and fields, never comments); its buttons
are the agents' standard steps. The desk checks each press against the presser's role, so a
button everyone in the channel sees never lets anyone do more than they may.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deskops.bot.commands.model import Action, Reply

DESCRIPTION_ON_CARD = 500


_DONE = {"resolved", "closed", "cancelled"}


def card_actions(ref: str, known: Callable[[str], bool], state: str | None = None) -> tuple[Action, ...]:
    """Classify, assign to me, escalate, pending, resolve — or only Reopen once resolved or closed."""
    if state in _DONE:
        reopen = (Action("Reopen", "ticket.reopen", {"ref": ref}),) if state != "cancelled" else ()
        return tuple(a for a in reopen if known(a.command))
    standard = (
        Action("Assign to me", "ticket.assign", {"ref": ref, "who": "me"}, style="primary"),
        Action("Start work", "ticket.start", {"ref": ref}),
        Action("Classify", "ticket.classify", {"ref": ref}),
        Action("Escalate", "ticket.escalate", {"ref": ref}),
        Action("Pending", "ticket.pending", {"ref": ref}),
        Action("Resolve", "ticket.resolve", {"ref": ref}, style="primary"),
    )
    return tuple(a for a in standard if known(a.command))


def ticket_data(reply: Reply) -> dict[str, Any]:
    """The ticket view a reply carries (`data["ticket"]`), or the reply data itself."""
    ticket = reply.data.get("ticket")
    return ticket if isinstance(ticket, dict) else dict(reply.data)


def card_reply(shown: Reply, known: Callable[[str], bool]) -> Reply:
    """What the card shows: title, fields, a clipped description and the agents' buttons."""
    ref = shown.ticket_ref or str(ticket_data(shown).get("ref") or "")
    state = ticket_data(shown).get("state")
    description = str(ticket_data(shown).get("description") or "")
    if len(description) > DESCRIPTION_ON_CARD:
        description = description[: DESCRIPTION_ON_CARD - 1] + "…"
    actions = card_actions(ref, known, str(state) if state else None) if ref else ()
    return Reply(title=shown.title, text=description, fields=shown.fields, ticket_ref=ref,
                 actions=actions, visibility="public", data=shown.data)
