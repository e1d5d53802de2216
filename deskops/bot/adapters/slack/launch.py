"""The runtime's hook for Slack: `start(runtime)` connects (Socket Mode or HTTP) and adds the Deliverer.

`deskops run` calls it when SLACK_BOT_TOKEN is set. Socket Mode when SLACK_APP_TOKEN is set,
else HTTP on SLACK_HTTP_HOST:SLACK_HTTP_PORT (default 0.0.0.0:3000; POST /slack/events, GET /healthz).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from deskops.bot.adapters.slack.compose import build_slack
from deskops.bot.adapters.slack.deliverer import SlackDeliverer
from deskops.bot.adapters.slack.http_server import BackgroundServer, asgi_app
from deskops.bot.adapters.slack.settings import SlackSettings
from deskops.bot.adapters.slack.socket_mode import socket_mode_handler

log = logging.getLogger(__name__)


@dataclass
class SlackHandle:
    """The running Slack adapter; `stop()` disconnects it."""

    mode: str
    where: str
    _stop: Callable[[], None]
    app: Any = None
    desk: Any = None

    def stop(self) -> None:
        """Disconnect from Slack (close the socket or stop the HTTP server), then finish handed-off work."""
        self._stop()
        if self.desk is not None:
            self.desk.shutdown()


def http_address(env: Mapping[str, str]) -> tuple[str, int]:
    """Where HTTP mode listens: SLACK_HTTP_HOST (0.0.0.0) and SLACK_HTTP_PORT (3000)."""
    port = env.get("SLACK_HTTP_PORT", "3000").strip()
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"SLACK_HTTP_PORT must be a port number, not {port!r}")
    # All interfaces by default: Slack must reach it (put a TLS-terminating proxy in front).
    return env.get("SLACK_HTTP_HOST", "0.0.0.0").strip() or "0.0.0.0", int(port)


def start(runtime: Any, *, settings: SlackSettings | None = None) -> SlackHandle:
    """Connect the desk to Slack and add the Slack Deliverer to the runtime's outbox delivery."""
    settings = settings or SlackSettings.from_env(runtime.environ)
    if settings is None:
        raise ValueError("SLACK_BOT_TOKEN is not set; the Slack adapter needs it (see README, section Slack)")
    app, desk = build_slack(runtime.dispatcher, runtime.config, runtime.engine, runtime.clock, settings)
    runtime.notifier.add(SlackDeliverer(app.client, desk.people, desk.threads, desk.deliveries, settings,
                                        runtime.clock, desk.knows))
    if settings.socket_mode:
        assert settings.app_token is not None
        handler = socket_mode_handler(app, app_token=settings.app_token, api_url=settings.api_url)
        handler.connect()
        log.info("Slack connected in Socket Mode")
        return SlackHandle("socket", settings.api_url, handler.close, app, desk)
    host, port = http_address(runtime.environ)
    server = BackgroundServer(asgi_app(app), host=host, port=port).start()
    log.info("Slack HTTP mode listening on %s (POST /slack/events, GET /healthz)", server.url)
    return SlackHandle("http", server.url, server.stop, app, desk)
