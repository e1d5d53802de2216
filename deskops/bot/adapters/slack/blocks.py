"""Block Kit rendering of the neutral `Reply`, and the reverse for button presses.

Slack limits shape everything here: section text ≤ 3000 characters, ≤ 10 fields per section,
button values ≤ 2000 characters, ≤ 25 elements per actions block, ≤ 50 blocks per message.
"""

from __future__ import annotations

import json
from typing import Any

from deskops.bot.commands.model import Action, Reply

ACTION_PREFIX = "deskops:"
"""Every button the desk renders has an action_id starting with this (one listener handles them all)."""

_MAX_TEXT = 3000
_MAX_FIELD = 2000
_MAX_VALUE = 2000
_STYLES = {"primary": "primary", "danger": "danger"}


def escape(text: str) -> str:
    """Escape the three characters Slack mrkdwn treats as control (so user text cannot ping @channel)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Shorten `text` to `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object."""
    return {"type": "mrkdwn", "text": clip(text, _MAX_TEXT)}


def plain(text: str, limit: int = 150) -> dict[str, Any]:
    """A plain_text text object (labels, headers, button texts)."""
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def encode_action(action: Action) -> str:
    """The button value that carries the command a press sends."""
    value = json.dumps({"c": action.command, "a": action.args}, separators=(",", ":"))
    if len(value) > _MAX_VALUE:
        raise ValueError(f"button {action.label!r} carries {len(value)} characters; Slack allows {_MAX_VALUE}")
    return value


def decode_action(value: str) -> tuple[str, dict[str, Any]]:
    """The (command, args) a pressed button carries; ValueError when the value is not ours."""
    data = json.loads(value)
    if not isinstance(data, dict) or not isinstance(data.get("c"), str) or not isinstance(data.get("a"), dict):
        raise ValueError("not a DeskOps button value")
    return data["c"], data["a"]


def button(action: Action, index: int) -> dict[str, Any]:
    """One Block Kit button for an `Action`."""
    element: dict[str, Any] = {
        "type": "button",
        "action_id": f"{ACTION_PREFIX}{action.command}:{index}",
        "text": plain(action.label, 75),
        "value": encode_action(action),
    }
    if action.style in _STYLES:
        element["style"] = _STYLES[action.style]
    return element


def reply_blocks(reply: Reply, *, extra_actions: tuple[Action, ...] = ()) -> list[dict[str, Any]]:
    """Render a Reply as blocks: header, text, fields (10 per section), buttons."""
    blocks: list[dict[str, Any]] = []
    if reply.title:
        blocks.append({"type": "header", "text": plain(reply.title)})
    if reply.text:
        prefix = "" if reply.ok else ":warning: "
        blocks.append({"type": "section", "text": mrkdwn(prefix + escape(reply.text))})
    fields = [mrkdwn(f"*{escape(f.label)}*\n{escape(clip(f.value, _MAX_FIELD))}") for f in reply.fields]
    for start in range(0, len(fields), 10):
        blocks.append({"type": "section", "fields": fields[start : start + 10]})
    actions = reply.actions + extra_actions
    for start in range(0, len(actions), 25):
        chunk = actions[start : start + 25]
        blocks.append({
            "type": "actions",
            "block_id": f"deskops_actions_{start}",
            "elements": [button(a, start + i) for i, a in enumerate(chunk)],
        })
    return blocks[:50]


def fallback_text(reply: Reply) -> str:
    """The plain text Slack shows in notifications and to clients that cannot draw blocks."""
    head = f"{reply.title}: " if reply.title else ""
    return clip(head + reply.text, _MAX_TEXT)
