"""Periodic jobs (SLA sweep, escalation sweep, digests, outbox delivery) that the runtime schedules.

An area adds its job from its own command module with `register_jobs(jobs)`; the runtime runs each
job every `every` with `run(context, now)`. On the real clock APScheduler calls it; on a simulated
clock (`deskops run --clock`) the runtime calls it for each due instant when `/time` moves the clock.
A job must be idempotent and take all its time from `now` (never the wall clock): it may run late,
twice, or on two instances at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from deskops.bot.commands.registry import CommandContext

JobFunction = Callable[[CommandContext, datetime], object]
"""`run(context, now)`: do the work that is due at `now` (aware UTC)."""


@dataclass(frozen=True)
class Job:
    """A named piece of periodic work."""

    name: str
    every: timedelta
    run: JobFunction
    summary: str = ""


class JobRegistry:
    """The periodic jobs the runtime schedules, by name."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def add(self, name: str, every: timedelta, run: JobFunction, summary: str = "") -> Job:
        """Add a job that runs every `every` (at least one second); names are unique."""
        if every < timedelta(seconds=1):
            raise ValueError(f"job {name!r}: interval {every} is shorter than one second")
        if name in self._jobs:
            raise ValueError(f"job {name!r} is registered twice")
        job = Job(name=name, every=every, run=run, summary=summary)
        self._jobs[name] = job
        return job

    def jobs(self) -> list[Job]:
        """Every job, in the order added."""
        return list(self._jobs.values())
