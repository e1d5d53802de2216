"""Start the fake Discord and the real DeskBot together; helpers to drive a scenario from a sync test."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from deskops.bot.adapters.discord.bot import DeskBot, DeskPort
from deskops.bot.adapters.discord.endpoints import DiscordEndpoints, using_endpoints
from deskops.bot.adapters.discord.people import DiscordPeople
from deskops.bot.adapters.discord.settings import DiscordSettings
from deskops.core.clock import ManualClock
from deskops.core.persistence.db import make_engine
from tests.fakes.discord_server import FakeDiscord

T = TypeVar("T")


@dataclass
class World:
    """One scenario's fake Discord, bot and the people and channels in it."""

    fake: FakeDiscord
    bot: DeskBot
    users: dict[str, dict[str, Any]]
    help_channel: dict[str, Any]
    triage_channel: dict[str, Any]
    settings: DiscordSettings


def run(scenario: Callable[[], Awaitable[T]], timeout: float = 60.0) -> T:
    """Run an async scenario from a plain pytest test."""
    return asyncio.run(asyncio.wait_for(scenario(), timeout))


def build_fake(people: tuple[str, ...] = ("alice", "bob", "nelly"), *, forum: bool = False) -> FakeDiscord:
    """A fake Discord with the given users, a #help channel and a ticket channel (text or forum)."""
    fake = FakeDiscord()
    for name in people:
        fake.add_user(name)
    fake.add_channel("help")
    fake.add_channel("tickets", kind=15 if forum else 0)
    return fake


@contextlib.asynccontextmanager
async def running_bot(desk: DeskPort, db_path: Path, *, fake: FakeDiscord | None = None,
                      forum: bool = False, **settings: Any) -> AsyncIterator[World]:
    """The fake Discord (started here unless given) and a connected DeskBot; both stopped after the block."""
    fake = fake or build_fake(forum=forum)
    started_here = not fake.started
    if started_here:
        await fake.start()
    users = {u["username"]: u for u in fake.users.values() if not u.get("bot")}
    channels = {c["name"]: c for c in fake.channels.values() if c.get("name")}
    base = DiscordSettings(token=fake.token, endpoints=DiscordEndpoints(fake.api_base, fake.gateway_url),
                           default_ticket_channel=int(channels["tickets"]["id"]), guild_ready_timeout=0.1)
    config = replace(base, **settings)
    people = DiscordPeople({u["id"]: name for name, u in users.items()})
    engine = make_engine(f"sqlite:///{db_path}")
    with using_endpoints(config.endpoints):
        bot = DeskBot(desk, config, engine=engine, clock=ManualClock(datetime(2026, 12, 3, 16, 0, tzinfo=UTC)),
                      people=people)
        task = asyncio.create_task(bot.start(fake.token))
        ready = asyncio.create_task(bot.wait_until_ready())
        finished, _ = await asyncio.wait({task, ready}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if ready not in finished:
            ready.cancel()
            if task in finished:
                task.result()
            raise TimeoutError("the bot did not become ready against the fake Discord")
        try:
            yield World(fake, bot, users, channels["help"], channels["tickets"], config)
        finally:
            await bot.close()
            with contextlib.suppress(Exception):
                await task
            engine.dispose()
            if started_here:
                await fake.stop()
