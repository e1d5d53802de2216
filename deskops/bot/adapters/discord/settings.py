"""How the Discord adapter connects and where it posts: read from the environment by the composition root."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from deskops.bot.adapters.discord.endpoints import DiscordEndpoints

DEFAULT_INTAKE_EMOJI = "🎫"


@dataclass(frozen=True)
class DiscordSettings:
    """Token, endpoints and channel choices of one Discord bot installation."""

    token: str
    endpoints: DiscordEndpoints = field(default_factory=DiscordEndpoints)
    guild_id: int | None = None
    ticket_channels: Mapping[str, int] = field(default_factory=dict)
    default_ticket_channel: int | None = None
    intake_emoji: str = DEFAULT_INTAKE_EMOJI
    oncall_role: int | None = None
    oncall_schedules: tuple[str, ...] = ()
    """Schedules whose on-call people hold `oncall_role` (all schedules when empty)."""
    message_content: bool = True
    sync_commands: bool = True
    defer_after: float = 1.5
    """Seconds to wait for the desk before deferring an interaction (Discord allows 3)."""
    guild_ready_timeout: float = 2.0
    """discord.py waits this long after the last server arrives before it calls itself ready."""

    def ticket_channel(self, group: str | None) -> int | None:
        """The channel (text or forum) where tickets of `group` get their thread."""
        if group and group in self.ticket_channels:
            return self.ticket_channels[group]
        return self.default_ticket_channel

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DiscordSettings | None:
        """Settings from DISCORD_* variables; None when DISCORD_TOKEN is not set.

        DISCORD_TICKET_CHANNELS maps groups to channel ids: `service-desk=1234,network=5678`.
        Raises ValueError naming the variable when a value cannot work.
        """
        env = os.environ if env is None else env
        token = env.get("DISCORD_TOKEN", "").strip()
        if not token:
            return None
        channels: dict[str, int] = {}
        for item in filter(None, (p.strip() for p in env.get("DISCORD_TICKET_CHANNELS", "").split(","))):
            group, sep, channel = item.partition("=")
            if not sep or not group.strip():
                raise ValueError(f"DISCORD_TICKET_CHANNELS entry {item!r} is not GROUP=CHANNEL_ID")
            channels[group.strip()] = _snowflake("DISCORD_TICKET_CHANNELS", channel)
        return cls(
            token=token,
            endpoints=DiscordEndpoints.from_env(env),
            guild_id=_optional_snowflake(env, "DISCORD_GUILD_ID"),
            ticket_channels=channels,
            default_ticket_channel=_optional_snowflake(env, "DISCORD_TICKET_CHANNEL"),
            intake_emoji=env.get("DISCORD_INTAKE_EMOJI", "").strip() or DEFAULT_INTAKE_EMOJI,
            oncall_role=_optional_snowflake(env, "DISCORD_ONCALL_ROLE"),
            oncall_schedules=tuple(n.strip() for n in env.get("DISCORD_ONCALL_SCHEDULES", "").split(",") if n.strip()),
            message_content=env.get("DISCORD_MESSAGE_CONTENT", "1").strip() not in {"0", "false", "no"},
        )


def _snowflake(name: str, value: str) -> int:
    text = value.strip()
    if not text.isdigit() or not 15 <= len(text) <= 21:
        raise ValueError(
            f"{name}: {value!r} is not a Discord id; copy it with Developer Mode on (right click → Copy ID)"
        )
    return int(text)


def _optional_snowflake(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name, "").strip()
    return _snowflake(name, value) if value else None
