"""Outbox delivery to Slack: people by DM, groups in their triage channel (in the ticket's thread).

A failed post raises, so the row stays in the outbox and is retried; a notification already
posted (its key recorded after the post) is not posted again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from deskops.bot.adapters.slack.blocks import escape, reply_blocks
from deskops.bot.adapters.slack.people import SlackPeople
from deskops.bot.adapters.slack.settings import SlackSettings
from deskops.bot.commands.model import Action, Reply
from deskops.bot.notify.model import DeliveryError, Notification
from deskops.core.clock import Clock
from deskops.core.persistence.slack_tables import DeliveryLog, ThreadMap
from deskops.core.services.escalation import MAJOR_KIND

log = logging.getLogger(__name__)


def incident_channel_name(name: str) -> str:
    """A valid Slack channel name: lowercase letters, digits and dashes, at most 80 characters."""
    return re.sub(r"[^a-z0-9_]+", "-", name.lower()).strip("-")[:80] or "major-incident"


def notification_actions(n: Notification, known: Callable[[str], bool]) -> tuple[Action, ...]:
    """Buttons under a notification: its own (payload `actions`), else Acknowledge/Escalate for pages."""
    given = n.payload.get("actions")
    if isinstance(given, list) and given:
        return tuple(Action(str(a["label"]), str(a["command"]), dict(a.get("args") or {}),
                            style=a.get("style", "default")) for a in given if isinstance(a, dict))
    actions: list[Action] = []
    if n.kind.endswith("page") and n.ticket_ref:
        actions += [Action("Acknowledge", "page.ack", {"ref": n.ticket_ref}, style="primary"),
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
        if notification.kind == MAJOR_KIND:
            self._open_major_incident(notification)
            self.deliveries.claim(key, self.clock.now())
            return
        channel, thread_ts = self._where(notification)
        reply = Reply(text=notification.text, actions=notification_actions(notification, self.known))
        kwargs: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        result = self.client.chat_postMessage(channel=channel, text=escape(notification.text),
                                              blocks=reply_blocks(reply), **kwargs)
        if not result.get("ok"):
            raise DeliveryError(f"Slack refused the message: {result.get('error')}")
        if notification.ticket_ref and not thread_ts and channel.startswith("D"):
            self.threads.save_dm(channel, str(result["ts"]), notification.ticket_ref)
        self.deliveries.claim(key, self.clock.now())

    def _open_major_incident(self, n: Notification) -> None:
        """Open the major incident's own channel, invite the requester, and point the triage thread at it."""
        name = incident_channel_name(str(n.payload.get("conversation") or n.ticket_ref or f"major-{n.id}"))
        try:
            created = self.client.conversations_create(name=name)
        except SlackApiError as error:
            if error.response.get("error") != "name_taken":
                raise
            created = self.client.conversations_create(name=f"{name}-{n.id}"[:80])
        channel = str(created["channel"]["id"])
        thread = self.threads.by_ticket(n.ticket_ref) if n.ticket_ref else None
        if thread is not None:
            self.threads.set_incident_channel(thread.ticket_ref, channel)
            if thread.requester_slack_id:
                try:
                    self.client.conversations_invite(channel=channel, users=thread.requester_slack_id)
                except SlackApiError as error:
                    log.warning("could not invite the requester to %s: %s", name, error)
        reply = Reply(text=n.text, actions=notification_actions(n, self.known))
        self.client.chat_postMessage(channel=channel, text=escape(n.text), blocks=reply_blocks(reply))
        pointer = f":rotating_light: {escape(n.text)} The incident's conversation: <#{channel}>."
        if thread is not None:
            self.client.chat_postMessage(channel=thread.channel, thread_ts=thread.ts, text=pointer,
                                         reply_broadcast=True)
        elif n.group is not None and self.settings.triage_channel(n.group):
            self.client.chat_postMessage(channel=str(self.settings.triage_channel(n.group)), text=pointer)

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
