"""The report's totals from one pass over the tickets, measured by the database.

`load_ticket_facts` + `build_report` build a TicketFacts (with parsed datetimes) per ticket. Here
the database measures each ticket for the period in one scan (flags for opened / open at the end /
not acknowledged, hours to acknowledge and resolve, backlog age) and Python only counts, with
`SliceTotals.add_measured`, which `build_report` uses too. The result feeds `report_from_cells`, and a
test holds both paths to the same report.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, case, func, literal, or_, select, true

from deskops.core.kpi.period import Period
from deskops.core.kpi.report import NO_VALUE, ReportOptions, SliceTotals
from deskops.core.persistence.tables import TicketRow
from deskops.core.persistence.types import UTCDateTime

_T = TicketRow.__table__  # type: ignore[attr-defined]
_FINISHED = ("resolved", "closed", "cancelled")
Cells = dict[tuple[str, str], SliceTotals]


def _in_period(column: Any, period: Period) -> ColumnElement[bool]:
    conditions = [column.is_not(None)]
    if period.start is not None:
        conditions.append(column >= period.start)
    if period.end is not None:
        conditions.append(column < period.end)
    return and_(*conditions)


def _seconds_between(engine: Engine, later: Any, earlier: Any) -> ColumnElement[Any]:
    """`later - earlier` in seconds, computed by the database.

    SQLite's julianday() keeps milliseconds (exact seconds through strftime cost a third more time);
    a millisecond is 3e-7 h, far below any figure a report shows.
    """
    if engine.dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def aggregate_cells(
    engine: Engine,
    period: Period,
    options: ReportOptions,
    *,
    priority: str | None = None,
    group: str | None = None,
    category: str | None = None,
) -> tuple[Cells, Counter[str], Counter[str], dict[str, tuple[int, int]]]:
    """Totals per (priority, group) cell; tickets opened per channel and category; (resolved, open) per assignee."""
    scope: list[ColumnElement[bool]] = [true()]
    if period.end is not None:
        scope.append(_T.c.opened_at < period.end)
    for column, value in ((_T.c.priority, priority), (_T.c.group_name, group), (_T.c.category, category)):
        if value is not None:
            scope.append(column == value)
    where = and_(*scope)
    finished_at = case((_T.c.state.in_(_FINISHED), func.coalesce(_T.c.resolved_at, _T.c.closed_at, _T.c.updated_at)))
    if period.end is None:
        open_at_end: ColumnElement[bool] = finished_at.is_(None)
    else:
        open_at_end = and_(_T.c.opened_at < period.end, or_(finished_at.is_(None), finished_at >= period.end))
    opened_in = _in_period(_T.c.opened_at, period)
    resolved_in = _in_period(_T.c.resolved_at, period)
    # Only tickets that touch the period count at all (as in build_report): opened, resolved, or open at its end.
    where = and_(where, or_(opened_in, resolved_in, open_at_end))
    not_acknowledged = _T.c.acknowledged_at.is_(None)
    if period.end is not None:
        not_acknowledged = or_(not_acknowledged, _T.c.acknowledged_at >= period.end)
    levels = options.first_level_groups or frozenset()
    ack_in = _in_period(_T.c.acknowledged_at, period)
    as_of = period.end or options.as_of
    age: ColumnElement[Any] = literal(None)
    if as_of is not None:
        age = case((open_at_end, _seconds_between(engine, literal(as_of, UTCDateTime()), _T.c.opened_at) / 86400.0))
    # One pass over the tickets: the database measures each ticket for the period, Python counts.
    query = select(
        _T.c.priority,
        _T.c.group_name,
        _T.c.assignee,
        _T.c.channel,
        _T.c.category,
        _flag(opened_in),
        _flag(not_acknowledged),
        case((ack_in, _seconds_between(engine, _T.c.acknowledged_at, _T.c.opened_at) / 3600.0)),
        case((resolved_in, _seconds_between(engine, _T.c.resolved_at, _T.c.opened_at) / 3600.0)),
        _T.c.pending_seconds,
        _flag(open_at_end),
        age,
        _T.c.reassignment_count,
        _T.c.reopen_count,
        _T.c.escalation_count,
    ).where(where)
    cells: Cells = {}
    channels: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    workload: dict[str, list[int]] = {}
    older_than = options.older_than_days
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    for (priority_, group_, assignee, channel, category_, opened, unacknowledged, ack_hours, gross_hours, pending,
         open_at_end_, age_days, hops, reopens, escalations) in rows:
        key = (priority_ or NO_VALUE, group_ or NO_VALUE)
        totals = cells.get(key)
        if totals is None:
            totals = cells[key] = SliceTotals()
        totals.add_measured(
            opened == 1, unacknowledged == 1, ack_hours, gross_hours, pending or 0.0, open_at_end_ == 1, age_days,
            hops or 0, reopens or 0, escalations or 0, group_ in levels, older_than,
        )  # fmt: skip
        if opened:
            channels[channel or NO_VALUE] += 1
            categories[category_ or NO_VALUE] += 1
        if gross_hours is not None or open_at_end_:
            load = workload.get(assignee or NO_VALUE)
            if load is None:
                load = workload[assignee or NO_VALUE] = [0, 0]
            load[0] += gross_hours is not None
            load[1] += open_at_end_ == 1
    for totals in cells.values():
        # Sorted cells make the merged slices cheap to sort again (Timsort merges sorted runs).
        totals.gross.sort()
        totals.net.sort()
        totals.ack.sort()
        totals.backlog_ages.sort()
    return cells, channels, categories, {name: (done, left) for name, (done, left) in workload.items()}


def opened_span(engine: Engine) -> tuple[datetime | None, datetime | None]:
    """The first and last opening in the store (None, None when it holds no ticket)."""
    with engine.connect() as conn:
        first, last = conn.execute(select(func.min(_T.c.opened_at), func.max(_T.c.opened_at))).one()
    # min()/max() come back untyped on SQLite; read them through the column type.
    kind = UTCDateTime()
    return (kind.process_result_value(first, engine.dialect) if isinstance(first, datetime) else _text_time(first),
            kind.process_result_value(last, engine.dialect) if isinstance(last, datetime) else _text_time(last))


def _text_time(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
