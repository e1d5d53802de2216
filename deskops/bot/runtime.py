"""Composition root: builds engine, units of work, clock, dispatcher, notifier, scheduler and adapters.

Nothing is built at import time: `Runtime.build(settings)` does it all, in this order — load the
desk file, open the database and bring its schema up to date (alembic), collect every area's
commands and periodic jobs, and wire the dispatcher and the outbox delivery.

Periodic jobs run on the desk's clock:
- real clock: an APScheduler `BackgroundScheduler` calls each job every `job.every`;
- simulated clock (`deskops run --clock ISO`): `advance_clock` moves the clock forward and runs
  each job at every instant it came due on the way, in time order (the scheduler follows the
  simulated clock; no wall-clock timer fires).

Chat platforms: `start_platforms()` starts each platform whose environment variables are set
(see `PLATFORMS`). A platform module `deskops.bot.adapters.<name>.launch` defines
`start(runtime) -> handle` (the handle has `stop()`); it uses `runtime.dispatcher`, and adds its
outbox `Deliverer` with `runtime.notifier.add(...)`.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine

from deskops.bot.commands.dispatcher import CommandDispatcher, DeskContext
from deskops.bot.commands.jobs import Job, JobRegistry
from deskops.bot.commands.registry import build_registry
from deskops.bot.config_loader import default_config_path, load_config
from deskops.bot.notify import OutboxDelivery
from deskops.core.clock import Clock, ManualClock, SystemClock, ensure_utc
from deskops.core.config.desk import DeskConfig

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///deskops.db"
OUTBOX_EVERY = timedelta(seconds=10)
"""How often undelivered notifications are sent (they also go out right after each console command)."""
SIMULATION_RUN_CAP = 1000
"""Most runs of one job in one clock jump; beyond it the missed runs are merged (APScheduler's coalesce)."""

PLATFORMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "slack": ("deskops.bot.adapters.slack.launch", ("SLACK_BOT_TOKEN",)),
    "discord": ("deskops.bot.adapters.discord.launch", ("DISCORD_TOKEN",)),
}
"""Platform → (launch module, environment variables that switch it on)."""


class PlatformHandle(Protocol):
    """A running chat platform adapter."""

    def stop(self) -> None:
        """Disconnect and stop."""
        ...


@dataclass(frozen=True)
class Settings:
    """Where the desk's data and desk file are, and which clock it runs on."""

    database_url: str = DEFAULT_DATABASE_URL
    config_path: Path = Path("config/desk.yaml")
    clock_start: datetime | None = None
    environ: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        config_path: Path | None = None,
        database_url: str | None = None,
        clock_start: datetime | None = None,
    ) -> Settings:
        """Settings from arguments, else DESKOPS_DATABASE_URL / DESKOPS_CONFIG, else the defaults."""
        env = dict(os.environ if environ is None else environ)
        return cls(
            database_url=database_url or env.get("DESKOPS_DATABASE_URL") or DEFAULT_DATABASE_URL,
            config_path=config_path or default_config_path(env),
            clock_start=clock_start,
            environ=env,
        )


class Runtime:
    """The running desk: everything wired together; build it with `Runtime.build(settings)`."""

    def __init__(
        self,
        *,
        config: DeskConfig,
        engine: Engine,
        clock: Clock,
        jobs: JobRegistry,
        dispatcher: CommandDispatcher,
        notifier: OutboxDelivery,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.clock = clock
        self.jobs = jobs
        self.dispatcher = dispatcher
        self.notifier = notifier
        self.environ: Mapping[str, str] = environ or {}
        self.platforms: dict[str, PlatformHandle] = {}
        self._lock = threading.RLock()  # jobs and console commands never run at the same time
        self._scheduler: Any = None
        self._next_run: dict[str, datetime] = {}

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        """Load the desk file, migrate the database, and wire the desk (raises ConfigError on a bad file)."""
        from deskops.core.persistence.db import ensure_schema, make_engine
        from deskops.core.persistence.uow import SqlUnitOfWork
        from deskops.core.services.context import Desk

        config = load_config(settings.config_path)
        engine = make_engine(settings.database_url)
        ensure_schema(engine)
        clock: Clock = ManualClock(settings.clock_start) if settings.clock_start is not None else SystemClock()
        jobs = JobRegistry()
        registry = build_registry(jobs)
        context = DeskContext(
            config=config,
            clock=clock,
            registry=registry,
            uow_factory=lambda: SqlUnitOfWork(engine),
            desk=Desk.from_config(config),
        )
        notifier = OutboxDelivery(engine)
        if config.interfaces:  # hand-offs to operations/security/suppliers: signed webhook or e-mail
            from deskops.bot.webhooks import InterfaceDeliverer

            notifier.add(InterfaceDeliverer(config, settings.environ))
        runtime = cls(
            config=config,
            engine=engine,
            clock=clock,
            jobs=jobs,
            dispatcher=CommandDispatcher(context),
            notifier=notifier,
            environ=settings.environ,
        )
        jobs.add("outbox.deliver", OUTBOX_EVERY, runtime._deliver_job, "send undelivered notifications")
        return runtime

    @property
    def lock(self) -> threading.RLock:
        """Held by every job run; adapters may hold it around a command to keep jobs out meanwhile."""
        return self._lock

    @property
    def simulated(self) -> bool:
        """True when the desk runs on a simulated clock (`--clock`)."""
        return isinstance(self.clock, ManualClock)

    @property
    def scheduler_running(self) -> bool:
        """True while APScheduler runs the periodic jobs (readiness reports it)."""
        return self._scheduler is not None and bool(self._scheduler.running)

    # ----- periodic jobs ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the periodic jobs: APScheduler on the real clock; on a simulated one, arm the first runs."""
        now = self.clock.now()
        if self.simulated:
            self._next_run = {job.name: now + job.every for job in self.jobs.jobs()}
            return
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        scheduler = BackgroundScheduler(timezone="UTC")
        for job in self.jobs.jobs():
            scheduler.add_job(
                self._run_now,
                IntervalTrigger(seconds=job.every.total_seconds(), timezone="UTC"),
                args=[job],
                id=job.name,
                name=job.summary or job.name,
                max_instances=1,
                coalesce=True,
            )
        scheduler.start()
        self._scheduler = scheduler

    def stop(self) -> None:
        """Stop the scheduler and the chat platforms, then release the database."""
        for name, handle in list(self.platforms.items()):
            try:
                handle.stop()
            except Exception:  # stopping goes on for the others
                log.exception("stopping %s failed", name)
        self.platforms.clear()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        self.engine.dispose()

    def run_job(self, job: Job, now: datetime) -> None:
        """Run one job at `now`; a failing job is logged and runs again next time."""
        with self._lock:
            try:
                job.run(self.dispatcher.context, ensure_utc(now))
            except Exception:
                log.exception("job %s failed at %s", job.name, now.isoformat())

    def tick(self, now: datetime | None = None) -> None:
        """Run every job once at `now` (default: the clock's now)."""
        at = now or self.clock.now()
        for job in self.jobs.jobs():
            self.run_job(job, at)

    def deliver_now(self) -> None:
        """Send the notifications that are due now (the console calls this after each command)."""
        with self._lock:
            self.notifier.deliver_due(self.clock.now())

    def advance_clock(self, target: datetime) -> list[tuple[str, datetime]]:
        """Move the simulated clock forward to `target`, running each job at every instant it came due.

        Returns the (job, instant) runs in the order they happened. Raises ValueError on the real
        clock or when `target` is in the past.
        """
        if not isinstance(self.clock, ManualClock):
            raise ValueError("the desk runs on the real clock; start it with --clock ISO to simulate time")
        clock = self.clock
        target = ensure_utc(target)
        if target < clock.now():
            raise ValueError(f"the clock only moves forward; {target.isoformat()} is before {clock.now().isoformat()}")
        runs: list[tuple[str, datetime]] = []
        counts: dict[str, int] = {}
        merged: list[Job] = []
        by_name = {job.name: job for job in self.jobs.jobs()}
        for name, job in by_name.items():
            self._next_run.setdefault(name, clock.now() + job.every)
        while True:
            due = [(at, name) for name, at in self._next_run.items() if at <= target]
            if not due:
                break
            at, name = min(due)
            job = by_name[name]
            counts[name] = counts.get(name, 0) + 1
            if counts[name] > SIMULATION_RUN_CAP:
                # Too many runs in one jump: the rest merge into one run at the target (APScheduler's coalesce).
                merged.append(job)
                self._next_run[name] = target + job.every
                continue
            clock.set(at)
            self.run_job(job, at)
            runs.append((name, at))
            self._next_run[name] = at + job.every
        clock.set(target)
        for job in merged:
            self.run_job(job, target)
            runs.append((job.name, target))
        return runs

    def _run_now(self, job: Job) -> None:
        self.run_job(job, self.clock.now())

    def _deliver_job(self, _ctx: object, now: datetime) -> None:
        self.notifier.deliver_due(now)

    # ----- chat platforms ------------------------------------------------------------------------------

    def wanted_platforms(self) -> list[str]:
        """The platforms whose environment variables are set."""
        return [name for name, (_module, keys) in PLATFORMS.items() if any(self.environ.get(k) for k in keys)]

    def start_platforms(self, names: list[str] | None = None) -> list[str]:
        """Start the chat platforms whose tokens are set; return their names."""
        started: list[str] = []
        for name in names if names is not None else self.wanted_platforms():
            module_name, keys = PLATFORMS[name]
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                raise RuntimeError(
                    f"{' or '.join(keys)} is set, but this DeskOps has no {name} launcher ({module_name}): {exc}"
                ) from exc
            start: Callable[[Runtime], PlatformHandle] = module.start
            self.platforms[name] = start(self)
            started.append(name)
        return started
