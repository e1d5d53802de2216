"""Digests from the store: the report document of a period for one audience, its at-risk tickets and charts.

Shared by the scheduled digests and `/report` in chat (deskops/bot/commands/digests.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from deskops.core.config.desk import DeskConfig
from deskops.core.kpi.audience import Audience, for_audience
from deskops.core.kpi.digest import Digest, compose_digest
from deskops.core.kpi.period import Period, split

CHART_DIR_ENV = "DESKOPS_DIGEST_DIR"
"""Where digest charts (PNG) are written; default `deskops-digests/` in the system temp folder (never the
working tree: a desk run from a checkout would fill it)."""
AT_RISK_LIMIT = 10


@dataclass(frozen=True)
class Filter:
    """The slice a digest counts (None: all)."""

    priority: str | None = None
    group: str | None = None
    category: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """Keyword arguments for the KPI queries."""
        return {"priority": self.priority, "group": self.group, "category": self.category}


@dataclass
class BuiltDigest:
    """A digest with the report document it came from and the chart files written for it."""

    digest: Digest
    document: dict[str, Any]
    charts: list[str] = field(default_factory=list)


def report_document(engine: Engine, config: DeskConfig, period: Period, where: Filter, audience: Audience,
                    *, trend: bool = False) -> dict[str, Any]:
    """The report of DESIGN.md §4 for `period` and `where`, cut down to what `audience` may read."""
    from dataclasses import replace

    from deskops.bot.commands.sla import engine_for
    from deskops.core.kpi.report import ReportOptions, report_from_cells
    from deskops.core.kpi.sla import sla_compliance
    from deskops.core.persistence.kpi_facts import count_sla_breaches, iter_ticket_logs
    from deskops.core.persistence.kpi_sql import aggregate_cells

    assert period.end is not None, "a digest period always ends"
    levels = frozenset(name for name, group in config.groups.items() if group.level == 1) or None
    options = ReportOptions(as_of=period.end, first_level_groups=levels)
    cells, channels, categories, workload = aggregate_cells(engine, period, options, **where.as_dict())
    compliance = None
    if config.agreements:
        clocks = engine_for(config)
        statuses = [status for log in iter_ticket_logs(engine, period, **where.as_dict())
                    for status in clocks.clocks(log, period.end)]  # fmt: skip
        compliance = sla_compliance(statuses, period)
    report = report_from_cells(cells, period, channels=channels, categories=categories, options=options,
                               sla_breached=count_sla_breaches(engine, period), sla=compliance, workload=workload)
    document = report.model_dump(mode="json", by_alias=True)
    if trend and period.start is not None:
        # Backlog at the end of each day of the period: the manager's trend line.
        document["series"] = []
        for part in split(period, "day"):
            part_options = replace(options, as_of=part.end)
            part_cells, part_channels, part_categories, _ = aggregate_cells(engine, part, part_options,
                                                                            **where.as_dict())
            figures = report_from_cells(part_cells, part, channels=part_channels, categories=part_categories,
                                        options=part_options)
            document["series"].append({"period": {"from": part.start.isoformat() if part.start else None,
                                                  "to": part.end.isoformat() if part.end else None},
                                       "opened": figures.opened, "resolved": figures.resolved,
                                       "backlog_end": figures.backlog_end})  # fmt: skip
    document["filter"] = where.as_dict()
    return for_audience(document, audience)


def at_risk_lines(ctx: Any, viewer: str | None, group: str | None) -> tuple[list[str], int]:
    """The open tickets at 75 % or more of an SLA target that `viewer` may see (most urgent first)."""
    from deskops.bot.commands.sla import engine_for
    from deskops.core.errors import DeskError
    from deskops.core.sla.service import at_risk

    if viewer is None or not ctx.config.agreements:
        return [], 0
    try:
        entries, total = at_risk(uow=ctx.unit_of_work(), desk=ctx.desk, engine=engine_for(ctx.config), actor=viewer,
                                 now=ctx.now(), group=group, limit=AT_RISK_LIMIT)  # fmt: skip
    except DeskError:
        return [], 0  # the viewer is no agent: the digest goes without the ticket list
    lines = [f"{e.ref} {e.priority or '—'} {e.title} · {e.clock.clock} {e.clock.percent_used:.0f}% used · "
             f"{e.assignee or 'unassigned'}" for e in entries]  # fmt: skip
    return lines, total


def chart_dir(name: str, period: Period) -> Path:
    """The folder a digest's charts go to: `$DESKOPS_DIGEST_DIR/NAME/PERIODSTART` (default: temp folder)."""
    import tempfile

    root = Path(os.environ.get(CHART_DIR_ENV) or Path(tempfile.gettempdir()) / "deskops-digests")
    stamp = period.start.strftime("%Y%m%dT%H%MZ") if period.start else "all"
    return root / name / stamp


def write_digest_charts(engine: Engine, period: Period, where: Filter, document: dict[str, Any],
                        directory: Path) -> list[str]:
    """Write the report charts of the digest's period into `directory`; return the PNG paths."""
    from deskops.bot.report_charts import write_charts
    from deskops.core.persistence.kpi_facts import load_ticket_facts

    facts = list(load_ticket_facts(engine, period, **where.as_dict()))
    return [str(path) for path in write_charts(directory, facts, period, document, period.end)]


def local_span(period: Period, zone: str) -> str:
    """The period as its reader says it, e.g. `Mon 26 Oct 08:00 → Mon 02 Nov 08:00 CET` (local time of `zone`)."""
    from zoneinfo import ZoneInfo

    assert period.start is not None and period.end is not None
    tz = ZoneInfo(zone)
    start, end = period.start.astimezone(tz), period.end.astimezone(tz)
    first = f"{start:%a %d %b %H:%M}" + (f" {start:%Z}" if start.utcoffset() != end.utcoffset() else "")
    return f"{first} → {end:%a %d %b %H:%M %Z}"


def build_digest(ctx: Any, engine: Engine, *, name: str, period: Period, where: Filter, audience: Audience,
                 viewer: str | None, charts: bool, zone: str = "UTC") -> BuiltDigest:
    """Compute one digest: the audience's figures, at-risk tickets (agents, leads), charts (when asked)."""
    document = report_document(engine, ctx.config, period, where, audience, trend=audience is Audience.MANAGER)
    lines: list[str] = []
    total = 0
    if audience in (Audience.AGENT, Audience.LEAD):
        lines, total = at_risk_lines(ctx, viewer, where.group)
    findings: list[str] = []
    if audience is Audience.MANAGER:
        from deskops.bot.process_service import digest_lines

        # Process health (issue 12): where the process should change.
        findings = digest_lines(engine, ctx.config, period.end or ctx.now())
    digest = compose_digest(document, audience, at_risk=lines, at_risk_total=total, name=name,
                            span=local_span(period, zone), findings=findings)
    # Charts show internal figures (backlog age, volume): managers only, whatever the desk file says.
    files = (write_digest_charts(engine, period, where, document, chart_dir(name, period))
             if charts and audience is Audience.MANAGER else [])
    return BuiltDigest(digest=digest, document=document, charts=files)
