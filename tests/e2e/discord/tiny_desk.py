"""A tiny in-memory desk behind the DeskPort protocol, for adapter tests that must not depend on the engine.

It uses the real CommandRegistry (so the slash commands are built the same way) and counts what
it did, so tests can check that a repeat did no work. The shared scenarios run on the real
CommandDispatcher over SQLite (test_discord_desk.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from deskops.bot.commands.model import Action, Command, Field, Reply
from deskops.bot.commands.registry import CommandRegistry, CommandSpec, Param

PEOPLE = ("alice", "bob", "nelly")
GROUPS = ("service-desk", "network")


@dataclass
class TinyTicket:
    """A ticket in the tiny desk."""

    ref: str
    title: str
    requester: str
    group: str
    state: str = "new"
    assignee: str | None = None
    comments: list[str] = field(default_factory=list)


class TinyDesk:
    """In-memory tickets with open/show/list/comment/assign/resolve and a deliberately slow command."""

    def __init__(self, *, slow_seconds: float = 2.2) -> None:
        self.tickets: dict[str, TinyTicket] = {}
        self.commands: list[Command] = []
        self.slow_seconds = slow_seconds
        self._lock = threading.Lock()
        self.registry = CommandRegistry()
        ref = Param("ref", "Ticket number", kind="ref", required=True)
        specs = [
            CommandSpec("ticket.open", "Open a ticket", self._open,
                        positionals=(Param("title", "What is wrong", kind="text", required=True, greedy=True,
                                           max_length=200),),
                        options=(Param("description", "Details", kind="text"),
                                 Param("urgency", "How urgent", kind="choice", choices=("low", "medium", "high")),
                                 Param("group", "Support group", kind="choice", choices="group"))),
            CommandSpec("ticket.show", "Show a ticket", self._show, positionals=(ref,)),
            CommandSpec("ticket.list", "List tickets", self._list),
            CommandSpec("ticket.comment", "Comment on a ticket", self._comment,
                        positionals=(ref, Param("text", "Comment", kind="text", required=True, greedy=True))),
            CommandSpec("ticket.assign", "Assign a ticket", self._assign,
                        positionals=(ref, Param("who", "me, or a person", kind="person"))),
            CommandSpec("ticket.resolve", "Resolve a ticket", self._resolve, positionals=(ref,)),
            CommandSpec("ticket.slow", "A command that takes longer than Discord's 3 seconds", self._slow),
        ]
        for spec in specs:
            self.registry.add(spec)

    def vocabulary(self, name: str) -> Sequence[str] | None:
        """Value lists: people and groups."""
        return {"person": PEOPLE, "group": GROUPS}.get(name)

    def dispatch(self, command: Command) -> Reply:
        """Run a command (thread-safe; the bot calls from worker threads)."""
        spec = self.registry.get(command.name)
        if spec is None:
            return Reply(text=f"Unknown command {command.name!r}.", ok=False)
        if command.actor.person not in PEOPLE:
            return Reply(text=f"The desk does not know {command.actor.person!r}.", ok=False)
        with self._lock:
            self.commands.append(command)
        result: Reply = spec.handler(self, command)  # type: ignore[arg-type]
        return result

    def _ticket(self, ref: str) -> TinyTicket | Reply:
        ticket = self.tickets.get(str(ref).upper())
        return ticket if ticket else Reply(text=f"No ticket {ref}. Try /ticket list.", ok=False)

    def card(self, ticket: TinyTicket) -> Reply:
        """The ticket as a card: fields and the buttons that make sense now."""
        actions: list[Action] = []
        if ticket.state != "resolved":
            actions += [Action("Assign to me", "ticket.assign", {"ref": ticket.ref, "who": "me"}, "primary"),
                        Action("Resolve", "ticket.resolve", {"ref": ticket.ref})]
        return Reply(text=ticket.title, title=f"{ticket.ref} · {ticket.title}", ticket_ref=ticket.ref,
                     fields=(Field("State", ticket.state), Field("Assignee", ticket.assignee or "—"),
                             Field("Group", ticket.group)),
                     actions=tuple(actions), data={"ref": ticket.ref, "state": ticket.state})

    def _open(self, _ctx: Any, command: Command) -> Reply:
        with self._lock:
            ref = f"INC-{len(self.tickets) + 1}"
            group = str(command.args.get("group") or "service-desk")
            ticket = TinyTicket(ref, str(command.args["title"]), command.actor.person, group)
            self.tickets[ref] = ticket
        return Reply(text=f"{ref} opened: {ticket.title}", ticket_ref=ref,
                     data={"ref": ref, "group": group, "title": ticket.title})

    def _show(self, _ctx: Any, command: Command) -> Reply:
        found = self._ticket(command.args["ref"])
        return found if isinstance(found, Reply) else self.card(found)

    def _list(self, _ctx: Any, command: Command) -> Reply:
        rows = [{"ref": t.ref, "title": t.title} for t in self.tickets.values()]
        return Reply(text=f"{len(rows)} tickets", data={"tickets": rows})

    def _comment(self, _ctx: Any, command: Command) -> Reply:
        found = self._ticket(command.args["ref"])
        if isinstance(found, Reply):
            return found
        found.comments.append(str(command.args["text"]))
        return Reply(text=f"Comment added to {found.ref}.", ticket_ref=found.ref)

    def _assign(self, _ctx: Any, command: Command) -> Reply:
        found = self._ticket(command.args["ref"])
        if isinstance(found, Reply):
            return found
        to = command.args.get("who") or "me"
        found.assignee = command.actor.person if to == "me" else str(to)
        found.state = "assigned"
        return Reply(text=f"{found.ref} assigned to {found.assignee}.", ticket_ref=found.ref)

    def _resolve(self, _ctx: Any, command: Command) -> Reply:
        found = self._ticket(command.args["ref"])
        if isinstance(found, Reply):
            return found
        if found.state == "resolved":
            return Reply(text=f"{found.ref} is already resolved.", ok=False)
        found.state = "resolved"
        return Reply(text=f"{found.ref} resolved.", ticket_ref=found.ref)

    def _slow(self, _ctx: Any, command: Command) -> Reply:
        time.sleep(self.slow_seconds)
        return Reply(text="Slow work finished.")

    def count(self, name: str) -> int:
        """How many times a command reached the desk."""
        return sum(1 for c in self.commands if c.name == name)
