"""The desk report for a period: volume, backlog, time to resolve, reopens, reassignments, per priority/group.

The JSON form (`Report.model_dump(mode="json", by_alias=True)`) is a stable, documented contract
(README "Importing history and reports"); every measure's definition travels with it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from deskops.core.kpi.facts import TicketFacts
from deskops.core.kpi.period import Period
from deskops.core.kpi.sla import ClockCompliance, SlaCompliance
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
    "time_to_acknowledge_hours": "opening → first acknowledgement (an agent took it or started work), in hours, "
    "over the tickets acknowledged in the period (MTTA = its mean)",
    "unacknowledged": "tickets opened in the period and not acknowledged by its end (counted apart, not averaged)",
    "backlog_age_days": "age in days at the end of the period (or now) of the tickets in backlog_end",
    "backlog_older_than": "tickets in backlog_end older than `backlog_age_threshold_days`",
    "escalated_share": "share of the tickets opened in the period escalated at least once (functional or hierarchical)",
    "first_level_resolution": "share of the tickets resolved in the period whose group at resolution is a "
    "1st-level group (null when no 1st-level group is known)",
    "first_contact_resolution": "share of the tickets resolved in the period resolved by a 1st-level group "
    "without reassignment, escalation or reopening",
    "volume": "tickets opened in the period per channel and per category",
    "workload": "per current assignee: tickets resolved in the period and tickets open at its end "
    "(unassigned tickets under (none))",
    "sla": "per clock (response, resolution, update): met ÷ (met + breached) over the clocks decided in the period, "
    "counted per clock (never an average of percentages), with the at-risk bands of clocks still open; "
    "breached_events: SlaBreached events recorded in the period",
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
    time_to_acknowledge_hours: Summary
    unacknowledged: int
    backlog_age_days: Summary
    backlog_older_than: int
    escalated_share: float | None
    first_level_resolution: float | None
    first_contact_resolution: float | None


class ReportPeriod(BaseModel):
    """The period a report covers; `from`/`to` are None where it is unbounded."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    start: datetime | None = Field(serialization_alias="from")
    end: datetime | None = Field(serialization_alias="to")


class SlaFigures(BaseModel):
    """SLA figures: compliance per clock from the desk's agreements, and the breaches the log recorded."""

    model_config = ConfigDict(frozen=True)

    clocks: dict[str, ClockCompliance]
    by_priority: dict[str, dict[str, ClockCompliance]]
    breached_events: dict[str, int]
    definition: str
    note: str | None


class Volume(BaseModel):
    """Tickets opened in the period per channel and per category."""

    model_config = ConfigDict(frozen=True)

    by_channel: dict[str, int]
    by_category: dict[str, int]


class AgentLoad(BaseModel):
    """One assignee's share of the work: tickets resolved in the period, and open at its end."""

    model_config = ConfigDict(frozen=True)

    resolved: int
    backlog_end: int


class Report(Measures):
    """The desk report of DESIGN.md §4: the measures overall, per priority and per group."""

    period: ReportPeriod
    as_of: datetime | None
    backlog_age_threshold_days: float
    volume: Volume
    workload: dict[str, AgentLoad]
    sla: SlaFigures
    by_priority: dict[str, Measures]
    by_group: dict[str, Measures]
    definitions: dict[str, str]


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What the report needs beyond the tickets: the instant ages are taken at, and the desk's shape."""

    #: Ages of an open-ended period's backlog are taken at this instant (now); None: no ages.
    as_of: datetime | None = None
    #: Backlog tickets older than this many days are counted apart.
    older_than_days: float = 7.0
    #: The 1st-level groups (service desk); None when not known (FLR and FCR are then null).
    first_level_groups: frozenset[str] | None = None


class SliceTotals:
    """Running totals of one slice (a priority × group cell, or a union of cells): counts and samples.

    Filled ticket by ticket (`add`) from TicketFacts, or directly by a store that aggregates in SQL
    (deskops.core.persistence.kpi_sql); either way `measures` turns them into the report's figures.
    """

    __slots__ = ("ack", "backlog", "backlog_ages", "escalated", "fcr", "flr", "gross", "net", "older", "opened",
                 "reassigned", "reassigned_3plus", "reassignments", "reopened_opened", "reopened_resolved",
                 "unacknowledged")

    def __init__(self) -> None:
        self.opened = self.backlog = self.reopened_opened = self.reopened_resolved = 0
        self.reassignments = self.reassigned = self.reassigned_3plus = 0
        self.unacknowledged = self.older = self.escalated = self.flr = self.fcr = 0
        self.gross: list[float] = []
        self.net: list[float] = []
        self.ack: list[float] = []
        self.backlog_ages: list[float] = []

    def add(self, ticket: TicketFacts, period: Period, options: ReportOptions) -> None:
        """Count one ticket for `period` (a ticket that does not touch the period adds nothing)."""
        as_of = period.end or options.as_of
        open_at_end = period.open_at_end(ticket.opened_at, ticket.finished_at)
        acknowledged = ticket.acknowledged_at
        self.add_measured(
            period.contains(ticket.opened_at),
            acknowledged is None or (period.end is not None and acknowledged >= period.end),
            ticket.hours_to_acknowledge if period.contains(acknowledged) else None,
            ticket.hours_to_resolve if period.contains(ticket.resolved_at) else None,
            ticket.pending_seconds,
            open_at_end,
            (as_of - ticket.opened_at).total_seconds() / 86400 if open_at_end and as_of is not None else None,
            ticket.reassignment_count,
            ticket.reopen_count,
            ticket.escalation_count,
            options.first_level_groups is not None and ticket.group in options.first_level_groups,
            options.older_than_days,
        )

    def add_measured(
        self,
        opened: bool,
        unacknowledged: bool,
        ack_hours: float | None,
        gross_hours: float | None,
        pending_seconds: float,
        open_at_end: bool,
        age_days: float | None,
        hops: int,
        reopens: int,
        escalations: int,
        first_level: bool,
        older_than_days: float,
    ) -> None:
        """Count one ticket from what was measured about it for the period (positional, for speed).

        `opened`: opened in the period; `unacknowledged`: not acknowledged by its end; `ack_hours`,
        `gross_hours`: set when acknowledged / resolved in the period; `age_days`: set when open at
        its end and an instant to age from is known.
        """
        if opened:
            self.opened += 1
            self.reassignments += hops
            self.reassigned += hops >= 1
            self.reassigned_3plus += hops >= 3
            self.reopened_opened += reopens > 0
            self.escalated += escalations > 0
            self.unacknowledged += unacknowledged
        if ack_hours is not None:
            self.ack.append(ack_hours)
        if gross_hours is not None:
            self.gross.append(gross_hours)
            self.net.append(max(0.0, gross_hours - pending_seconds / 3600))
            self.reopened_resolved += reopens > 0
            if first_level:
                self.flr += 1
                self.fcr += hops == 0 and escalations == 0 and reopens == 0
        if open_at_end:
            self.backlog += 1
            if age_days is not None:
                self.backlog_ages.append(age_days)
                self.older += age_days > older_than_days

    def merge(self, other: SliceTotals) -> None:
        """Add `other`'s counts and samples to these."""
        for name in ("opened", "backlog", "reopened_opened", "reopened_resolved", "reassignments", "reassigned",
                     "reassigned_3plus", "unacknowledged", "older", "escalated", "flr", "fcr"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.gross.extend(other.gross)
        self.net.extend(other.net)
        self.ack.extend(other.ack)
        self.backlog_ages.extend(other.backlog_ages)

    def measures(self, options: ReportOptions) -> Measures:
        resolved = len(self.gross)
        first_level_known = options.first_level_groups is not None
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
            time_to_acknowledge_hours=summarize(self.ack),
            unacknowledged=self.unacknowledged,
            backlog_age_days=summarize(self.backlog_ages),
            backlog_older_than=self.older,
            escalated_share=_share(self.escalated, self.opened),
            first_level_resolution=_share(self.flr, resolved) if first_level_known else None,
            first_contact_resolution=_share(self.fcr, resolved) if first_level_known else None,
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
    sla: SlaCompliance | None = None,
    options: ReportOptions | None = None,
) -> Report:
    """Compute the report over `tickets` (already filtered) for `period`.

    `sla` is the compliance tallied from the clocks (`kpi.sla.sla_compliance`); `sla_breached` counts
    the SlaBreached events recorded in the period, per clock.
    """
    options = options or ReportOptions()
    cells: dict[tuple[str, str], SliceTotals] = {}
    channels: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    workload: dict[str, list[int]] = {}
    for ticket in tickets:
        if not _relevant(ticket, period):
            continue
        key = (ticket.priority or NO_VALUE, ticket.group or NO_VALUE)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = SliceTotals()
        cell.add(ticket, period, options)
        if period.contains(ticket.opened_at):
            channels[ticket.channel or NO_VALUE] += 1
            categories[ticket.category or NO_VALUE] += 1
        resolved_in = period.contains(ticket.resolved_at)
        open_at_end = period.open_at_end(ticket.opened_at, ticket.finished_at)
        if resolved_in or open_at_end:
            load = workload.setdefault(ticket.assignee or NO_VALUE, [0, 0])
            load[0] += resolved_in
            load[1] += open_at_end
    return report_from_cells(cells, period, channels=channels, categories=categories, options=options,
                             sla_breached=sla_breached, sla=sla,
                             workload={name: (resolved, backlog) for name, (resolved, backlog) in workload.items()})


def report_from_cells(
    cells: Mapping[tuple[str, str], SliceTotals],
    period: Period,
    *,
    channels: Mapping[str, int],
    categories: Mapping[str, int],
    options: ReportOptions,
    sla_breached: Mapping[str, int] | None = None,
    sla: SlaCompliance | None = None,
    workload: Mapping[str, tuple[int, int]] | None = None,
) -> Report:
    """Assemble the report from totals per (priority, group) cell: the whole desk, priorities, groups.

    `workload` maps each assignee to (tickets resolved in the period, tickets open at its end).
    """
    overall = SliceTotals()
    by_priority: dict[str, SliceTotals] = {}
    by_group: dict[str, SliceTotals] = {}
    for (priority, group), cell in cells.items():
        overall.merge(cell)
        by_priority.setdefault(priority, SliceTotals()).merge(cell)
        by_group.setdefault(group, SliceTotals()).merge(cell)
    measures = overall.measures(options)
    breached = dict(sorted((sla_breached or {}).items()))
    return Report(
        **dict(measures),
        period=ReportPeriod(start=period.start, end=period.end),
        as_of=period.end or options.as_of,
        backlog_age_threshold_days=options.older_than_days,
        volume=Volume(by_channel=_by_count(channels), by_category=_by_count(categories)),
        workload={
            name: AgentLoad(resolved=resolved, backlog_end=backlog)
            for name, (resolved, backlog) in sorted((workload or {}).items(), key=lambda item: (-sum(item[1]), item[0]))
        },
        sla=SlaFigures(
            clocks=sla.clocks if sla else {},
            by_priority=sla.by_priority if sla else {},
            breached_events=breached,
            definition=SlaCompliance.model_fields["definition"].default,
            note=None if sla else "no agreements were evaluated (no desk file with agreements was given)",
        ),
        by_priority={key: by_priority[key].measures(options) for key in sorted(by_priority)},
        by_group={key: by_group[key].measures(options) for key in sorted(by_group, key=_natural_key)},
        definitions=DEFINITIONS,
    )


def _by_count(counts: Mapping[str, int]) -> dict[str, int]:
    """Busiest first; ties by name, so the order is stable."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _natural_key(name: str) -> tuple[str, float]:
    """Sort `Group 9` before `Group 10`: the trailing number by value, the rest as text."""
    head, _, tail = name.rpartition(" ")
    return (head, float(tail)) if tail.isdigit() else (name, -math.inf)
