"""The neutral contract between chat adapters and the desk: `Command` in, `Reply` out.

Adapters (console, Slack, Discord) translate their platform's payloads into a `Command` and
render the `Reply` in their own way (rich text, Block Kit, embeds). Nothing here knows a platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Visibility = Literal["ephemeral", "public", "direct"]
"""ephemeral: only the actor sees it; public: the channel/thread; direct: a direct message."""


@dataclass(frozen=True)
class Actor:
    """Who sent a command: the desk person's id, and how the platform knows them."""

    person: str
    platform: str = "console"
    platform_user_id: str | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class Origin:
    """Where a command came from, so a reply (or a ticket's thread) can go back there."""

    platform: str = "console"
    channel: str | None = None
    thread: str | None = None
    message: str | None = None
    permalink: str | None = None


@dataclass(frozen=True)
class Command:
    """A parsed intent, e.g. name="ticket.open", args={"title": ..., "urgency": "high"}.

    `request_id` is the platform's delivery id (Slack event id, Discord interaction id): the desk
    uses it to recognise a repeated delivery and answer it without doing the work twice.
    """

    name: str
    actor: Actor
    args: dict[str, Any] = field(default_factory=dict)
    origin: Origin = field(default_factory=Origin)
    request_id: str | None = None


@dataclass(frozen=True)
class Field:
    """One labelled value in a reply (rendered as a table row, a Block Kit field, an embed field)."""

    label: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Action:
    """A button the user can press; pressing it sends `command` with `args` as a new Command."""

    label: str
    command: str
    args: dict[str, Any] = field(default_factory=dict)
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True)
class Reply:
    """What the desk answers: text, fields, actions, and who may see it.

    `ok` is False for refusals and errors (the text says what to do next). `data` carries the
    machine-readable result (printed by `--json`); `ticket_ref` names the ticket it is about.
    """

    text: str
    ok: bool = True
    title: str | None = None
    fields: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    visibility: Visibility = "ephemeral"
    ticket_ref: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the reply as a JSON-ready dict (the `--json` line format)."""
        return {
            "ok": self.ok,
            "title": self.title,
            "text": self.text,
            "fields": [{"label": f.label, "value": f.value} for f in self.fields],
            "actions": [{"label": a.label, "command": a.command, "args": a.args} for a in self.actions],
            "visibility": self.visibility,
            "ticket": self.ticket_ref,
            "data": self.data,
        }


class Dispatcher(Protocol):
    """Runs a command against the desk and answers it; adapters depend only on this."""

    def dispatch(self, command: Command) -> Reply:
        """Run `command` in one unit of work and return the reply."""
        ...
