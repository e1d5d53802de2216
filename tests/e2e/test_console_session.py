"""The console session in-process: its own commands (/as, /time, /quit), scripts, and JSON output."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from deskops.bot.adapters.console.deliverer import ConsoleDeliverer
from deskops.bot.adapters.console.render import ConsoleOutput
from deskops.bot.adapters.console.session import ClockControl, ConsoleSession, action_text
from deskops.bot.runtime import Runtime, Settings

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 6, 15, 9, 0, tzinfo=timezone(timedelta(hours=2)))


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    built = Runtime.build(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'd.db'}", config_path=REPO / "config" / "desk.yaml", clock_start=START
        )
    )
    built.start()
    yield built
    built.stop()


def _session(runtime: Runtime, *, simulated: bool = True) -> tuple[ConsoleSession, io.StringIO]:
    buffer = io.StringIO()
    output = ConsoleOutput(Console(file=buffer), as_json=True, action_text=action_text(runtime.dispatcher.registry))
    runtime.notifier.add(ConsoleDeliverer(output))
    session = ConsoleSession(
        dispatcher=runtime.dispatcher,
        output=output,
        people=list(runtime.config.people),
        actor="alice",
        clock=ClockControl(
            now=runtime.clock.now, move_to=runtime.advance_clock if simulated else None, display_zone=START.tzinfo
        ),
        after_command=runtime.deliver_now,
        guard=runtime.lock,
    )
    return session, buffer


def _lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_script_skips_comments_and_stops_at_quit(runtime: Runtime) -> None:
    session, buffer = _session(runtime)
    session.run_lines(["# a comment", "", "/whoami", "/quit", "/as bob"])
    assert [line["input"] for line in _lines(buffer)] == ["/whoami"]


def test_time_moves_forward_shown_in_the_clock_zone(runtime: Runtime) -> None:
    session, buffer = _session(runtime)
    session.run_lines(["/time +2h", "/time 2026-06-15T13:30+02:00", "/time"])
    # Jobs that came due meanwhile (e.g. the example desk's digests) print notifications: keep the replies.
    texts = [line["text"] for line in _lines(buffer) if "notification" not in line]
    assert texts == [
        "Clock moved to 2026-06-15T11:00+02:00.",
        "Clock moved to 2026-06-15T13:30+02:00.",
        "The desk's clock 2026-06-15T13:30+02:00.",
    ]
    assert runtime.clock.now() == datetime(2026, 6, 15, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/time soon", "neither +DURATION"),
        ("/time +0m", "positive duration"),
        ("/time 2026-06-15T13:30", "no UTC offset"),
        ("/time +2x", "bad duration"),
    ],
)
def test_bad_time_is_refused_and_the_clock_stays(runtime: Runtime, line: str, message: str) -> None:
    session, buffer = _session(runtime)
    session.handle(line)
    [reply] = _lines(buffer)
    assert reply["ok"] is False and message in reply["text"]
    assert runtime.clock.now() == START


def test_time_on_the_real_clock_explains_how_to_simulate(runtime: Runtime) -> None:
    session, buffer = _session(runtime, simulated=False)
    session.handle("/time +1h")
    [reply] = _lines(buffer)
    assert reply["ok"] is False and "--clock" in reply["text"]


def test_as_switches_people_and_refuses_strangers(runtime: Runtime) -> None:
    session, buffer = _session(runtime)
    session.run_lines(["/as", "/as Bob", "/as mallory", '/ticket open "Mouse broken" --category hardware'])
    empty, bob, mallory, opened = [line for line in _lines(buffer) if "input" in line]
    assert empty["ok"] is False and "Who?" in empty["text"]
    assert bob["ok"] and session.actor == "bob"
    assert mallory["ok"] is False and mallory["data"]["choices"] == ["alice", "bob", "carol", "dave", "erin"]
    assert opened["actor"] == "bob" and opened["data"]["ticket"]["requester"] == "bob"


def test_notifications_follow_the_reply_as_json(runtime: Runtime) -> None:
    session, buffer = _session(runtime)
    session.run_lines(["/as dave", '/ticket open "Mouse broken" --category hardware'])
    lines = _lines(buffer)
    assert "notification" in lines[-1]
    assert lines[-1]["notification"]["recipient"] == "group:workplace"
    assert lines[-2]["input"] == '/ticket open "Mouse broken" --category hardware'
