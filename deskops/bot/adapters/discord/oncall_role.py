"""The "on call" role: held by exactly the people on call now, so `@On call` reaches them in Discord.

Who is on call comes from the desk file's schedules (all, or those named in
DISCORD_ONCALL_SCHEDULES). Discord only tells a bot who holds a role with the privileged members
intent, so the bot checks each listed person's roles once at start and then tracks what it changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from deskops.core.config.desk import DeskConfig
from deskops.core.escalation.oncall import Schedule

if TYPE_CHECKING:
    from deskops.bot.adapters.discord.bot import DeskBot

log = logging.getLogger(__name__)
AUDIT_REASON = "DeskOps on-call schedule"


def on_call_now(config: DeskConfig, at: datetime, schedules: Sequence[str] = ()) -> set[str]:
    """The desk people on call at `at` in the named schedules (every schedule when none are named)."""
    names = list(schedules) or sorted(config.schedules)
    unknown = [n for n in names if n not in config.schedules]
    if unknown:
        raise ValueError(f"DISCORD_ONCALL_SCHEDULES names unknown schedules {unknown}; "
                         f"the desk file has {sorted(config.schedules)}")
    people: set[str] = set()
    for name in names:
        people.update(Schedule.from_config(name, config.schedules[name]).who(at).people)
    return people


class OnCallRole:
    """Gives the role to the people on call and takes it from those who no longer are."""

    def __init__(self, bot: DeskBot, role_id: int, people: Iterable[str]) -> None:
        self.bot = bot
        self.role_id = role_id
        self.people = list(people)
        self.holders: set[int] | None = None

    def _guild(self) -> discord.Guild:
        guild_id = self.bot.settings.guild_id
        guild = self.bot.get_guild(guild_id) if guild_id else next(iter(self.bot.guilds), None)
        if guild is None:
            raise LookupError("the bot is in no server; set DISCORD_GUILD_ID")
        return guild

    async def _member(self, guild: discord.Guild, user_id: int) -> discord.Member | None:
        try:
            return guild.get_member(user_id) or await guild.fetch_member(user_id)
        except discord.NotFound:
            return None

    async def _current_holders(self, guild: discord.Guild) -> set[int]:
        holders: set[int] = set()
        for person in self.people:
            user_id = self.bot.people.discord_id(person)
            member = await self._member(guild, user_id) if user_id is not None else None
            if member is not None and any(role.id == self.role_id for role in member.roles):
                holders.add(member.id)
        return holders

    async def sync(self, on_call: set[str]) -> tuple[set[int], set[int]]:
        """Make the role's holders the Discord users of `on_call`; return (given, taken) user ids."""
        guild = self._guild()
        if self.holders is None:
            self.holders = await self._current_holders(guild)
        wanted = {uid for uid in (self.bot.people.discord_id(p) for p in on_call) if uid is not None}
        role = discord.Object(self.role_id)
        given, taken = wanted - self.holders, self.holders - wanted
        for user_id in sorted(given | taken):
            member = await self._member(guild, user_id)
            if member is None:
                log.warning("on-call role: Discord user %s is not in %s", user_id, guild.name)
                self.holders.discard(user_id)
                continue
            if user_id in given:
                await member.add_roles(role, reason=AUDIT_REASON)
                self.holders.add(user_id)
            else:
                await member.remove_roles(role, reason=AUDIT_REASON)
                self.holders.discard(user_id)
        if given or taken:
            log.info("on-call role: given to %s, taken from %s", sorted(given), sorted(taken))
        return given, taken
