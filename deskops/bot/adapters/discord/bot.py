"""The DeskOps Discord bot: a discord.py Client that turns interactions, messages and reactions into Commands.

Every interaction is answered within Discord's 3 seconds: the desk's work runs in a worker
thread, and when it is not done after `settings.defer_after` seconds the bot defers and finishes
with a follow-up. Every user intent (interaction id, form nonce, button press on one rendering,
reaction on one message) is claimed once in the database, so a double click or a repeat makes
one ticket and gets the first answer again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Literal, Protocol

import discord
from discord import app_commands
from sqlalchemy import Engine

from deskops.bot.adapters.discord import custom_ids
from deskops.bot.adapters.discord.args_form import ArgsForm
from deskops.bot.adapters.discord.cards import card_reply, ticket_data
from deskops.bot.adapters.discord.forms import OpenTicketForm, form_defaults, message_prefill
from deskops.bot.adapters.discord.people import DiscordPeople
from deskops.bot.adapters.discord.render import ActionButton, Rendered, clip, render
from deskops.bot.adapters.discord.settings import DiscordSettings
from deskops.bot.adapters.discord.slash import FORM_COMMANDS, build_tree
from deskops.bot.commands.model import Actor, Command, Origin, Reply
from deskops.bot.commands.registry import CommandRegistry, CommandSpec, Param
from deskops.core.clock import Clock
from deskops.core.persistence.discord_tables import InteractionLog, TicketThreads, create_discord_tables

log = logging.getLogger(__name__)

OPEN_COMMAND = "ticket.open"
SHOW_COMMAND = "ticket.show"
LIST_COMMAND = "ticket.list"
COMMENT_COMMAND = "ticket.comment"
THREAD_NAME_LIMIT = 100
DESK_THREADS = 1
"""Desk commands run one at a time anyway (the runtime's lock); one thread keeps the event loop's share of the GIL."""
AUTOCOMPLETE_SECONDS = 2.0
INTERNAL_PREFIX = "internal:"
"""A thread message starting with this becomes an internal note (the requester does not see it)."""
BUSY_COMMANDS = 2
"""With this many interactions already being worked on, a new one is deferred at once."""
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080
"""A quiet ticket thread leaves the channel list after a week (a new message brings it back)."""

class DeskPort(Protocol):
    """What the bot needs from the desk: run a command, know the commands and the desk's value lists."""

    @property
    def registry(self) -> CommandRegistry:
        """Every command the desk knows."""
        ...

    def vocabulary(self, name: str) -> Sequence[str] | None:
        """Named value lists from the desk file (groups, people, categories, urgency, ...)."""
        ...

    def dispatch(self, command: Command) -> Reply:
        """Run `command` in one unit of work and return the reply."""
        ...

class DeskBot(discord.Client):
    """The desk in Discord: slash commands, forms, buttons, threads, DMs and reactions."""

    def __init__(self, desk: DeskPort, settings: DiscordSettings, *, engine: Engine, clock: Clock,
                 people: DiscordPeople) -> None:
        intents = discord.Intents.default()
        intents.message_content = settings.message_content
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions(everyone=False, roles=False),
                         guild_ready_timeout=settings.guild_ready_timeout)
        self.desk = desk
        self.settings = settings
        self.clock = clock
        self.people = people
        self.tree: app_commands.CommandTree[DeskBot] = app_commands.CommandTree(self)
        self.intents_log = InteractionLog(engine)
        self.threads = TicketThreads(engine)
        self._engine = engine
        self.synced_commands: list[str] = []
        # The desk's work gets its own thread: a command waiting for the runtime's lock must never hold
        # up the default executor, which the outbox deliverer and the intent log need meanwhile.
        self._desk_pool = ThreadPoolExecutor(max_workers=DESK_THREADS, thread_name_prefix="deskops-discord")
        self._in_flight = 0

    async def run_desk(self, command: Command) -> Reply:
        """Run a command on the desk in one of the bot's desk threads."""
        return await asyncio.get_running_loop().run_in_executor(self._desk_pool, self.desk.dispatch, command)

    async def close(self) -> None:
        """Disconnect from Discord and let running desk commands finish."""
        await super().close()
        self._desk_pool.shutdown(wait=False)

    # ---- start-up --------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        """Register the persistent buttons and the app commands (and sync them to Discord if asked)."""
        await asyncio.to_thread(create_discord_tables, self._engine)
        # Buttons are DynamicItems: any DeskOps button, also on messages sent before a restart, is routed here.
        self.add_dynamic_items(ActionButton)
        self.synced_commands = build_tree(self.tree, self.desk.registry, self.on_slash, self.complete)
        self.tree.add_command(app_commands.ContextMenu(name="Create ticket from message",
                                                       callback=self.ticket_from_message))
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]
        if self.settings.sync_commands:
            guild = discord.Object(self.settings.guild_id) if self.settings.guild_id else None
            if guild is not None:
                # Guild commands appear at once; global ones can take up to an hour to reach every client.
                self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    async def on_ready(self) -> None:
        """Log who we are, so an operator sees the bot came up."""
        log.info("Discord: logged in as %s (%s) in %d server(s)", self.user, getattr(self.user, "id", "?"),
                 len(self.guilds))
        if self.settings.default_ticket_channel is None and not self.settings.ticket_channels:
            log.warning("Discord: no ticket channel (DISCORD_TICKET_CHANNEL); tickets get no thread or card")

    # ---- who and where ---------------------------------------------------------------------

    def actor_for(self, user: discord.abc.User) -> Actor:
        """The desk person behind a Discord user (one the desk file does not list becomes `discord:<id>`)."""
        return self.people.actor(user.id, getattr(user, "display_name", None) or user.name)

    @staticmethod
    def origin_for(channel_id: int | None, *, thread: int | None = None, message: discord.Message | None = None,
                   permalink: str | None = None) -> Origin:
        """Where a command came from, in the neutral shape."""
        return Origin(platform="discord", channel=str(channel_id) if channel_id else None,
                      thread=str(thread) if thread else None,
                      message=str(message.id) if message else None,
                      permalink=permalink or (message.jump_url if message else None))

    def _interaction_origin(self, interaction: discord.Interaction[Any]) -> Origin:
        channel = interaction.channel
        thread = channel.id if isinstance(channel, discord.Thread) else None
        return self.origin_for(interaction.channel_id, thread=thread)

    # ---- slash commands, forms, context menu -----------------------------------------------

    async def on_slash(self, interaction: discord.Interaction[Any], spec: CommandSpec, args: dict[str, Any]) -> None:
        """A slash command: run it (or open the form when a form command lacks required options)."""
        missing = [p.name for p in (*spec.positionals, *spec.options) if p.required and p.name not in args]
        if spec.name in FORM_COMMANDS and missing:
            await interaction.response.send_modal(OpenTicketForm(self, defaults=form_defaults(args)))
            return
        command = Command(name=spec.name, actor=self.actor_for(interaction.user), args=args,
                          origin=self._interaction_origin(interaction), request_id=f"discord:{interaction.id}")
        await self.answer(interaction, command, key=f"interaction:{interaction.id}")

    async def ticket_from_message(self, interaction: discord.Interaction[Any], message: discord.Message) -> None:
        """Context menu "Create ticket from message": a form prefilled with the message and its link."""
        await interaction.response.send_modal(OpenTicketForm(self, defaults=message_prefill(message),
                                                             source=message))

    async def on_form(self, interaction: discord.Interaction[Any], form: OpenTicketForm, args: dict[str, Any]) -> None:
        """The ticket form was submitted: open the ticket once, however often Submit was pressed."""
        source = form.source
        origin = self._interaction_origin(interaction)
        if source is not None:
            origin = self.origin_for(source.channel.id, message=source)
        command = Command(name=OPEN_COMMAND, actor=self.actor_for(interaction.user), args=args, origin=origin,
                          request_id=f"discord:form:{form.custom_id}")
        await self.answer(interaction, command, key=f"form:{form.custom_id}")

    async def complete(self, interaction: discord.Interaction[Any], spec: CommandSpec, param: Param,
                       current: str) -> list[app_commands.Choice[str]]:
        """Suggestions while typing: ticket numbers, people, groups, categories and other desk values."""
        needle = current.strip().lower()
        if param.kind == "ref":
            try:  # suggestions cannot be deferred: better none than Discord's "loading options failed"
                refs = await asyncio.wait_for(asyncio.to_thread(self._ticket_suggestions, interaction.user),
                                              AUTOCOMPLETE_SECONDS)
            except TimeoutError:
                log.warning("Discord: ticket suggestions took longer than %.1fs; none offered", AUTOCOMPLETE_SECONDS)
                refs = []
            return [app_commands.Choice(name=clip(label, 100), value=ref) for ref, label in refs
                    if needle in label.lower()][:25]
        if isinstance(param.choices, tuple):
            values: Sequence[str] = param.choices
        else:
            name = param.choices if isinstance(param.choices, str) else ("person" if param.kind == "person" else "")
            values = self.desk.vocabulary(name) or () if name else ()
        return [app_commands.Choice(name=clip(v, 100), value=v) for v in values if needle in v.lower()][:25]

    def _ticket_suggestions(self, user: discord.abc.User) -> list[tuple[str, str]]:
        reply = self.desk.dispatch(Command(name=LIST_COMMAND, actor=self.actor_for(user), args={},
                                           origin=Origin(platform="discord")))
        tickets = (reply.data.get("items") or reply.data.get("tickets")) if reply.ok else None
        result: list[tuple[str, str]] = []
        for item in tickets or []:
            if isinstance(item, dict) and item.get("ref"):
                result.append((str(item["ref"]), f"{item['ref']} {item.get('title', '')}".strip()))
        return result

    async def on_app_command_error(self, interaction: discord.Interaction[Any],
                                   error: app_commands.AppCommandError) -> None:
        """A slash command Discord sent that we cannot run (stale command list, bad option): say so."""
        log.warning("app command failed: %s", error)
        text = "This command could not run. Try again; if it keeps failing, tell the desk admins."
        if isinstance(error, app_commands.TransformerError | app_commands.CommandSignatureMismatch):
            text = f"Discord sent an option the desk cannot read ({error}). Check the command and try again."
        await self._say(interaction, Reply(text=text, ok=False))

    # ---- buttons ---------------------------------------------------------------------------

    async def on_button(self, interaction: discord.Interaction[Any], action: custom_ids.PackedAction) -> None:
        """A DeskOps button: run its action once and update the message it sits on in place."""
        message = interaction.message
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        # One press per user and rendering: a double click repeats, another agent's click is their own.
        key = f"button:{message.id if message else interaction.id}:{custom_id}:{interaction.user.id}"
        spec = self.desk.registry.get(action.command)
        missing = [p for p in (*spec.positionals, *spec.options) if p.required and p.name not in action.args] \
            if spec is not None else []
        if missing:
            await interaction.response.send_modal(ArgsForm(self, action, missing, message=message))
            return
        command = Command(name=action.command, actor=self.actor_for(interaction.user), args=dict(action.args),
                          origin=self._interaction_origin(interaction), request_id=f"discord:{key}")
        await self.answer(interaction, command, key=key, in_place=message)

    async def on_args_form(self, interaction: discord.Interaction[Any], form: ArgsForm) -> None:
        """The missing arguments of a button's action were filled in: run it once."""
        key = f"form:{form.custom_id}"
        command = Command(name=form.action.command, actor=self.actor_for(interaction.user), args=form.arguments(),
                          origin=self._interaction_origin(interaction), request_id=f"discord:{key}")
        await self.answer(interaction, command, key=key)

    # ---- the answer, within three seconds ------------------------------------------------------

    async def answer(self, interaction: discord.Interaction[Any], command: Command, *, key: str,
                     in_place: discord.Message | None = None) -> None:
        """Run `command` once for `key` and answer the interaction (deferring when the desk is slow)."""
        # The claim is part of the timed work: under load the database may make it wait, and Discord's
        # 3 seconds count from the interaction's arrival, not from when the claim got through.
        # When the desk is already busy, a new command will queue: defer at once rather than gamble.
        wait = 0.0 if self._in_flight >= BUSY_COMMANDS else self.settings.defer_after
        self._in_flight += 1
        work = asyncio.ensure_future(self._run(command, key))
        work.add_done_callback(self._one_less_in_flight)
        done, _ = await asyncio.wait({work}, timeout=wait)
        if not done and not interaction.response.is_done():
            if in_place is not None:
                await interaction.response.defer()  # DEFERRED_UPDATE_MESSAGE: we edit the message later
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            result = await work
        except Exception:
            log.exception("Discord: command %s failed", command.name)
            await asyncio.to_thread(self.intents_log.release, key)
            await self._say(interaction, Reply(text="Something went wrong on the desk's side; nothing was changed. "
                                               "Try again.", ok=False))
            return
        if result is None:  # a repeat of an intent already taken in hand
            await self._say(interaction, await self._repeat_reply(key))
            return
        reply = result
        if in_place is not None and reply.ok:
            await self._update_in_place(interaction, in_place, reply)
        else:
            await self._say(interaction, reply)
        # Then what takes more calls to Discord (the ticket's thread, its card), off the 3-second path.
        note = await self._after_effects(command, reply, refresh=in_place is None)
        if note and in_place is None:
            rendered = render(replace(reply, text=f"{reply.text}\n{note}"))
            try:
                await interaction.edit_original_response(content=rendered.content, embed=rendered.embed)
            except discord.HTTPException as exc:
                log.warning("Discord: could not add the thread link to the answer: %s", exc)

    def _one_less_in_flight(self, _work: object) -> None:
        self._in_flight -= 1

    async def _run(self, command: Command, key: str) -> Reply | None:
        """Claim the intent and do the desk's work (None for a repeat); the answer is stored for repeats."""
        if not await asyncio.to_thread(self.intents_log.claim, key, self.clock.now()):
            return None
        reply = await self.run_desk(command)
        await asyncio.to_thread(self.intents_log.answer, key, reply.to_json())
        return reply

    async def _after_effects(self, command: Command, reply: Reply, *, refresh: bool) -> str | None:
        """A new ticket gets its thread (returns a note linking it); a changed one gets its card redrawn.

        `refresh=False` when the press came from a message the answer itself redrew.
        """
        if not (reply.ok and reply.ticket_ref):
            return None
        try:
            if command.name == OPEN_COMMAND:
                thread = await self.open_thread(reply, command.actor)
                return f"Thread: <#{thread}>" if thread else None
            if refresh:
                await self.refresh_card(reply.ticket_ref, command.actor)
        except discord.HTTPException as exc:
            log.warning("Discord: ticket %s thread/card not updated: %s", reply.ticket_ref, exc)
        return None

    async def _repeat_reply(self, key: str) -> Reply:
        previous = await asyncio.to_thread(self.intents_log.previous_answer, key)
        if previous is None:
            return Reply(text="This was already received and is being worked on.", ok=True)
        text = previous.get("text") or ""
        return Reply(text=f"Already done: {text}" if previous.get("ok") else text, ok=bool(previous.get("ok")),
                     ticket_ref=previous.get("ticket"))

    async def _say(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        """Answer with `reply`: the first response, or a follow-up once the interaction was answered/deferred."""
        rendered = render(reply)
        ephemeral = reply.visibility != "public"
        if not interaction.response.is_done():
            await interaction.response.send_message(**_send_kwargs(rendered), ephemeral=ephemeral)
        else:
            await interaction.followup.send(**_send_kwargs(rendered), ephemeral=ephemeral)

    async def _update_in_place(self, interaction: discord.Interaction[Any], message: discord.Message,
                               reply: Reply) -> None:
        """After a button press: the ticket card shows the ticket now; other messages show the result."""
        card = await asyncio.to_thread(self.threads.by_card, message.id)
        if card is not None:
            fresh = await self._card_reply(card.ticket_ref, interaction.user)
            rendered = render(card_reply(fresh, self._known) if fresh.ok else reply)
        else:
            rendered = render(reply)
        if not interaction.response.is_done():
            await interaction.response.edit_message(content=rendered.content, embed=rendered.embed, view=rendered.view)
        else:
            await interaction.edit_original_response(content=rendered.content, embed=rendered.embed,
                                                     view=rendered.view)
        if card is not None:
            await interaction.followup.send(content=clip(reply.text, 2000), ephemeral=True)

    # ---- ticket threads and cards ----------------------------------------------------------

    def _known(self, name: str) -> bool:
        return self.desk.registry.get(name) is not None

    async def _card_reply(self, ref: str, user: discord.abc.User | None = None, actor: Actor | None = None) -> Reply:
        who = actor or (self.actor_for(user) if user is not None else None)
        assert who is not None
        return await self.run_desk(Command(name=SHOW_COMMAND, actor=who, args={"ref": ref},
                                                                   origin=Origin(platform="discord")))

    async def open_thread(self, reply: Reply, actor: Actor) -> int | None:
        """Give a new ticket its thread (forum post or text-channel thread) with the card; return the thread id."""
        ref = reply.ticket_ref
        assert ref is not None
        details = ticket_data(reply)
        group = details.get("group") if isinstance(details.get("group"), str) else None
        channel_id = self.settings.ticket_channel(group)
        if channel_id is None:
            return None
        channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
        card = await self._card_reply(ref, actor=actor)
        rendered = render(card_reply(card if card.ok else reply, self._known))
        title = str(details.get("title") or "")
        name = clip(f"{ref} {title}".strip(), THREAD_NAME_LIMIT)
        if isinstance(channel, discord.ForumChannel):
            created = await channel.create_thread(name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                                                  **_send_kwargs(rendered))
            thread, starter = created.thread, created.message
        elif isinstance(channel, discord.TextChannel):
            starter = await channel.send(**_send_kwargs(rendered))
            thread = await starter.create_thread(name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES)
        else:
            log.warning("Discord: ticket channel %s is neither a text nor a forum channel", channel_id)
            return None
        await asyncio.to_thread(self.threads.save, ref, channel_id, thread.id, starter.id)
        return thread.id

    async def refresh_card(self, ref: str, actor: Actor) -> None:
        """Re-render a ticket's card in place after a change (no-op for tickets without a thread)."""
        link = await asyncio.to_thread(self.threads.by_ticket, ref)
        if link is None:
            return
        card = await self._card_reply(ref, actor=actor)
        if not card.ok:
            return
        rendered = render(card_reply(card, self._known))
        channel = self.get_partial_messageable(int(link.channel_id))
        await channel.get_partial_message(int(link.card_message_id)).edit(
            content=rendered.content, embed=rendered.embed, view=rendered.view)

    # ---- messages: thread comments and direct messages -------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """Thread messages become ticket comments; a direct message to the bot opens a ticket."""
        if message.author.bot or not message.content.strip():
            return
        if isinstance(message.channel, discord.DMChannel):
            await self._direct_message(message)
            return
        link = await asyncio.to_thread(self.threads.by_thread, message.channel.id)
        if link is None:
            return
        text = message.content.strip()
        args: dict[str, Any] = {"ref": link.ticket_ref, "text": text}
        if text.lower().startswith(INTERNAL_PREFIX):  # a note for the desk only, as in Slack threads
            args.update(text=text[len(INTERNAL_PREFIX):].strip() or text, internal=True)
        command = Command(name=COMMENT_COMMAND, actor=self.actor_for(message.author), args=args,
                          origin=self.origin_for(message.channel.id, thread=message.channel.id, message=message),
                          request_id=f"discord:message:{message.id}")
        reply = await self._once(f"message:{message.id}", command)
        if reply is None:
            return
        if reply.ok:
            await message.add_reaction("✅")
            await self.refresh_card(link.ticket_ref, command.actor)
        else:
            await message.reply(clip("⚠️ " + reply.text, 2000), mention_author=False)

    async def _direct_message(self, message: discord.Message) -> None:
        text = message.content.strip()
        first, _, rest = text.partition("\n")
        described = {"description": text} if rest or len(first) > 200 else {}
        command = Command(name=OPEN_COMMAND, actor=self.actor_for(message.author),
                          args={"title": clip(first, 200), **described},
                          origin=self.origin_for(message.channel.id, message=message),
                          request_id=f"discord:message:{message.id}")
        reply = await self._once(f"message:{message.id}", command)
        if reply is None:
            return
        note = None
        if reply.ok and reply.ticket_ref:
            note = await self._after_effects(command, reply, refresh=True)
        rendered = render(reply)
        if note:
            rendered.content = clip(f"{rendered.content or ''}\n{note}".strip(), 2000)
        await message.channel.send(**_send_kwargs(rendered))

    async def _once(self, key: str, command: Command) -> Reply | None:
        """Run `command` unless `key` was already taken in hand (then None: the first run answered)."""
        if not await asyncio.to_thread(self.intents_log.claim, key, self.clock.now()):
            return None
        try:
            reply = await self.run_desk(command)
        except Exception:
            await asyncio.to_thread(self.intents_log.release, key)
            raise
        await asyncio.to_thread(self.intents_log.answer, key, reply.to_json())
        return reply

    # ---- reactions -------------------------------------------------------------------------

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        """The intake emoji on a message opens one ticket from it (however many people react)."""
        if str(event.emoji) != self.settings.intake_emoji or event.guild_id is None:
            return
        if self.user is not None and event.user_id == self.user.id:
            return
        user = event.member or await self.fetch_user(event.user_id)
        if user.bot:
            return
        channel = self.get_partial_messageable(event.channel_id, guild_id=event.guild_id)
        message = await channel.fetch_message(event.message_id)
        text = message.content.strip() or "(message without text)"
        first = text.partition("\n")[0]
        description = f"{text}\n\nReported by {message.author.display_name} in {message.jump_url}"
        command = Command(name=OPEN_COMMAND, actor=self.actor_for(user),
                          args={"title": clip(first, 200), "description": clip(description, 4000)},
                          origin=self.origin_for(event.channel_id, message=message),
                          request_id=f"discord:reaction:{event.message_id}")
        reply = await self._once(f"reaction:{event.message_id}", command)
        if reply is None:
            return
        note = await self._after_effects(command, reply, refresh=True)
        text = reply.text if not note else f"{reply.text}\n{note}"
        await message.reply(clip(("" if reply.ok else "⚠️ ") + text, 2000), mention_author=False)

def _send_kwargs(rendered: Rendered) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if rendered.content:
        kwargs["content"] = rendered.content
    if rendered.embed is not None:
        kwargs["embed"] = rendered.embed
    if rendered.view is not None:
        kwargs["view"] = rendered.view
    return kwargs
