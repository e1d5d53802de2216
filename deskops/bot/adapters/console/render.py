"""Render neutral Replies and notifications for the terminal (rich) or as JSON lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from deskops.bot.commands.model import Action, Reply
from deskops.bot.notify import Notification

ActionText = Callable[[Action], str]
"""Writes a button as the command line that does the same (the console has no buttons)."""


class ConsoleOutput:
    """Where the console writes: rich panels for people, one JSON object per line with `--json`."""

    def __init__(self, console: Console, *, as_json: bool, action_text: ActionText) -> None:
        self.console = console
        self.as_json = as_json
        self.action_text = action_text

    def reply(self, reply: Reply, **context: Any) -> None:
        """Show one reply (`context`, e.g. the input line and actor, is added to the JSON line)."""
        if self.as_json:
            self._json({**reply.to_json(), **context})
            return
        self.console.print(render_reply(reply, self.action_text))

    def notification(self, notification: Notification) -> None:
        """Show a delivered notification, e.g. `→ DM alice: INC-1: Bob Keller resolved it`."""
        if self.as_json:
            self._json(
                {
                    "notification": {
                        "recipient": notification.recipient,
                        "text": notification.text,
                        "ticket": notification.ticket_ref,
                        "kind": notification.kind,
                        "key": notification.key,
                    }
                }
            )
            return
        where = f"#{notification.group} queue" if notification.group else f"DM {notification.recipient}"
        self.console.print(Text(f"→ {where}: {notification.text}", style="dim cyan"))

    def info(self, text: str) -> None:
        """A line for people only (banners); never printed in JSON mode, so stdout stays parseable."""
        if not self.as_json:
            self.console.print(text)

    def _json(self, document: dict[str, Any]) -> None:
        # print() straight to the console's file: rich would wrap long lines and break the JSON.
        self.console.file.write(json.dumps(document, ensure_ascii=False) + "\n")
        self.console.file.flush()


def render_reply(reply: Reply, action_text: ActionText) -> RenderableType:
    """A reply as a panel: text, a table of fields, and the next steps as commands to type."""
    parts: list[RenderableType] = []
    if reply.text:
        parts.append(Text(reply.text))
    if reply.fields:
        table = Table(show_header=False, box=None, pad_edge=False, expand=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for field in reply.fields:
            table.add_row(escape(field.label), escape(field.value))
        parts.append(table)
    if reply.actions:
        steps = Table(title="Next", title_justify="left", title_style="dim", show_header=False, box=None)
        steps.add_column(style="bold", no_wrap=True)
        steps.add_column(style="cyan")
        for action in reply.actions:
            steps.add_row(escape(action.label), escape(action_text(action)))
        parts.append(steps)
    style = "green" if reply.ok else "red"
    title = escape(reply.title) if reply.title else ("Done" if reply.ok else "Not done")
    return Panel(Group(*parts), title=title, title_align="left", border_style=style, expand=False)
