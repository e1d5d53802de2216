"""Structured JSON logs without personal data: one JSON object per line, safe to ship to any log store.

A log call's template is written by us and kept; its arguments come from users and platforms, so
each one is kept only when it has the shape of a technical identifier — a ticket ref (INC-12), a
number, an ISO time, a hex error id, a platform id (U024BE7LH, 1234567890), an outbox key
(12:3:group), or a word of the desk's own vocabulary (command and job names, registered with
`allow_words`; a dotted word could be a person's handle, so shape alone is not enough) — and is
replaced by "[redacted]" otherwise.
Titles, comments, names, e-mail addresses and error texts (which quote payloads) never pass.
Exceptions keep their type and stack frames (file, line, function), not their message.

`DESKOPS_LOG_FORMAT=json` turns it on for `deskops run`; `DESKOPS_LOG_LEVEL` sets the level.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import IO, Any

REDACTED = "[redacted]"
_SAFE = re.compile(
    r"""^(?:
        [A-Za-z]{2,10}-\d{1,12}                      # ticket ref
      | -?\d+(?:\.\d+)?                              # number
      | \d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?   # ISO date/time
      | [0-9a-f]{8,64}                               # hex id (error id, request hash)
      | (?=[A-Z0-9]*\d)[UWCGTBD][A-Z0-9]{6,20}       # Slack user/channel/team id (has a digit)
      | \d+(?::[a-z0-9_.-]+)+                        # outbox key
    )$""",
    re.VERBOSE,
)
SAFE_EXTRAS = frozenset(
    {"ticket", "ticket_id", "command", "job", "outcome", "duration_ms", "error_id", "request_id", "platform"}
)
"""`extra=` keys a log call may add; their values go through the same check as the arguments."""
_known_words: set[str] = set()
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def allow_words(words: Iterable[str]) -> None:
    """Let these words of the desk's own vocabulary (command, job and platform names) appear in logs."""
    _known_words.update(words)


def safe_value(value: Any) -> Any:
    """The value when it is a technical identifier; its kind alone for exceptions; else "[redacted]"."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, BaseException):
        return f"[{type(value).__name__}]"
    if isinstance(value, str) and (value in _known_words or _SAFE.match(value)):
        return value
    return REDACTED


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message (template with safe arguments), extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record without personal data."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": _message(record),
        }
        for key, value in vars(record).items():
            if key in SAFE_EXTRAS and key not in _STANDARD:
                entry[key] = safe_value(value)
        if record.exc_info and record.exc_info[0] is not None:
            kind, _error, trace = record.exc_info
            entry["error"] = kind.__name__
            entry["stack"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(trace)
            ]
        return json.dumps(entry, ensure_ascii=False)


def _message(record: logging.LogRecord) -> str:
    template = str(record.msg)
    args = record.args
    if not args:
        return template
    try:
        if isinstance(args, Mapping):
            return template % {key: safe_value(value) for key, value in args.items()}
        return template % tuple(safe_value(value) for value in args)
    except (TypeError, ValueError):  # a template that does not fit its arguments: keep the template only
        return template


def configure_logging(environ: Mapping[str, str], *, stream: IO[str] | None = None) -> str:
    """Set up the root logger from DESKOPS_LOG_FORMAT (json|text) and DESKOPS_LOG_LEVEL; return the format used.

    The level defaults to info for JSON (production: the log store filters) and warning for text
    (the console, where the chat itself is on the same screen).
    """
    chosen = "json" if (environ.get("DESKOPS_LOG_FORMAT") or "").lower() == "json" else "text"
    default_level = "INFO" if chosen == "json" else "WARNING"
    level = logging.getLevelName((environ.get("DESKOPS_LOG_LEVEL") or default_level).upper())
    if not isinstance(level, int):
        level = logging.getLevelName(default_level)
    handler = logging.StreamHandler(stream or sys.stderr)
    if chosen == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Migrations and the scheduler narrate every start at info; their warnings are what an operator needs.
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(max(level, logging.WARNING))
    return chosen
