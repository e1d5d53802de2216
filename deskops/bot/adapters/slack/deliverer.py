"""Outbox delivery to Slack: people by DM, groups in their triage channel (in the ticket's thread).

A failed post raises, so the row stays in the outbox and is retried; a notification already
posted (its key recorded after the post) is not posted again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from deskops.bot.adapters.slack.blocks import escape, reply_blocks
from deskops.bot.adapters.slack.people import SlackPeople
from deskops.bot.adapters.slack.settings import SlackSettings
from deskops.bot.commands.model import Action, Reply
from deskops.bot.notify.model import DeliveryError, Notification
from deskops.core.clock import Clock
from deskops.core.persistence.slack_tables import DeliveryLog, ThreadMap


def notification_actions(n: Notification, known: Callable[[str], bool]) -> tuple[Action, ...]:
    """Buttons under a notification: its own (payload `actions`), else Acknowledge/Escalate for pages."""
    given = n.payload.get("actions")
    if isinstance(given, list) and given:
        return tuple(Action(str(a["label"]), str(a["command"]), dict(a.get("args") or {}),
                            style=a.get("style", "default")) for a in given if isinstance(a, dict))
    actions: list[Action] = []
    if n.kind.startswith("page") and n.ticket_ref:
        page = {k: v for k, v in (("ref", n.ticket_ref), ("page", n.payload.get("page"))) if v is not None}
        actions += [Action("Acknowledge", "page.ack", page, style="primary"),
                    Action("Escalate", "ticket.escalate", {"ref": n.ticket_ref}, style="danger")]
    elif n.ticket_ref:
        actions.append(Action("Show ticket", "ticket.show", {"ref": n.ticket_ref}))
    return tuple(a for a in actions if known(a.command))


class SlackDeliverer:
    """The Slack `Deliverer` of bot/notify (platform "slack")."""

    platform = "slack"

    def __init__(self, client: WebClient, people: SlackPeople, threads: ThreadMap, deliveries: DeliveryLog,
                 settings: SlackSettings, clock: Clock, known: Callable[[str], bool] = lambda _name: True) -> None:
        self.client = client
        self.people = people
        self.threads = threads
        self.deliveries = deliveries
        self.settings = settings
        self.clock = clock
        self.known = known

    def can_reach(self, recipient: str) -> bool:
        """A group with a triage channel, or a desk person with a Slack id or an email."""
        if recipient.startswith("group:"):
            return self.settings.triage_channel(recipient.removeprefix("group:")) is not None
        return self.people.knows_person(recipient)

    def deliver(self, notification: Notification) -> None:
        """Post it (DM or triage thread); raise DeliveryError so the outbox retries a failure."""
        key = f"out:{notification.key}"
        if self.deliveries.seen(key):
            return  # posted on an earlier attempt whose success was not recorded in the outbox
        channel, thread_ts = self._where(notification)
        reply = Reply(text=notification.text, actions=notification_actions(notification, self.known))
        kwargs: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        result = self.client.chat_postMessage(channel=channel, text=escape(notification.text),
                                              blocks=reply_blocks(reply), **kwargs)
        if not result.get("ok"):
            raise DeliveryError(f"Slack refused the message: {result.get('error')}")
        self.deliveries.claim(key, self.clock.now())

    def _where(self, n: Notification) -> tuple[str, str | None]:
        group = n.group
        if group is not None:
            channel = self.settings.triage_channel(group)
            if channel is None:
                raise DeliveryError(f"no triage channel for group {group}; set SLACK_TRIAGE_CHANNELS")
            thread = self.threads.by_ticket(n.ticket_ref) if n.ticket_ref else None
            if thread is not None and thread.channel == channel:
                return channel, thread.ts
            return channel, None
        slack_id = self.people.reachable_id(n.recipient)
        if slack_id is None:
            raise DeliveryError(f"{n.recipient} has no Slack account the desk can find (id or email)")
        opened = self.client.conversations_open(users=slack_id)
        return str(opened["channel"]["id"]), None
