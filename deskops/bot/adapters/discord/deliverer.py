"""The Discord Deliverer: outbox notifications as direct messages, thread posts and group-channel posts.

A person gets a direct message (a page carries its Acknowledge / Escalate buttons, which keep
working after a restart); a group notification about a ticket goes into the ticket's thread,
otherwise into the group's ticket channel. The outbox loop runs in the scheduler's thread and
Discord in the bot's event loop: `deliver` hands the send to that loop and waits for it.
Each notification key is claimed in the database first, so a retried row is never posted twice.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING, Any

import discord

from deskops.bot.adapters.discord.render import render
from deskops.bot.commands.model import Action, Field, Reply
from deskops.bot.notify.model import DeliveryError, Notification

if TYPE_CHECKING:
    from deskops.bot.adapters.discord.bot import DeskBot

log = logging.getLogger(__name__)

SEND_TIMEOUT = 30.0


def notification_reply(notification: Notification) -> Reply:
    """The neutral reply a notification is shown as: its text, ticket fields and its buttons."""
    payload = notification.payload
    actions = tuple(
        Action(label=str(a["label"]), command=str(a["command"]), args=dict(a.get("args") or {}),
               style=a.get("style", "default"))
        for a in payload.get("actions") or [] if isinstance(a, dict) and a.get("label") and a.get("command")
    )
    fields = tuple(Field(label, str(payload[key])) for key, label in (("priority", "Priority"), ("state", "State"))
                   if payload.get(key))
    title = None
    if notification.kind.endswith("page") or actions:
        title = f"🚨 {notification.ticket_ref or ''} {payload.get('title') or ''}".strip()
    return Reply(text=notification.text, title=title, fields=fields if title else (), actions=actions,
                 ticket_ref=notification.ticket_ref, visibility="direct")


class DiscordDeliverer:
    """Sends outbox notifications through a running DeskBot (implements bot.notify's Deliverer)."""

    platform = "discord"

    def __init__(self, bot: DeskBot, *, timeout: float = SEND_TIMEOUT) -> None:
        self.bot = bot
        self.timeout = timeout

    def can_reach(self, recipient: str) -> bool:
        """People with a Discord id in the desk file; groups with a ticket channel."""
        if recipient.startswith("group:"):
            return self.bot.settings.ticket_channel(recipient.removeprefix("group:")) is not None
        return self.bot.people.discord_id(recipient) is not None

    def deliver(self, notification: Notification) -> None:
        """Send once per key; raise DeliveryError (the outbox retries) when Discord does not take it."""
        loop = self.bot.loop if self.bot.is_ready() else None
        if loop is None or not loop.is_running():
            raise DeliveryError("the Discord bot is not connected; will retry")
        if getattr(loop, "_thread_id", None) == threading.get_ident():
            raise DeliveryError("deliver() must not run on the bot's own event loop thread")
        future = asyncio.run_coroutine_threadsafe(self.send(notification), loop)
        try:
            future.result(timeout=self.timeout)
        except TimeoutError as exc:
            future.cancel()
            raise DeliveryError(f"Discord did not answer within {self.timeout:.0f}s") from exc

    async def send(self, notification: Notification) -> None:
        """Post the notification (in the bot's loop); a key already delivered is skipped."""
        key = f"outbox:{notification.key}"
        log_ = self.bot.intents_log
        if not await asyncio.to_thread(log_.claim, key, self.bot.clock.now()):
            log.info("Discord: %s was already delivered; not posting it again", notification.key)
            return
        try:
            message = await self._post(notification)
        except (discord.HTTPException, LookupError) as exc:
            await asyncio.to_thread(log_.release, key)
            raise DeliveryError(f"Discord refused {notification.kind} to {notification.recipient}: {exc}") from exc
        except BaseException:
            await asyncio.to_thread(log_.release, key)
            raise
        where = {"message_id": str(message.id), "channel_id": str(message.channel.id)}
        await asyncio.to_thread(log_.answer, key, where)

    async def _post(self, notification: Notification) -> discord.Message:
        rendered = render(notification_reply(notification))
        kwargs: dict[str, Any] = {k: v for k, v in rendered.kwargs().items() if v is not None}
        group = notification.group
        if group is None:
            user_id = self.bot.people.discord_id(notification.recipient)
            if user_id is None:
                raise LookupError(f"{notification.recipient} has no Discord id in the desk file")
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            channel = user.dm_channel or await user.create_dm()
            return await channel.send(**kwargs)
        link = await asyncio.to_thread(self.bot.threads.by_ticket, notification.ticket_ref or "")
        target = int(link.thread_id) if link is not None else self.bot.settings.ticket_channel(group)
        if target is None:
            raise LookupError(f"group {group} has no Discord ticket channel (DISCORD_TICKET_CHANNELS)")
        return await self.bot.get_partial_messageable(target).send(**kwargs)
