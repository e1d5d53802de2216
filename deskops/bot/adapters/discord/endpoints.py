"""Where discord.py connects: the REST base URL and the gateway URL, configurable for tests and sandboxes.

discord.py builds every REST URL (bot calls, interaction callbacks and follow-up webhooks alike)
from the class attribute `discord.http.Route.BASE`, and opens its first gateway connection at
`discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY` (later reconnects use the `resume_gateway_url`
the gateway sent in READY). Both are process-wide, so one process talks to one Discord: these
functions set them in one place, and tests/e2e/discord/test_discord_pin.py fails loudly if the
library stops using them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"
API_BASE_ENV = "DESKOPS_DISCORD_API_BASE"
GATEWAY_ENV = "DESKOPS_DISCORD_GATEWAY_URL"


@dataclass(frozen=True)
class DiscordEndpoints:
    """The REST base (…/api/v10) and gateway (ws[s]://…) URLs of one Discord (real or fake)."""

    api_base: str = DISCORD_API_BASE
    gateway: str = DISCORD_GATEWAY

    def __post_init__(self) -> None:
        if not self.api_base.startswith(("http://", "https://")):
            raise ValueError(f"Discord API base {self.api_base!r} must start with http:// or https://")
        if not self.gateway.startswith(("ws://", "wss://")):
            raise ValueError(f"Discord gateway URL {self.gateway!r} must start with ws:// or wss://")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> DiscordEndpoints:
        """Read DESKOPS_DISCORD_API_BASE / DESKOPS_DISCORD_GATEWAY_URL; the real Discord where unset."""
        return cls(
            api_base=environ.get(API_BASE_ENV) or DISCORD_API_BASE,
            gateway=environ.get(GATEWAY_ENV) or DISCORD_GATEWAY,
        )


def current_endpoints() -> DiscordEndpoints:
    """The endpoints discord.py uses right now."""
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    return DiscordEndpoints(api_base=Route.BASE, gateway=str(DiscordWebSocket.DEFAULT_GATEWAY))


def apply_endpoints(endpoints: DiscordEndpoints) -> None:
    """Point discord.py (this whole process) at `endpoints`."""
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    Route.BASE = endpoints.api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(endpoints.gateway)


@contextmanager
def using_endpoints(endpoints: DiscordEndpoints) -> Iterator[DiscordEndpoints]:
    """Use `endpoints` inside the block and restore the previous ones after it (tests, sandbox)."""
    previous = current_endpoints()
    apply_endpoints(endpoints)
    try:
        yield endpoints
    finally:
        apply_endpoints(previous)
