"""Per-period series for trends and charts: tickets opened and resolved per day or per ISO week."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta

from deskops.core.kpi.facts import TicketFacts
from deskops.core.kpi.period import Period

BACKLOG_AGE_BUCKETS = ((0.0, 1.0, "< 1 day"), (1.0, 3.0, "1-3 days"), (3.0, 7.0, "3-7 days"),
                       (7.0, 30.0, "7-30 days"), (30.0, float("inf"), "30+ days"))


def bucket_start(day: date, step: str) -> date:
    """The first day of `day`'s bucket: the day itself, or the Monday of its ISO week."""
    return day - timedelta(days=day.weekday()) if step == "week" else day


def volume_series(tickets: Iterable[TicketFacts], period: Period, step: str = "day") -> list[tuple[date, int, int]]:
    """(bucket start, opened, resolved) for every bucket from the first to the last with activity, gaps as 0."""
    if step not in ("day", "week"):
        raise ValueError(f"step {step!r} is not one of: day, week")
    opened: Counter[date] = Counter()
    resolved: Counter[date] = Counter()
    for ticket in tickets:
        if period.contains(ticket.opened_at):
            opened[bucket_start(ticket.opened_at.date(), step)] += 1
        if ticket.resolved_at is not None and period.contains(ticket.resolved_at):
            resolved[bucket_start(ticket.resolved_at.date(), step)] += 1
    days = set(opened) | set(resolved)
    if not days:
        return []
    stride = timedelta(days=7 if step == "week" else 1)
    series, current, last = [], min(days), max(days)
    while current <= last:
        series.append((current, opened[current], resolved[current]))
        current += stride
    return series


def age_buckets(ages_days: Iterable[float]) -> dict[str, int]:
    """Count backlog ages (days) into the buckets of BACKLOG_AGE_BUCKETS."""
    counts = {label: 0 for _low, _high, label in BACKLOG_AGE_BUCKETS}
    for age in ages_days:
        for low, high, label in BACKLOG_AGE_BUCKETS:
            if low <= age < high:
                counts[label] += 1
                break
    return counts
