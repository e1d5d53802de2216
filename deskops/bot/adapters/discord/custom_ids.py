"""Button custom ids: a desk action (command + args) packed into Discord's 100-character custom_id.

`dk:<nonce>:<command>:<json args>`. The action travels inside the button itself, so a button
keeps working after the bot restarts (discord.py's DynamicItem matches the pattern); the nonce
is new each time a message is rendered, so a double click on one rendering is recognised as
the same press, while the same button on a later rendering is a new one.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from dataclasses import dataclass
from typing import Any

MAX_CUSTOM_ID = 100
PATTERN = r"dk:(?P<nonce>[0-9a-z]{6}):(?P<command>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*){0,3}):(?P<args>\{.*\})"
_COMPILED = re.compile(PATTERN)
_ALPHABET = string.digits + string.ascii_lowercase
Scalar = str | int | float | bool | None


class CustomIdError(ValueError):
    """A custom_id that is not one of ours, or whose arguments are malformed."""


@dataclass(frozen=True)
class PackedAction:
    """A desk command and its arguments, as carried by one button."""

    nonce: str
    command: str
    args: dict[str, Scalar]


def new_nonce() -> str:
    """Six random base-36 characters (enough to tell renderings of one message apart)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(6))


def encode(command: str, args: dict[str, Any], nonce: str | None = None) -> str:
    """Pack `command` and `args` into a custom_id; raise CustomIdError if it cannot fit or be read back."""
    for key, value in args.items():
        if not isinstance(key, str) or not (value is None or isinstance(value, str | int | float | bool)):
            raise CustomIdError(f"button argument {key!r} must be text, a number or a flag, not {type(value).__name__}")
    text = f"dk:{nonce or new_nonce()}:{command}:{json.dumps(args, separators=(',', ':'), ensure_ascii=False)}"
    if len(text) > MAX_CUSTOM_ID:
        raise CustomIdError(
            f"action {command} with {args} needs {len(text)} characters; Discord allows {MAX_CUSTOM_ID}"
        )
    decode(text)
    return text


def decode(custom_id: str) -> PackedAction:
    """Read a custom_id back into its action; raise CustomIdError for anything else (a forged or stale id)."""
    if len(custom_id) > MAX_CUSTOM_ID:
        raise CustomIdError("custom_id is longer than Discord allows")
    match = _COMPILED.fullmatch(custom_id)
    if match is None:
        raise CustomIdError(f"{custom_id[:40]!r} is not a DeskOps button")
    return from_match(match)


def from_match(match: re.Match[str]) -> PackedAction:
    """Turn a match of PATTERN (from discord.py's DynamicItem) into a checked action."""
    try:
        args = json.loads(match["args"])
    except json.JSONDecodeError as exc:
        raise CustomIdError(f"button arguments are not valid JSON: {exc.msg}") from None
    if not isinstance(args, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str | int | float | bool)) for k, v in args.items()
    ):
        raise CustomIdError("button arguments must map names to text, numbers or flags")
    return PackedAction(nonce=match["nonce"], command=match["command"], args=args)
