"""Discord: time from INTERACTION_CREATE to the interaction callback for `/ticket open`, under concurrent users.

Two bots against the same fake Discord (loopback REST + gateway), in the same run: a bare
discord.py Client that answers every interaction with a fixed message, and the DeskOps bot over
the real desk (SQLite, config/desk.yaml), which claims the interaction in the database, opens
the ticket, answers, then gives it a thread and card. Discord's limit is 3 s (the bot defers after
1.5 s, or at once when two commands are already in hand); the figure to watch is the DeskOps p99
beside the bare client's. Both bots share the process with the fake Discord, so the figures are
pessimistic for both.

    .venv/bin/python bench/discord_interactions.py [--users 50] [--rounds 4]

(Not bench/discord.py: a script of that name would shadow the discord package.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import discord  # noqa: E402

from deskops.bot.adapters.discord.endpoints import DiscordEndpoints, using_endpoints  # noqa: E402
from deskops.bot.adapters.discord.people import DiscordPeople  # noqa: E402
from deskops.bot.adapters.discord.settings import DiscordSettings  # noqa: E402
from tests.e2e.discord.harness import running_bot  # noqa: E402
from tests.e2e.discord.test_discord_desk import real_dispatcher  # noqa: E402
from tests.fakes.discord_server import FakeDiscord  # noqa: E402

PEOPLE = ("alice", "bob", "carol", "dave", "erin")


def _fake(users: int) -> FakeDiscord:
    fake = FakeDiscord()
    for i in range(users):
        fake.add_user(PEOPLE[i % len(PEOPLE)] if i < len(PEOPLE) else f"user{i}")
    fake.add_channel("help")
    fake.add_channel("tickets")
    return fake


async def _measure(fake: FakeDiscord, rounds: int) -> list[float]:
    """Send `rounds` waves of one `/ticket open` per user at once; return each callback latency (s)."""
    help_id = next(c["id"] for c in fake.channels.values() if c.get("name") == "help")
    users = [u for u in fake.users.values() if not u.get("bot")]
    latencies: list[float] = []
    for wave in range(rounds):
        sent = []
        for i, user in enumerate(users):
            options = [{"name": "title", "type": 3, "value": f"Bench ticket {wave}-{i}"}]
            sent.append(await fake.slash_command(user, help_id, "ticket",
                                                 [{"name": "open", "type": 1, "options": options}]))
        for interaction in sent:
            call = await fake.wait_for_call("POST", rf"/interactions/{interaction.id}/", timeout=60)
            latencies.append(call.at - interaction.sent_at)
    return latencies


async def bare(users: int, rounds: int) -> list[float]:
    """A discord.py Client that only answers."""
    fake = await _fake(users).start()
    with using_endpoints(DiscordEndpoints(fake.api_base, fake.gateway_url)):
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.1)

        @client.event
        async def on_interaction(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.send_message("ok", ephemeral=True)

        task = asyncio.create_task(client.start(fake.token))
        while not client.is_ready():  # wait_until_ready() may only be called once start() has logged in
            await asyncio.sleep(0.02)
        try:
            return await _measure(fake, rounds)
        finally:
            await client.close()
            await task
            await fake.stop()


async def deskops(users: int, rounds: int, db: Path) -> list[float]:
    """The DeskOps bot over the real desk."""
    fake = await _fake(users).start()
    try:
        async with running_bot(real_dispatcher(db), db, fake=fake) as world:
            names = {u["id"]: u["username"] for u in fake.users.values() if u["username"] in PEOPLE}
            world.bot.people = DiscordPeople(names)
            return await _measure(fake, rounds)
    finally:
        await fake.stop()


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"median_ms": statistics.median(ordered) * 1000, "p99_ms": p99 * 1000, "max_ms": ordered[-1] * 1000}


def main() -> None:
    """Run both bots, print the figures side by side, last line one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    reference = _summary(asyncio.run(bare(args.users, args.rounds)))
    with tempfile.TemporaryDirectory() as tmp:
        ours = _summary(asyncio.run(deskops(args.users, args.rounds, Path(tmp) / "bench.db")))
    n = args.users * args.rounds
    print(f"/ticket open, {args.users} users at once, {n} interactions; INTERACTION_CREATE → callback")
    print(f"{'':28}{'median ms':>12}{'p99 ms':>12}{'max ms':>12}")
    print(f"{'bare discord.py Client':28}{reference['median_ms']:12.1f}{reference['p99_ms']:12.1f}"
          f"{reference['max_ms']:12.1f}")
    print(f"{'DeskOps (real desk, SQLite)':28}{ours['median_ms']:12.1f}{ours['p99_ms']:12.1f}{ours['max_ms']:12.1f}")
    print(f"Discord's limit: 3000 ms; DeskOps defers after {DiscordSettings(token='x').defer_after * 1000:.0f} ms"
          " (at once when busy)")
    figures = {f"bare_{k}": round(v, 1) for k, v in reference.items()}
    figures.update({f"deskops_{k}": round(v, 1) for k, v in ours.items()})
    figures["median_ratio"] = round(ours["median_ms"] / reference["median_ms"], 2)
    figures["p99_ratio"] = round(ours["p99_ms"] / reference["p99_ms"], 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
