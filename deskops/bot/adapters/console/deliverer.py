"""The console's outbox Deliverer: notifications are printed where the desk runs."""

from __future__ import annotations

from deskops.bot.adapters.console.render import ConsoleOutput
from deskops.bot.notify import Notification


class ConsoleDeliverer:
    """Prints each notification once (a repeated key, e.g. after a crash before marking, is skipped)."""

    platform = "console"

    def __init__(self, output: ConsoleOutput) -> None:
        self.output = output
        self._seen: set[str] = set()

    def can_reach(self, recipient: str) -> bool:
        """Everyone reads the one terminal."""
        return True

    def deliver(self, notification: Notification) -> None:
        """Print it, unless this key was printed already."""
        if notification.key in self._seen:
            return
        self.output.notification(notification)
        self._seen.add(notification.key)
