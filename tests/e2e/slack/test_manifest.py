"""The Slack app manifest matches what the adapter listens to (commands, shortcuts, events, scopes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from deskops.bot.adapters.slack import app as slack_app
from tests.e2e.slack.harness import REPO

MANIFEST = REPO / "deploy" / "slack-manifest.yaml"


def _manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(Path(MANIFEST).read_text())
    return data


def test_manifest_declares_every_entry_point_the_adapter_listens_to() -> None:
    source = Path(slack_app.__file__).read_text()
    manifest = _manifest()
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == ["/ticket"]
    for shortcut in manifest["features"]["shortcuts"]:
        assert f'app.shortcut("{shortcut["callback_id"]}")' in source
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    for event in ("reaction_added", "app_home_opened"):
        assert f'app.event("{event}")' in source and event in events
    assert {"message.im", "message.channels", "message.groups"} <= events  # DMs and thread replies
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_manifest_scopes_cover_the_web_api_methods_used() -> None:
    scopes = set(_manifest()["oauth_config"]["scopes"]["bot"])
    needed = {"commands", "chat:write", "im:write", "im:history", "channels:history", "reactions:read",
              "reactions:write", "users:read", "users:read.email"}
    assert needed <= scopes
