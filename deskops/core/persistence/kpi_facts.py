"""Read what the KPI layer needs from the store: per-ticket facts and SLA events, as plain values."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Engine, func, select

from deskops.core.events import DomainEvent, EventType
from deskops.core.kpi.facts import TicketFacts
from deskops.core.kpi.period import Period
from deskops.core.persistence.tables import TicketEventRow, TicketRow

_T = TicketRow.__table__  # type: ignore[attr-defined]
_E = TicketEventRow.__table__  # type: ignore[attr-defined]
_FINISHED = ("resolved", "closed", "cancelled")
_CHUNK = 20_000


def load_ticket_facts(
    engine: Engine,
    period: Period,
    *,
    priority: str | None = None,
    group: str | None = None,
    category: str | None = None,
) -> Iterator[TicketFacts]:
    """Yield the facts of every ticket opened before the period's end that matches the filter."""
    query = select(
        _T.c.ref,
        _T.c.kind,
        _T.c.state,
        _T.c.priority,
        _T.c.group_name,
        _T.c.category,
        _T.c.channel,
        _T.c.opened_at,
        _T.c.resolved_at,
        _T.c.closed_at,
        _T.c.updated_at,
        _T.c.acknowledged_at,
        _T.c.pending_seconds,
        _T.c.reopen_count,
        _T.c.reassignment_count,
        _T.c.escalation_count,
        _T.c.assignee,
    )
    if period.end is not None:
        query = query.where(_T.c.opened_at < period.end)
    for column, value in ((_T.c.priority, priority), (_T.c.group_name, group), (_T.c.category, category)):
        if value is not None:
            query = query.where(column == value)
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=_CHUNK).execute(query)
        for row in result:
            yield TicketFacts(
                ref=row.ref,
                kind=row.kind,
                state=row.state,
                priority=row.priority,
                group=row.group_name,
                category=row.category,
                channel=row.channel,
                opened_at=row.opened_at,
                resolved_at=row.resolved_at,
                finished_at=_finished_at(row.state, row.resolved_at, row.closed_at, row.updated_at),
                acknowledged_at=row.acknowledged_at,
                pending_seconds=row.pending_seconds or 0.0,
                reopen_count=row.reopen_count or 0,
                reassignment_count=row.reassignment_count or 0,
                escalation_count=row.escalation_count or 0,
                assignee=row.assignee,
            )


def _finished_at(
    state: str, resolved_at: datetime | None, closed_at: datetime | None, updated_at: datetime
) -> datetime | None:
    """When the ticket stopped being open work: its resolution, else its closure; None while open."""
    if state not in _FINISHED:
        return None
    return resolved_at or closed_at or updated_at


def count_sla_breaches(engine: Engine, period: Period) -> dict[str, int]:
    """Count SlaBreached events in the period per clock (response, resolution, …)."""
    clock = _E.c.payload["clock"].as_string()
    query = select(clock, func.count()).where(_E.c.type == EventType.SLA_BREACHED.value).group_by(clock)
    if period.start is not None:
        query = query.where(_E.c.occurred_at >= period.start)
    if period.end is not None:
        query = query.where(_E.c.occurred_at < period.end)
    with engine.connect() as conn:
        return {str(name or "unknown"): int(count) for name, count in conn.execute(query)}


def iter_ticket_logs(
    engine: Engine,
    period: Period,
    *,
    priority: str | None = None,
    group: str | None = None,
    category: str | None = None,
) -> Iterator[list[DomainEvent]]:
    """Yield the event log of every ticket opened before the period's end that matches the filter."""
    query = (
        select(_E.c.ticket_id, _E.c.type, _E.c.occurred_at, _E.c.actor, _E.c.payload)
        .join(_T, _T.c.id == _E.c.ticket_id)
        .order_by(_E.c.ticket_id, _E.c.seq)
    )
    if period.end is not None:
        query = query.where(_T.c.opened_at < period.end)
    if period.start is not None:
        # Tickets finished before the period starts cannot have a clock decided or open in it.
        query = query.where((_T.c.updated_at >= period.start) | (_T.c.state.not_in(_FINISHED)))
    for column, value in ((_T.c.priority, priority), (_T.c.group_name, group), (_T.c.category, category)):
        if value is not None:
            query = query.where(column == value)
    current: int | None = None
    log: list[DomainEvent] = []
    with engine.connect() as conn:
        for ticket_id, type_, occurred_at, actor, payload in conn.execution_options(yield_per=_CHUNK).execute(query):
            try:
                event_type = EventType(type_)
            except ValueError:
                continue  # an event kind this version does not know cannot move a clock it knows
            if ticket_id != current:
                if log:
                    yield log
                current, log = ticket_id, []
            log.append(DomainEvent(type=event_type, occurred_at=occurred_at, actor=actor, payload=payload))
    if log:
        yield log
