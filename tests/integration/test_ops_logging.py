"""Structured logs at info level carry ticket refs and ids, never titles, comments, names or e-mail addresses."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deskops.bot.commands.model import Actor
from deskops.bot.ops.logging import REDACTED, JsonFormatter, allow_words, configure_logging, safe_value
from deskops.bot.runtime import Runtime, Settings

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
SECRETS = ("Salary", "Zoë", "zoe.miller@example.com", "burnout", "dave", "alice", "erin", "john.smith")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The root logger writes JSON lines into a buffer (as `deskops run` with DESKOPS_LOG_FORMAT=json)."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    buffer = io.StringIO()
    assert configure_logging({"DESKOPS_LOG_FORMAT": "json"}, stream=buffer) == "json"
    assert root.level == logging.INFO
    try:
        yield buffer
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


def test_identifiers_pass_and_personal_data_does_not() -> None:
    for kept in ("INC-12", 42, 3.5, "2026-06-15T09:00:00+00:00", "U024BE7LH", "1187411052306849812", "12:3:group"):
        assert safe_value(kept) == kept
    for personal in ("alice", "john.smith", "zoe.miller@example.com", "Salary review for Zoë", "DAVIDSMITH", "x" * 300):
        assert safe_value(personal) == REDACTED
    assert safe_value(LookupError("no platform can reach 'person:alice'")) == "[LookupError]"


def test_an_exception_keeps_its_type_and_frames_not_its_text() -> None:
    try:
        raise ValueError("title 'Salary review for Zoë' too long")
    except ValueError:
        record = logging.LogRecord("deskops.x", logging.ERROR, __file__, 1, "command %s failed", ("INC-3",), None)
        import sys

        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "command INC-3 failed" and entry["error"] == "ValueError"
    assert entry["stack"] and "Zoë" not in json.dumps(entry)


def test_a_busy_desk_logs_no_personal_data(
    json_log: io.StringIO, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = Runtime.build(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'd.db'}", config_path=REPO / "config/desk.yaml", clock_start=START
        )
    )
    allow_words([spec.name for spec in runtime.dispatcher.registry.specs()] + [j.name for j in runtime.jobs.jobs()])

    class Failing:
        """A chat platform that fails with the kind of text platforms send back: the payload, quoted."""

        platform = "test"

        def can_reach(self, recipient: str) -> bool:
            return True

        def deliver(self, notification: object) -> None:
            raise RuntimeError(f"channel_not_found for {notification!r} <zoe.miller@example.com>")

    runtime.notifier.add(Failing())
    runtime.start()
    try:
        say = runtime.dispatcher.dispatch_text
        assert say('/ticket open "Salary review for Zoë — burnout" --urgency high --impact high', Actor("dave")).ok
        assert say("/ticket comment INC-1 call zoe.miller@example.com, john.smith knows", Actor("dave")).ok
        assert say("/ticket assign INC-1 me", Actor("alice")).ok

        def explode(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("Salary review for Zoë: constraint failed")

        monkeypatch.setattr("deskops.core.services.get_ticket", explode)
        assert not say("/ticket show INC-1", Actor("alice")).ok  # logged with its error id
        runtime.advance_clock(START + timedelta(minutes=30))  # deliveries fail, sweeps and escalation run
    finally:
        runtime.stop()
    lines = [line for line in json_log.getvalue().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert any(entry["level"] == "warning" and "outbox" in entry["message"] for entry in entries)
    assert any(entry.get("error") == "RuntimeError" and "ticket.show" in entry["message"] for entry in entries)
    text = "\n".join(lines)
    assert "INC-1" in text  # refs are kept: the log stays useful
    leaked = [secret for secret in SECRETS if secret.lower() in text.lower()]
    assert leaked == [], f"personal data in the logs: {leaked}\n{text[:3000]}"
