"""How the Slack adapter connects and where it posts: read from the environment by the composition root."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class SlackSettings:
    """Tokens, API base URL and channel choices of one Slack installation."""

    bot_token: str
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL
    triage_channels: Mapping[str, str] = field(default_factory=dict)
    default_triage_channel: str | None = None
    reaction: str = "ticket"
    command: str = "/ticket"

    @property
    def socket_mode(self) -> bool:
        """Socket Mode when an app-level token is given, HTTP otherwise."""
        return bool(self.app_token)

    def triage_channel(self, group: str | None) -> str | None:
        """The channel where tickets of `group` get their card and thread."""
        if group and group in self.triage_channels:
            return self.triage_channels[group]
        return self.default_triage_channel

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SlackSettings | None:
        """Settings from SLACK_* variables; None when SLACK_BOT_TOKEN is not set.

        SLACK_TRIAGE_CHANNELS maps groups to channel ids: `service-desk=C01,network=C02`.
        Raises ValueError naming the variable when the combination cannot work.
        """
        env = os.environ if env is None else env
        token = env.get("SLACK_BOT_TOKEN", "").strip()
        if not token:
            return None
        app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
        secret = env.get("SLACK_SIGNING_SECRET", "").strip() or None
        if app_token is None and secret is None:
            raise ValueError(
                "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
                "SLACK_SIGNING_SECRET (HTTP mode) is; set one of them (see README, section Slack)"
            )
        if app_token is not None and not app_token.startswith("xapp-"):
            raise ValueError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        channels: dict[str, str] = {}
        for item in filter(None, (p.strip() for p in env.get("SLACK_TRIAGE_CHANNELS", "").split(","))):
            group, sep, channel = item.partition("=")
            if not sep or not group.strip() or not channel.strip():
                raise ValueError(f"SLACK_TRIAGE_CHANNELS entry {item!r} is not GROUP=CHANNEL_ID")
            channels[group.strip()] = channel.strip()
        return cls(
            bot_token=token,
            signing_secret=secret,
            app_token=app_token,
            api_url=env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL,
            triage_channels=channels,
            default_triage_channel=env.get("SLACK_TRIAGE_CHANNEL", "").strip() or None,
            reaction=env.get("SLACK_TICKET_REACTION", "").strip().strip(":") or "ticket",
        )
