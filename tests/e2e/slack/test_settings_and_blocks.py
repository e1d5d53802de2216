"""Slack settings from the environment, and Block Kit rendering limits (no network)."""

from __future__ import annotations

import pytest

from deskops.bot.adapters.slack.blocks import decode_action, encode_action, escape, reply_blocks
from deskops.bot.adapters.slack.launch import http_address
from deskops.bot.adapters.slack.settings import SlackSettings
from deskops.bot.commands.model import Action, Field, Reply


def test_no_bot_token_means_no_slack() -> None:
    assert SlackSettings.from_env({}) is None


def test_socket_mode_and_http_mode_are_chosen_by_the_tokens() -> None:
    socket = SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    http = SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert socket is not None and socket.socket_mode
    assert http is not None and not http.socket_mode and http.api_url == "https://slack.com/api/"


@pytest.mark.parametrize(("env", "message"), [
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "neither SLACK_APP_TOKEN"),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-wrong"}, "must be an app-level token"),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_TRIAGE_CHANNELS": "network"},
     "'network' is not GROUP=CHANNEL_ID"),
])
def test_unworkable_settings_are_refused_with_what_to_fix(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SlackSettings.from_env(env)


def test_triage_channel_per_group_with_a_default() -> None:
    settings = SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
                                       "SLACK_TRIAGE_CHANNELS": "network=C2, workplace=C3",
                                       "SLACK_TRIAGE_CHANNEL": "C1"})
    assert settings is not None
    assert [settings.triage_channel(g) for g in ("network", "workplace", "other", None)] == ["C2", "C3", "C1", "C1"]


def test_http_port_is_checked() -> None:
    assert http_address({"SLACK_HTTP_PORT": "8080"}) == ("0.0.0.0", 8080)
    with pytest.raises(ValueError, match="SLACK_HTTP_PORT must be a port number"):
        http_address({"SLACK_HTTP_PORT": "eighty"})


def test_user_text_cannot_ping_the_channel_or_break_markup() -> None:
    blocks = reply_blocks(Reply(text="<!channel> look & see <https://x|y>"))
    assert blocks[0]["text"]["text"] == "&lt;!channel&gt; look &amp; see &lt;https://x|y&gt;"
    assert escape("a<b") == "a&lt;b"


def test_many_fields_are_split_ten_per_section_and_buttons_round_trip() -> None:
    reply = Reply(text="t", fields=tuple(Field(f"f{i}", "v") for i in range(23)),
                  actions=(Action("Resolve", "ticket.resolve", {"ref": "INC-1"}),))
    sections = [b for b in reply_blocks(reply) if b["type"] == "section" and "fields" in b]
    assert [len(s["fields"]) for s in sections] == [10, 10, 3]
    button = next(b for b in reply_blocks(reply) if b["type"] == "actions")["elements"][0]
    assert decode_action(button["value"]) == ("ticket.resolve", {"ref": "INC-1"})


def test_oversized_button_value_is_refused() -> None:
    with pytest.raises(ValueError, match="Slack allows 2000"):
        encode_action(Action("Big", "ticket.comment", {"text": "x" * 3000}))
