"""The composition root: builds from settings, runs jobs on the simulated clock in time order, refuses the past."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deskops.bot.commands.model import Actor, Command
from deskops.bot.runtime import SIMULATION_RUN_CAP, Runtime, Settings

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'desk.db'}", config_path=REPO / "config" / "desk.yaml", clock_start=START
    )
    built = Runtime.build(settings)
    yield built
    built.stop()


def test_settings_follow_the_environment() -> None:
    env = {"DESKOPS_DATABASE_URL": "postgresql://db/desk", "DESKOPS_CONFIG": "/etc/desk.yaml"}
    settings = Settings.from_env(env)
    assert (settings.database_url, settings.config_path) == ("postgresql://db/desk", Path("/etc/desk.yaml"))
    assert Settings.from_env({}).database_url == "sqlite:///deskops.db"
    assert Settings.from_env(env, database_url="sqlite://").database_url == "sqlite://"


def test_jobs_run_at_each_due_instant_in_time_order(runtime: Runtime) -> None:
    seen: list[tuple[str, datetime, datetime]] = []
    runtime.jobs.add("every-15m", timedelta(minutes=15), lambda ctx, now: seen.append(("15m", now, ctx.now())))
    runtime.jobs.add("every-40m", timedelta(minutes=40), lambda ctx, now: seen.append(("40m", now, ctx.now())))
    runtime.start()
    runtime.advance_clock(START + timedelta(hours=1))
    mine = [(name, at - START) for name, at, _ in seen]
    assert mine == [
        ("15m", timedelta(minutes=15)),
        ("15m", timedelta(minutes=30)),
        ("40m", timedelta(minutes=40)),
        ("15m", timedelta(minutes=45)),
        ("15m", timedelta(minutes=60)),
    ]
    assert all(now == clock_now for _, now, clock_now in seen)  # the clock stands at the run's instant
    assert runtime.clock.now() == START + timedelta(hours=1)


def test_a_long_jump_merges_missed_runs(runtime: Runtime) -> None:
    runs: list[datetime] = []
    runtime.jobs.add("every-second", timedelta(seconds=1), lambda _ctx, now: runs.append(now))
    runtime.start()
    runtime.advance_clock(START + timedelta(hours=2))
    assert len(runs) == SIMULATION_RUN_CAP + 1
    assert runs[-1] == START + timedelta(hours=2)


def test_the_clock_never_goes_back(runtime: Runtime) -> None:
    runtime.start()
    with pytest.raises(ValueError, match="only moves forward"):
        runtime.advance_clock(START - timedelta(minutes=1))


def test_a_failing_job_does_not_stop_the_others(runtime: Runtime) -> None:
    runs: list[str] = []

    def broken(_ctx: object, _now: datetime) -> None:
        raise RuntimeError("boom")

    runtime.jobs.add("broken", timedelta(minutes=5), broken)
    runtime.jobs.add("fine", timedelta(minutes=5), lambda _ctx, _now: runs.append("fine"))
    runtime.start()
    runtime.advance_clock(START + timedelta(minutes=10))
    assert runs == ["fine", "fine"]


def test_the_dispatcher_works_on_the_built_store(runtime: Runtime) -> None:
    reply = runtime.dispatcher.dispatch_text('/ticket open "Laptop will not boot" --category hardware', Actor("dave"))
    assert reply.ok, reply.text
    assert reply.data["ticket"]["group"] == "workplace"
    assert reply.data["ticket"]["opened_at"].startswith("2026-06-15T09:00:00")


def test_a_button_press_is_checked_like_a_typed_command(runtime: Runtime) -> None:
    runtime.dispatcher.dispatch_text('/ticket open "VPN down"', Actor("dave"))
    press = Command(name="ticket.assign", actor=Actor("alice"), args={"ref": "inc-1", "who": "zoe"})
    reply = runtime.dispatcher.dispatch(press)
    assert not reply.ok
    assert reply.data["choices"] == ["alice", "bob", "carol", "dave", "erin", "me"]
    good = runtime.dispatcher.dispatch(
        Command(name="ticket.assign", actor=Actor("alice"), args={"ref": "inc-1", "who": "me"})
    )
    assert good.ok and good.data["ticket"]["assignee"] == "alice"


def test_desk_refusals_and_internal_errors_become_replies(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = runtime.dispatcher.dispatch_text("/ticket show INC-99", Actor("alice"))
    assert not missing.ok and missing.data["error"] == "not_found"
    assert "INC-99" in missing.text

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("deskops.core.services.get_ticket", explode)
    broken = runtime.dispatcher.dispatch_text("/ticket show INC-1", Actor("alice"))
    assert not broken.ok and broken.data["error"] == "internal"
    assert "nothing was changed" in broken.text and "database on fire" not in broken.text


def test_outbox_is_delivered_by_the_job_on_the_simulated_clock(runtime: Runtime) -> None:
    got: list[str] = []

    class Catch:
        platform = "test"

        def can_reach(self, recipient: str) -> bool:
            return True

        def deliver(self, notification: object) -> None:
            got.append(getattr(notification, "recipient", ""))

    runtime.notifier.add(Catch())
    runtime.start()
    runtime.dispatcher.dispatch_text('/ticket open "Printer jams" --category hardware', Actor("dave"))
    assert got == []
    runtime.advance_clock(START + timedelta(seconds=10))
    assert got == ["group:workplace"]


def test_on_the_real_clock_apscheduler_runs_the_jobs(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'desk.db'}", config_path=REPO / "config" / "desk.yaml")
    runtime = Runtime.build(settings)
    ran = threading.Event()
    runtime.jobs.add("probe", timedelta(seconds=1), lambda _ctx, now: ran.set())
    runtime.start()
    try:
        assert ran.wait(timeout=30), "the scheduler never ran the job"
        with pytest.raises(ValueError, match="real clock"):
            runtime.advance_clock(datetime.now(UTC) + timedelta(hours=1))
    finally:
        runtime.stop()
