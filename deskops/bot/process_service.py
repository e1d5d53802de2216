"""Loading what the process tools read from the store, shared by `deskops process` and `/process findings`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from sqlalchemy import Engine

    from deskops.core.config.desk import DeskConfig
    from deskops.core.events import DomainEvent
    from deskops.core.kpi.period import Period
    from deskops.core.process.signals import Finding
    from deskops.core.process.trace import Trace


def opened_logs(engine: Engine, period: Period) -> Iterator[list[DomainEvent]]:
    """The logs of the tickets opened in the period (each log in order, opening first)."""
    from deskops.core.kpi.period import Period
    from deskops.core.persistence.kpi_facts import iter_ticket_logs

    for log in iter_ticket_logs(engine, Period(None, period.end)):
        if log and period.contains(log[0].occurred_at):
            yield log


def load_traces(engine: Engine, period: Period, filters: dict[str, str], as_of: datetime) -> list[Trace]:
    """Traces of the tickets opened in the period that match the filter."""
    from deskops.core.process.map import matches
    from deskops.core.process.trace import trace_from_events

    traces = (trace_from_events(log, as_of=as_of) for log in opened_logs(engine, period))
    return [trace for trace in traces if matches(trace, filters)]


def gather_findings(engine: Engine, desk: DeskConfig | None, as_of: datetime) -> list[Finding]:
    """Load what the signals watch (traces, SLA clocks, daily arrivals) and run every rule as of `as_of`."""
    from deskops.core.config.process import ProcessConfig
    from deskops.core.kpi.period import Period
    from deskops.core.process.signals import Observed, daily_arrivals, findings, observation_start
    from deskops.core.process.trace import trace_from_events
    from deskops.core.sla.service import SlaEngine

    config = desk.process if desk is not None else ProcessConfig()
    clocks = SlaEngine.from_config(desk) if desk is not None else None
    start = observation_start(config, as_of)
    observed = [
        Observed(trace_from_events(log, as_of=as_of), tuple(clocks.clocks(log, as_of)) if clocks else ())
        for log in opened_logs(engine, Period(start, as_of))
    ]
    arrivals = daily_arrivals((o.trace.opened_at for o in observed), start=start, end=as_of)
    return findings(observed, arrivals, config, as_of)


def digest_lines(engine: Engine, desk: DeskConfig, as_of: datetime, *, limit: int = 5) -> list[str]:
    """The findings as short lines for the managers' digest (strongest first; a count of the rest at the end)."""
    found = gather_findings(engine, desk, as_of)
    lines = [f"[{finding.rule.replace('_', ' ')}] {finding.message}" for finding in found[:limit]]
    if len(found) > limit:
        lines.append(f"… and {len(found) - limit} more: `deskops process findings` or `/process findings`")
    return lines
