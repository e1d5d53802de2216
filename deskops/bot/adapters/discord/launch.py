"""Start the Discord bot inside `deskops run` (the runtime calls `start(runtime)` when DISCORD_TOKEN is set).

The bot runs its own asyncio event loop in a background thread, so the runtime's scheduler and
console keep their threads; the Discord Deliverer joins the outbox delivery.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from deskops.bot.adapters.discord.bot import DeskBot, DeskPort
from deskops.bot.adapters.discord.deliverer import DiscordDeliverer
from deskops.bot.adapters.discord.endpoints import apply_endpoints
from deskops.bot.adapters.discord.oncall_role import OnCallRole, on_call_now
from deskops.bot.adapters.discord.people import DiscordPeople
from deskops.bot.adapters.discord.settings import DiscordSettings
from deskops.bot.commands.model import Command, Reply
from deskops.bot.commands.registry import CommandRegistry

log = logging.getLogger(__name__)

READY_TIMEOUT = 60.0
PURGE_EVERY = timedelta(hours=1)
ROLE_EVERY = timedelta(minutes=1)
ROLE_SYNC_TIMEOUT = 60.0


class GuardedDesk:
    """The runtime's dispatcher, holding the runtime's lock while a command runs (jobs wait meanwhile)."""

    def __init__(self, dispatcher: Any, lock: Any) -> None:
        self._dispatcher = dispatcher
        self._lock = lock

    @property
    def registry(self) -> CommandRegistry:
        """Every command the desk knows."""
        registry: CommandRegistry = self._dispatcher.registry
        return registry

    def vocabulary(self, name: str) -> Sequence[str] | None:
        """The desk file's value lists."""
        values: Sequence[str] | None = self._dispatcher.vocabulary(name)
        return values

    def dispatch(self, command: Command) -> Reply:
        """Run `command` while no job runs."""
        with self._lock:
            reply: Reply = self._dispatcher.dispatch(command)
            return reply


class DiscordHandle:
    """A DeskBot running in its own thread and event loop; `stop()` disconnects it."""

    def __init__(self, bot: DeskBot, loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
        self.bot = bot
        self.loop = loop
        self.thread = thread

    def stop(self) -> None:
        """Close the Discord connection and wait for the thread to end."""
        if self.loop.is_running():
            # Closing ends bot.start(), which ends the loop's main task and the thread; waiting on the close
            # future itself would hang, as the loop stops before that future's last step.
            asyncio.run_coroutine_threadsafe(self.bot.close(), self.loop)
        self.thread.join(timeout=10)
        if self.thread.is_alive():
            log.warning("Discord bot did not stop within 10s")


def run_bot(desk: DeskPort, settings: DiscordSettings, *, engine: Any, clock: Any, people: DiscordPeople,
            ready_timeout: float = READY_TIMEOUT) -> DiscordHandle:
    """Connect a DeskBot in a background thread and return once it is ready (raise if it cannot start)."""
    apply_endpoints(settings.endpoints)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []
    holder: list[DeskBot] = []

    async def main() -> None:
        bot = DeskBot(desk, settings, engine=engine, clock=clock, people=people)
        holder.append(bot)
        bot_task = asyncio.ensure_future(bot.start(settings.token))
        ready_task = asyncio.ensure_future(bot.wait_until_ready())
        await asyncio.wait({bot_task, ready_task}, return_when=asyncio.FIRST_COMPLETED)
        if ready_task.done():
            ready.set()
        else:
            ready_task.cancel()
        await bot_task

    def target() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(main())
        except BaseException as exc:  # reported to the starting thread below
            failure.append(exc)
        finally:
            ready.set()
            pending = asyncio.all_tasks(loop)  # e.g. the close() that ended main(): let it finish
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=5))
            loop.close()

    thread = threading.Thread(target=target, name="deskops-discord", daemon=True)
    thread.start()
    if not ready.wait(ready_timeout):
        raise RuntimeError(
            f"Discord did not get ready within {ready_timeout:.0f}s; check DISCORD_TOKEN and the network"
        )
    if failure:
        raise RuntimeError(f"Discord could not start: {_explain(failure[0])}") from failure[0]
    return DiscordHandle(holder[0], loop, thread)


def start(runtime: Any) -> DiscordHandle:
    """The runtime's hook: settings from the environment, the desk's dispatcher, and the outbox deliverer."""
    try:
        settings = DiscordSettings.from_env(runtime.environ)
        if settings is not None and settings.oncall_role is not None:
            on_call_now(runtime.config, runtime.clock.now(), settings.oncall_schedules)  # unknown schedule: say now
    except ValueError as exc:
        raise RuntimeError(f"Discord settings: {exc}") from None
    if settings is None:
        raise RuntimeError("DISCORD_TOKEN is not set")
    desk = GuardedDesk(runtime.dispatcher, getattr(runtime, "lock", None) or threading.RLock())
    handle = run_bot(desk, settings, engine=runtime.engine, clock=runtime.clock,
                     people=DiscordPeople.from_config(runtime.config))
    runtime.notifier.add(DiscordDeliverer(handle.bot))
    intents_log = handle.bot.intents_log
    # Claimed intents only matter while a repeat can still arrive; old keys are dropped hourly.
    runtime.jobs.add("discord.purge", PURGE_EVERY, lambda _ctx, now: intents_log.purge(now),
                     "forget Discord interactions older than two days")
    if settings.oncall_role is not None:
        role = OnCallRole(handle.bot, settings.oncall_role, runtime.config.people)

        def sync_role(_ctx: object, now: datetime) -> None:
            people = on_call_now(runtime.config, now, settings.oncall_schedules)
            asyncio.run_coroutine_threadsafe(role.sync(people), handle.loop).result(ROLE_SYNC_TIMEOUT)

        runtime.jobs.add("discord.oncall_role", ROLE_EVERY, sync_role, "give the on-call role to who is on call")
    return handle


def _explain(exc: BaseException) -> str:
    import discord

    if isinstance(exc, discord.LoginFailure):
        return "the token was refused; copy the bot token again (Developer Portal → Bot → Reset Token)"
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return ("the Message Content intent is not enabled; enable it (Developer Portal → Bot → Privileged Gateway "
                "Intents) or set DISCORD_MESSAGE_CONTENT=0")
    return f"{type(exc).__name__}: {exc}"
