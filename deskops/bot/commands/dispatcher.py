"""The `CommandDispatcher`: what every adapter calls to run a command and get a `Reply`.

It checks the arguments (also those of a pressed button), runs the handler, and turns refusals
into `Reply(ok=False)` whose text says what to do next. A refused command changes nothing: the
handler's unit of work rolls back when it raises.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from deskops.bot.commands.model import Actor, Command, Origin, Reply
from deskops.bot.commands.parser import UsageError, Vocabulary, bind, parse
from deskops.bot.commands.registry import CommandRegistry
from deskops.core.clock import Clock
from deskops.core.config.desk import DeskConfig
from deskops.core.errors import DeskError
from deskops.core.services.context import Desk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeskContext:
    """The `CommandContext` handlers get: desk file (and its lookups), clock, registry, unit-of-work factory."""

    config: DeskConfig
    clock: Clock
    registry: CommandRegistry
    uow_factory: Callable[[], Any]
    desk: Desk

    def unit_of_work(self) -> Any:
        """A new unit of work; use it as a context manager (commit on success, roll back on error)."""
        return self.uow_factory()

    def now(self) -> datetime:
        """The current instant from the desk's clock."""
        return self.clock.now()


def config_vocabulary(config: DeskConfig) -> Vocabulary:
    """Value lists the desk file defines (groups, people, categories, urgency, impact, priority)."""
    lists: dict[str, list[str]] = {
        "group": list(config.groups),
        "person": list(config.people),
        "category": list(config.categories),
        "urgency": list(config.priorities.urgency),
        "impact": list(config.priorities.impact),
        "priority": list(config.priorities.levels),
    }

    def lookup(name: str) -> Sequence[str] | None:
        # An empty section means "not configured": any value passes here and the use case decides.
        return lists.get(name) or None

    return lookup


class CommandDispatcher:
    """Runs commands against the desk (implements the `Dispatcher` protocol of model.py)."""

    def __init__(self, context: DeskContext) -> None:
        self.context = context
        self.vocabulary = config_vocabulary(context.config)

    @property
    def registry(self) -> CommandRegistry:
        """The commands this dispatcher knows."""
        return self.context.registry

    def parse(self, line: str, actor: Actor, origin: Origin | None = None, request_id: str | None = None) -> Command:
        """Parse a chat line into a `Command` for `actor`; raise `UsageError` when it is malformed."""
        parsed = parse(line, self.registry, self.vocabulary)
        return Command(
            name=parsed.spec.name, actor=actor, args=parsed.args, origin=origin or Origin(), request_id=request_id
        )

    def dispatch_text(
        self, line: str, actor: Actor, origin: Origin | None = None, request_id: str | None = None
    ) -> Reply:
        """Parse and run one chat line; a malformed line gets a refusal naming the valid choices."""
        try:
            command = self.parse(line, actor, origin, request_id)
        except UsageError as exc:
            return usage_reply(exc)
        return self.dispatch(command)

    def dispatch(self, command: Command) -> Reply:
        """Run `command` in one unit of work and return the reply (never raises for a user's mistake)."""
        spec = self.registry.get(command.name)
        if spec is None:
            known = ", ".join(s.name for s in self.registry.specs())
            return Reply(text=f"Unknown command {command.name!r}.", ok=False, data={"error": "usage", "known": known})
        try:
            args = bind(spec, command.args, self.vocabulary)
            return spec.handler(self.context, _with_args(command, args))
        except UsageError as exc:
            return usage_reply(exc)
        except DeskError as exc:
            return Reply(text=str(exc), ok=False, data={"error": exc.code, "message": exc.message, "hint": exc.hint})
        except Exception:  # the user gets a clear answer; the details go to the log for the admins
            incident = uuid.uuid4().hex[:8]
            log.exception("command %s failed (error id %s)", command.name, incident)
            return Reply(
                text=f"Something went wrong on the desk's side (error id {incident}); nothing was changed. "
                "Try again, and tell the desk admins if it keeps happening.",
                ok=False,
                data={"error": "internal", "error_id": incident},
            )


def usage_reply(exc: UsageError) -> Reply:
    """The refusal for a malformed command: what is wrong, how to write it, the valid choices."""
    data: dict[str, Any] = {"error": "usage"}
    if exc.choices:
        data["choices"] = list(exc.choices)
    return Reply(text=str(exc), ok=False, data=data)


def _with_args(command: Command, args: dict[str, Any]) -> Command:
    return Command(
        name=command.name, actor=command.actor, args=args, origin=command.origin, request_id=command.request_id
    )
