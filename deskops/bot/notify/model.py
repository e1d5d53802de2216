"""What a notification is to a platform, and the Deliverer protocol each platform implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Notification:
    """One outbox row to deliver: `recipient` is a person id or `group:<name>` (a group's queue).

    `key` is the idempotency key: a deliverer that sees a key again must not post twice.
    `text` is the one-line, platform-neutral message; `payload` has the machine-readable details.
    """

    id: int
    key: str
    kind: str
    recipient: str
    text: str
    created_at: datetime
    attempt: int
    ticket_ref: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def group(self) -> str | None:
        """The group name when the recipient is a group's queue, else None."""
        return self.recipient.removeprefix("group:") if self.recipient.startswith("group:") else None


class DeliveryError(Exception):
    """Delivery failed for now (platform down, rate limited); the row is retried later."""


class Deliverer(Protocol):
    """Sends notifications on one platform (console, Slack, Discord)."""

    platform: str

    def can_reach(self, recipient: str) -> bool:
        """True if this platform knows how to reach `recipient` (a person id or `group:<name>`)."""
        ...

    def deliver(self, notification: Notification) -> None:
        """Send it; raise to have it retried. Must not post twice for the same `notification.key`."""
        ...
