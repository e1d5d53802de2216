"""The report's totals computed in the database: counts per (priority, group) cell, and only the samples.

`load_ticket_facts` + `build_report` read every ticket into Python; at a million tickets that costs
tens of seconds. Here the database counts what is counted (GROUP BY over flags) and returns just
the numbers whose quantiles are needed (hours to resolve and acknowledge, backlog ages), already
as numbers. The result feeds `report_from_cells`, the same assembly `build_report` uses, and a
test holds both paths to the same report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
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
    levels = sorted(options.first_level_groups or ())
    first_level = _T.c.group_name.in_(levels) if levels else literal(False)
    clean = and_(_T.c.reassignment_count == 0, _T.c.escalation_count == 0, _T.c.reopen_count == 0)
    counts = select(
        _T.c.priority,
        _T.c.group_name,
        func.sum(_flag(opened_in)),
        func.sum(case((opened_in, _T.c.reassignment_count), else_=0)),
        func.sum(_flag(and_(opened_in, _T.c.reassignment_count >= 1))),
        func.sum(_flag(and_(opened_in, _T.c.reassignment_count >= 3))),
        func.sum(_flag(and_(opened_in, _T.c.reopen_count > 0))),
        func.sum(_flag(and_(opened_in, _T.c.escalation_count > 0))),
        func.sum(_flag(and_(opened_in, not_acknowledged))),
        func.sum(_flag(open_at_end)),
        func.sum(_flag(and_(resolved_in, _T.c.reopen_count > 0))),
        func.sum(_flag(and_(resolved_in, first_level))),
        func.sum(_flag(and_(resolved_in, first_level, clean))),
    ).where(where).group_by(_T.c.priority, _T.c.group_name)
    gross = _seconds_between(engine, _T.c.resolved_at, _T.c.opened_at) / 3600.0
    resolved = select(_T.c.priority, _T.c.group_name, gross, _T.c.pending_seconds).where(where, resolved_in)
    ack = _seconds_between(engine, _T.c.acknowledged_at, _T.c.opened_at) / 3600.0
    acknowledged = select(_T.c.priority, _T.c.group_name, ack).where(where, _in_period(_T.c.acknowledged_at, period))
    as_of = period.end or options.as_of
    cells: Cells = {}

    def cell(row: Sequence[Any]) -> SliceTotals:
        key = (row[0] or NO_VALUE, row[1] or NO_VALUE)
        found = cells.get(key)
        if found is None:
            found = cells[key] = SliceTotals()
        return found

    with engine.connect() as conn:
        for row in conn.execute(counts).all():
            totals = cell(row)
            (totals.opened, totals.reassignments, totals.reassigned, totals.reassigned_3plus, totals.reopened_opened,
             totals.escalated, totals.unacknowledged, totals.backlog, totals.reopened_resolved, totals.flr,
             totals.fcr) = (int(value or 0) for value in row[2:])
        for row in conn.execute(resolved).all():
            totals = cell(row)
            hours = float(row[2])
            totals.gross.append(hours)
            totals.net.append(max(0.0, hours - (row[3] or 0.0) / 3600))
        for row in conn.execute(acknowledged).all():
            cell(row).ack.append(float(row[2]))
        if as_of is not None:
            _backlog_ages(engine, conn, where, open_at_end, as_of, options, cell)
        channels = _opened_by(conn, _T.c.channel, where, opened_in)
        categories = _opened_by(conn, _T.c.category, where, opened_in)
        load = select(_T.c.assignee, func.sum(_flag(resolved_in)), func.sum(_flag(open_at_end))).where(
            where, or_(resolved_in, open_at_end)
        ).group_by(_T.c.assignee)
        workload = {(name or NO_VALUE): (int(done), int(left)) for name, done, left in conn.execute(load).all()}
    if not options.first_level_groups:
        for totals in cells.values():
            totals.flr = totals.fcr = 0
    for totals in cells.values():
        # Sorted cells make the merged slices cheap to sort again (Timsort merges sorted runs).
        totals.gross.sort()
        totals.net.sort()
        totals.ack.sort()
        totals.backlog_ages.sort()
    return cells, channels, categories, workload


def _backlog_ages(engine: Engine, conn: Any, where: Any, open_at_end: Any, as_of: datetime,
                  options: ReportOptions, cell: Any) -> None:
    instant = literal(as_of, UTCDateTime())
    age = _seconds_between(engine, instant, _T.c.opened_at) / 86400.0
    for row in conn.execute(select(_T.c.priority, _T.c.group_name, age).where(where, open_at_end)).all():
        totals = cell(row)
        days = float(row[2])
        totals.backlog_ages.append(days)
        totals.older += days > options.older_than_days


def _opened_by(conn: Any, column: Any, where: Any, opened_in: Any) -> Counter[str]:
    query = select(column, func.count()).where(where, opened_in).group_by(column)
    return Counter({(name or NO_VALUE): int(count) for name, count in conn.execute(query)})


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
