"""The desk report for a period: volume, backlog, time to resolve, reopens, reassignments, per priority/group.

The JSON form (`Report.model_dump(mode="json", by_alias=True)`) is a stable, documented contract
(README "Importing history and reports"); every measure's definition travels with it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from deskops.core.kpi.facts import TicketFacts
from deskops.core.kpi.period import Period
from deskops.core.kpi.stats import Summary, summarize

NO_VALUE = "(none)"

DEFINITIONS: dict[str, str] = {
    "opened": "tickets whose opening falls in the period",
    "resolved": "tickets whose (last) resolution falls in the period; a ticket closed without a recorded "
    "resolution time is not counted",
    "backlog_end": "tickets opened before the end of the period and neither resolved, closed nor cancelled "
    "at that instant",
    "time_to_resolve_hours": "opening → last resolution, in hours, over the tickets resolved in the period; "
    "gross = calendar time, net = gross minus the time spent pending (floored at 0); "
    "median and p90 by linear interpolation",
    "reopen_rate": "share of the tickets resolved in the period that were reopened at least once",
    "reopened_share_of_opened": "share of the tickets opened in the period that were reopened at least once",
    "reassignments_mean": "mean number of assignment-group changes per ticket opened in the period "
    "(the first routing is not a reassignment)",
    "reassigned_share": "share of the tickets opened in the period reassigned at least once",
    "reassigned_3plus_share": "share of the tickets opened in the period reassigned 3 times or more",
    "sla": "SLA clocks breached in the period, per clock, from SlaBreached events",
    "by_priority": "the same measures per current priority",
    "by_group": "the same measures per current assignment group",
}


class TimeToResolve(BaseModel):
    """Time to resolve in hours, gross (calendar) and net of pending time."""

    model_config = ConfigDict(frozen=True)

    gross: Summary
    net: Summary


class Measures(BaseModel):
    """The core measures of one slice of tickets (the whole desk, a priority, a group)."""

    model_config = ConfigDict(frozen=True)

    opened: int
    resolved: int
    backlog_end: int
    time_to_resolve_hours: TimeToResolve
    reopen_rate: float | None
    reopened_share_of_opened: float | None
    reassignments_mean: float | None
    reassigned_share: float | None
    reassigned_3plus_share: float | None


class ReportPeriod(BaseModel):
    """The period a report covers; `from`/`to` are None where it is unbounded."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    start: datetime | None = Field(serialization_alias="from")
    end: datetime | None = Field(serialization_alias="to")


class SlaFigures(BaseModel):
    """SLA figures available from the event log."""

    model_config = ConfigDict(frozen=True)

    breached: dict[str, int]
    compliance: float | None
    note: str


class Report(Measures):
    """The desk report of DESIGN.md §4: the measures overall, per priority and per group."""

    period: ReportPeriod
    sla: SlaFigures
    by_priority: dict[str, Measures]
    by_group: dict[str, Measures]
    definitions: dict[str, str]


class _Slice:
    """Running totals of one slice while the tickets stream past."""

    __slots__ = ("backlog", "gross", "net", "opened", "reassigned", "reassigned_3plus", "reassignments",
                 "reopened_opened", "reopened_resolved")

    def __init__(self) -> None:
        self.opened = self.backlog = self.reopened_opened = self.reopened_resolved = 0
        self.reassignments = self.reassigned = self.reassigned_3plus = 0
        self.gross: list[float] = []
        self.net: list[float] = []

    def add(self, ticket: TicketFacts, period: Period) -> None:
        if period.contains(ticket.opened_at):
            self.opened += 1
            self.reassignments += ticket.reassignment_count
            self.reassigned += ticket.reassignment_count >= 1
            self.reassigned_3plus += ticket.reassignment_count >= 3
            self.reopened_opened += ticket.reopen_count > 0
        if period.contains(ticket.resolved_at):
            gross = ticket.hours_to_resolve
            net = ticket.net_hours_to_resolve
            assert gross is not None and net is not None
            self.gross.append(gross)
            self.net.append(net)
            self.reopened_resolved += ticket.reopen_count > 0
        if period.open_at_end(ticket.opened_at, ticket.finished_at):
            self.backlog += 1

    def measures(self) -> Measures:
        resolved = len(self.gross)
        return Measures(
            opened=self.opened,
            resolved=resolved,
            backlog_end=self.backlog,
            time_to_resolve_hours=TimeToResolve(gross=summarize(self.gross), net=summarize(self.net)),
            reopen_rate=_share(self.reopened_resolved, resolved),
            reopened_share_of_opened=_share(self.reopened_opened, self.opened),
            reassignments_mean=_share(self.reassignments, self.opened),
            reassigned_share=_share(self.reassigned, self.opened),
            reassigned_3plus_share=_share(self.reassigned_3plus, self.opened),
        )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _relevant(ticket: TicketFacts, period: Period) -> bool:
    """Whether a ticket touches the period at all (opened, resolved, or open at its end)."""
    return (
        period.contains(ticket.opened_at)
        or period.contains(ticket.resolved_at)
        or period.open_at_end(ticket.opened_at, ticket.finished_at)
    )


def build_report(
    tickets: Iterable[TicketFacts],
    period: Period,
    *,
    sla_breached: Mapping[str, int] | None = None,
) -> Report:
    """Compute the report over `tickets` (already filtered) for `period`; `sla_breached` counts per clock."""
    overall = _Slice()
    by_priority: dict[str, _Slice] = {}
    by_group: dict[str, _Slice] = {}
    for ticket in tickets:
        if not _relevant(ticket, period):
            continue
        overall.add(ticket, period)
        by_priority.setdefault(ticket.priority or NO_VALUE, _Slice()).add(ticket, period)
        by_group.setdefault(ticket.group or NO_VALUE, _Slice()).add(ticket, period)
    measures = overall.measures()
    breached = dict(sorted((sla_breached or {}).items()))
    return Report(
        **measures.model_dump(),
        period=ReportPeriod(start=period.start, end=period.end),
        sla=SlaFigures(
            breached=breached,
            compliance=None,
            note="compliance needs the met clocks too; it comes with the SLA clocks (issue 3)",
        ),
        by_priority={key: by_priority[key].measures() for key in sorted(by_priority)},
        by_group={key: by_group[key].measures() for key in sorted(by_group, key=_natural_key)},
        definitions=DEFINITIONS,
    )


def _natural_key(name: str) -> tuple[str, float]:
    """Sort `Group 9` before `Group 10`: the trailing number by value, the rest as text."""
    head, _, tail = name.rpartition(" ")
    return (head, float(tail)) if tail.isdigit() else (name, -math.inf)
