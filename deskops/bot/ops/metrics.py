"""Prometheus metrics of one running desk: tickets by state, SLA clocks at risk, outbox, sweeps, commands.

Counts that live in the database (tickets, clocks, outbox) are read when Prometheus scrapes, so
every instance reports the same desk-wide figures; label them by instance in Prometheus, or
aggregate with `max` rather than `sum`. Timings (commands, periodic jobs) and delivery outcomes
are this process's own, so `sum` over instances is right for those.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlmodel import col

if TYPE_CHECKING:
    from deskops.bot.runtime import Runtime

log = logging.getLogger(__name__)

AT_RISK_PERCENT = 75
"""A running clock that has used this share of its target counts as at risk (as `/sla risk` by default)."""
SLA_REFRESH_SECONDS = 60.0
"""The SLA figures walk every open ticket's history; they are recomputed at most this often."""
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class DeskMetrics:
    """The metrics of one runtime, on their own registry (so tests and several runtimes never collide)."""

    def __init__(self, runtime: Runtime, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.runtime = runtime
        self.registry = CollectorRegistry(auto_describe=True)
        self._monotonic = clock
        self.command_seconds = Histogram(
            "deskops_command_seconds",
            "Time to run one chat command, by command and outcome (ok, refused).",
            ["command", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.job_seconds = Histogram(
            "deskops_job_duration_seconds",
            "Time of one run of a periodic job (SLA sweep, escalation sweep, outbox delivery, digests).",
            ["job"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.deliveries = Counter(
            "deskops_outbox_deliveries",
            "Notifications this process tried to deliver, by outcome (delivered, failed).",
            ["outcome"],
            registry=self.registry,
        )
        self.registry.register(_DeskCollector(runtime, clock))

    def instrument(self) -> DeskMetrics:
        """Time the runtime's commands, jobs and deliveries (wraps them on this runtime object only)."""
        runtime = self.runtime
        # Wrapping on the instance keeps the dispatcher and the notifier free of any metrics code;
        # dispatch_text and the adapters go through `dispatch`, so one wrapper sees every command.
        dispatch = runtime.dispatcher.dispatch
        run_job = runtime.run_job
        deliver_due = runtime.notifier.deliver_due

        def timed_dispatch(command: Any) -> Any:
            started = self._monotonic()
            reply = dispatch(command)
            outcome = "ok" if reply.ok else "refused"
            self.command_seconds.labels(command.name, outcome).observe(self._monotonic() - started)
            return reply

        def timed_job(job: Any, now: datetime) -> None:
            started = self._monotonic()
            run_job(job, now)
            self.job_seconds.labels(job.name).observe(self._monotonic() - started)

        def counted_delivery(now: datetime, limit: int = 100) -> Any:
            report = deliver_due(now, limit)
            self.deliveries.labels("delivered").inc(len(report.delivered))
            self.deliveries.labels("failed").inc(len(report.failed))
            return report

        runtime.dispatcher.dispatch = timed_dispatch  # type: ignore[method-assign]
        runtime.run_job = timed_job  # type: ignore[method-assign]
        runtime.notifier.deliver_due = counted_delivery  # type: ignore[method-assign]
        for outcome in ("delivered", "failed"):
            self.deliveries.labels(outcome)  # present at 0 from the start, so rate() works at once
        return self

    def render(self) -> bytes:
        """The metrics in the Prometheus text format."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


class _DeskCollector(Collector):
    """Desk-wide gauges read from the database at scrape time."""

    def __init__(self, runtime: Runtime, monotonic: Callable[[], float]) -> None:
        self.runtime = runtime
        self._monotonic = monotonic
        self._sla_lock = threading.Lock()
        self._sla: tuple[float, int, int] | None = None  # (computed at, at risk, breached)

    def describe(self) -> Iterator[Metric]:
        """No fixed description: the values come from the database (keeps registration cheap)."""
        return iter(())

    def collect(self) -> Iterator[Metric]:
        """Tickets by state, outbox backlog, SLA clocks at risk and breached."""
        from deskops.core.persistence.tables import OutboxRow, TicketRow
        from deskops.core.tickets import TicketState

        up = GaugeMetricFamily("deskops_database_up", "1 when the last scrape could read the database.")
        try:
            with self.runtime.engine.connect() as connection:
                by_state = dict(
                    connection.execute(select(col(TicketRow.state), func.count()).group_by(TicketRow.state)).all()
                )
                undelivered = col(OutboxRow.delivered_at).is_(None)
                backlog = connection.execute(
                    select(func.count()).select_from(OutboxRow).where(undelivered)
                ).scalar_one()
                failing = connection.execute(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(undelivered, col(OutboxRow.last_error).is_not(None))
                ).scalar_one()
                given_up = connection.execute(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(undelivered, col(OutboxRow.attempts) >= self.runtime.notifier.policy.attempts)
                ).scalar_one()
        except Exception as exc:  # a scrape must answer even when the database is down: say so in a gauge
            log.warning("metrics: cannot read the database: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        tickets = GaugeMetricFamily("deskops_tickets", "Tickets by state.", labels=["state"])
        for state in TicketState:
            tickets.add_metric([state.value], by_state.get(state.value, 0))
        yield tickets
        yield GaugeMetricFamily("deskops_outbox_backlog", "Notifications not delivered yet.", value=backlog)
        yield GaugeMetricFamily(
            "deskops_outbox_failing", "Undelivered notifications whose last attempt failed.", value=failing
        )
        yield GaugeMetricFamily(
            "deskops_outbox_given_up",
            "Undelivered notifications out of attempts (deskops db outbox --retry revives them).",
            value=given_up,
        )
        at_risk, breached = self._sla_figures()
        yield GaugeMetricFamily(
            "deskops_sla_clocks_at_risk",
            f"Running SLA/OLA clocks of open tickets past {AT_RISK_PERCENT}% of their target, not yet breached.",
            value=at_risk,
        )
        yield GaugeMetricFamily(
            "deskops_sla_clocks_breached", "SLA/OLA clocks of open tickets past their target.", value=breached
        )

    def _sla_figures(self) -> tuple[int, int]:
        with self._sla_lock:
            now = self._monotonic()
            if self._sla is None or now - self._sla[0] >= SLA_REFRESH_SECONDS:
                self._sla = (now, *sla_counts(self.runtime))
            return self._sla[1], self._sla[2]


def sla_counts(runtime: Runtime) -> tuple[int, int]:
    """(clocks at risk, clocks breached) over the open tickets, as of the desk's clock."""
    from sqlmodel import Session

    from deskops.bot.commands.sla import engine_for
    from deskops.core.persistence.repositories import SqlTicketRepository
    from deskops.core.persistence.tables import TicketRow
    from deskops.core.sla.clocks import ClockState
    from deskops.core.sla.service import LIVE_SOURCE
    from deskops.core.tickets import OPEN_STATES

    engine = engine_for(runtime.config)
    if not engine.agreements:
        return 0, 0
    now = runtime.clock.now()
    at_risk = breached = 0
    with Session(runtime.engine) as session:
        repository = SqlTicketRepository(session)
        ids = session.scalars(
            select(col(TicketRow.id)).where(
                col(TicketRow.state).in_([state.value for state in OPEN_STATES]),
                col(TicketRow.source) == LIVE_SOURCE,  # history loaded from elsewhere has no live clocks (as the sweep)
            )
        ).all()
        for ticket_id in ids:
            assert ticket_id is not None  # a stored row always has its primary key
            for status in engine.clocks(repository.events(ticket_id), now):
                if status.state == ClockState.BREACHED and status.stopped_at is None:
                    breached += 1
                elif status.is_open and status.percent_used >= AT_RISK_PERCENT:
                    at_risk += 1
    return at_risk, breached
