"""The desk's refusals: each says what went wrong and, in `hint`, what to do next.

Use cases raise these; adapters render `message` and `hint` to the user. Raising one inside a
unit of work rolls it back, so a refused command changes nothing.
"""

from __future__ import annotations


class DeskError(Exception):
    """A refusal the user can act on: `message` says what is wrong, `hint` what to do next."""

    code = "error"

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class NotFound(DeskError):
    """The ticket, person, group or category named does not exist."""

    code = "not_found"


class Forbidden(DeskError):
    """The actor may not see or do this (the message says who may)."""

    code = "forbidden"


class InvalidTransition(DeskError):
    """The ticket's state does not allow this change (the message names the allowed ones)."""

    code = "invalid_transition"


class InvalidInput(DeskError):
    """A value is missing, malformed, unknown or too long (the hint names the valid choices)."""

    code = "invalid_input"


class Conflict(DeskError):
    """Someone changed the same ticket at the same moment; nothing was changed, try again."""

    code = "conflict"
