"""Liveness and readiness of a running desk, as the ops server's /healthz and /readyz report them.

Liveness: the process answers (a container restarts it when not). Readiness: this instance can
do its work — the database answers and its schema is at the packaged migrations' head, the
scheduler runs the periodic jobs, and the outbox is not stuck (no notification due for longer
than `OUTBOX_STUCK_AFTER`). A load balancer sends chat traffic only to ready instances.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlmodel import col

if TYPE_CHECKING:
    from deskops.bot.runtime import Runtime

OUTBOX_STUCK_AFTER = timedelta(minutes=5)
"""A notification due this long and still undelivered (with attempts left) means delivery is stuck."""


@dataclass(frozen=True)
class Check:
    """One readiness check: its name, whether it passed, and what an operator should know."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    """All checks; ready when every one passed."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """True when every check passed."""
        return all(check.ok for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: `ready` and each check's `ok` and `detail`."""
        return {
            "ready": self.ready,
            "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in self.checks},
        }


def liveness(started: float) -> dict[str, Any]:
    """The process answers: status and uptime in seconds (from the monotonic clock at start)."""
    return {"status": "ok", "uptime_seconds": round(time.monotonic() - started, 1)}


def readiness(runtime: Runtime) -> Readiness:
    """Run every readiness check against the runtime; a failing check never raises."""
    database = _database(runtime)
    checks = [database]
    if database.ok:
        checks.append(_outbox(runtime))
    checks.append(_scheduler(runtime))
    return Readiness(checks)


def _database(runtime: Runtime) -> Check:
    from alembic.script import ScriptDirectory

    from deskops.core.persistence.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    try:
        with runtime.engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    except Exception as exc:  # unreachable, wrong credentials, no schema: report the kind, not the URL
        return Check("database", False, f"cannot read the database ({type(exc).__name__})")
    if revision != head:
        return Check("database", False, f"schema at {revision}, this DeskOps needs {head}: run `deskops db upgrade`")
    return Check("database", True, f"schema at {revision}")


def _outbox(runtime: Runtime) -> Check:
    from deskops.core.persistence.tables import OutboxRow

    stuck_before = runtime.clock.now() - OUTBOX_STUCK_AFTER
    with runtime.engine.connect() as connection:
        stuck = connection.execute(
            select(func.count())
            .select_from(OutboxRow)
            .where(
                col(OutboxRow.delivered_at).is_(None),
                col(OutboxRow.next_attempt_at) < stuck_before,
                col(OutboxRow.attempts) < runtime.notifier.policy.attempts,
            )
        ).scalar_one()
    if stuck:
        return Check(
            "outbox",
            False,
            f"{stuck} notification(s) due for over {int(OUTBOX_STUCK_AFTER.total_seconds() // 60)} min; "
            "see `deskops db outbox`",
        )
    return Check("outbox", True, "no notification overdue")


def _scheduler(runtime: Runtime) -> Check:
    if runtime.simulated:
        return Check("scheduler", True, "simulated clock: jobs run as the clock moves")
    if runtime.scheduler_running:
        return Check("scheduler", True, "periodic jobs running")
    return Check("scheduler", False, "the periodic jobs are not running (sweeps and deliveries stopped)")
