"""Where the time goes: median and p90 time per state and per group, gross and in business hours."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from deskops.core.business_calendar import BusinessCalendar
from deskops.core.kpi.stats import quantile
from deskops.core.process.trace import FINAL_STATES, Span, Trace


class StayFigures(BaseModel):
    """Time spent in one state (or with one group), over every stay there."""

    model_config = ConfigDict(frozen=True)

    name: str
    stays: int
    tickets: int
    total_hours: float
    share_of_time: float
    median_hours: float
    p90_hours: float
    business_median_hours: float | None = None
    business_p90_hours: float | None = None


def state_times(traces: Iterable[Trace], *, calendar: BusinessCalendar | None = None) -> list[StayFigures]:
    """Figures per state (closed/cancelled take no time and are left out), largest total time first."""
    return _figures(((trace, trace.states) for trace in traces), calendar, skip=FINAL_STATES, open_only=False)


def group_times(traces: Iterable[Trace], *, calendar: BusinessCalendar | None = None) -> list[StayFigures]:
    """Figures per group holding the ticket while it is open (time resolved, waiting to close, is left out)."""
    return _figures(((trace, trace.groups) for trace in traces), calendar, skip=frozenset(), open_only=True)


def bottleneck(figures: list[StayFigures]) -> StayFigures | None:
    """The state or group where most of the time goes (the first of a list ranked by total time)."""
    return figures[0] if figures else None


def _figures(
    pairs: Iterable[tuple[Trace, tuple[Span, ...]]],
    calendar: BusinessCalendar | None,
    *,
    skip: frozenset[str],
    open_only: bool,
) -> list[StayFigures]:
    gross: dict[str, list[float]] = {}
    business: dict[str, list[float]] = {}
    tickets: dict[str, int] = {}
    for trace, spans in pairs:
        seen: set[str] = set()
        closed = [(s.start, s.end) for s in trace.states if s.name in NOT_OPEN] if open_only else []
        for span in spans:
            if span.name in skip:
                continue
            gross.setdefault(span.name, []).append((span.seconds - _overlap(span, closed)) / 3600)
            if calendar is not None:
                worked = calendar.elapsed(span.start, span.end, pauses=closed)
                business.setdefault(span.name, []).append(worked.total_seconds() / 3600)
            if span.name not in seen:
                seen.add(span.name)
                tickets[span.name] = tickets.get(span.name, 0) + 1
    everything = sum(sum(hours) for hours in gross.values()) or 1.0
    figures = []
    for name, hours in gross.items():
        in_business = business.get(name)
        figures.append(
            StayFigures(
                name=name,
                stays=len(hours),
                tickets=tickets[name],
                total_hours=round(sum(hours), 3),
                share_of_time=round(sum(hours) / everything, 4),
                median_hours=round(_pct(hours, 50), 3),
                p90_hours=round(_pct(hours, 90), 3),
                business_median_hours=round(_pct(in_business, 50), 3) if in_business else None,
                business_p90_hours=round(_pct(in_business, 90), 3) if in_business else None,
            )
        )
    return sorted(figures, key=lambda figure: (-figure.total_hours, figure.name))


NOT_OPEN = frozenset({"resolved", *FINAL_STATES})
"""States in which no group is working the ticket (group time leaves them out)."""


def _overlap(span: Span, intervals: list[tuple[datetime, datetime]]) -> float:
    """Seconds of `span` covered by the (disjoint) intervals."""
    return sum(max((min(end, span.end) - max(start, span.start)).total_seconds(), 0.0) for start, end in intervals)


def _pct(values: list[float], q: float) -> float:
    return quantile(sorted(values), q / 100)
