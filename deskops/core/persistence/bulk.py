"""Bulk load of imported tickets: projection rows and their events, one transaction per batch.

Importing is idempotent: a ticket whose ref is already in the store is skipped (never merged or
overwritten), so running an import twice adds nothing. Rows go in with `executemany` (no ORM
objects per row), which is what makes a 100,000-event history load in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, insert, select

from deskops.core.importing.records import ImportedTicket
from deskops.core.persistence.tables import TicketEventRow, TicketRow

_TICKETS = TicketRow.__table__  # type: ignore[attr-defined]
_EVENTS = TicketEventRow.__table__  # type: ignore[attr-defined]


@dataclass(slots=True)
class BatchResult:
    """What one batch did: refs stored, refs skipped because the store already had them, events written."""

    inserted: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    events: int = 0


def _column_defaults() -> dict[str, Any]:
    """Defaults of the ticket columns an importer may leave out (columns added later included)."""
    defaults: dict[str, Any] = {}
    for name, info in TicketRow.model_fields.items():
        if name == "id" or info.is_required():
            continue
        defaults[name] = info.get_default(call_default_factory=True)
    return defaults


def load_batch(engine: Engine, tickets: Sequence[ImportedTicket]) -> BatchResult:
    """Store `tickets` not yet in the store (by ref), with their events, in one transaction."""
    result = BatchResult()
    if not tickets:
        return result
    refs = [ticket.ref for ticket in tickets]
    if len(set(refs)) != len(refs):
        raise ValueError("a batch names the same ticket twice; each ref may appear once")
    columns = set(_TICKETS.c.keys()) - {"id"}
    defaults = {name: value for name, value in _column_defaults().items() if name in columns}
    with engine.begin() as conn:
        existing = set(conn.execute(select(_TICKETS.c.ref).where(_TICKETS.c.ref.in_(refs))).scalars())
        fresh = [ticket for ticket in tickets if ticket.ref not in existing]
        result.existing = [ref for ref in refs if ref in existing]
        if not fresh:
            return result
        rows = []
        for ticket in fresh:
            unknown = ticket.projection.keys() - columns
            if unknown:
                raise ValueError(f"ticket {ticket.ref}: the tickets table has no column(s) {sorted(unknown)}")
            rows.append({**defaults, **ticket.projection})
        conn.execute(insert(_TICKETS), rows)
        fresh_refs = [ticket.ref for ticket in fresh]
        id_query = select(_TICKETS.c.ref, _TICKETS.c.id).where(_TICKETS.c.ref.in_(fresh_refs))
        ids: dict[str, int] = {ref: ticket_id for ref, ticket_id in conn.execute(id_query)}
        event_rows = [
            {
                "ticket_id": ids[ticket.ref],
                "seq": seq,
                "type": event.type.value,
                "occurred_at": event.occurred_at,
                "actor": event.actor,
                "payload": event.payload,
            }
            for ticket in fresh
            for seq, event in enumerate(ticket.events, start=1)
        ]
        if event_rows:
            conn.execute(insert(_EVENTS), event_rows)
        result.inserted = fresh_refs
        result.events = len(event_rows)
    return result
