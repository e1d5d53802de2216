"""Socket Mode: the bolt App over Slack's websocket (no public URL needed), via slack_bolt's handler."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient


def socket_mode_handler(bolt_app: App, *, app_token: str, api_url: str, **kwargs: Any) -> Any:
    """A SocketModeHandler whose `apps.connections.open` goes to `api_url` (so a fake Slack works too).

    Envelopes are acknowledged by bolt as soon as a listener calls `ack()`; after a reconnect
    Slack may deliver an envelope again, which the desk's delivery log recognises.
    """
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    web_client = WebClient(base_url=api_url)
    return SocketModeHandler(bolt_app, app_token=app_token, web_client=web_client, **kwargs)
