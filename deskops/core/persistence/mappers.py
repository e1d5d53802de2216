"""Map the ticket aggregate to its projection row and back, and event rows to recorded events."""

from __future__ import annotations

from typing import Any

from deskops.core.events import EventType, RecordedEvent
from deskops.core.persistence.tables import TicketEventRow, TicketRow
from deskops.core.tickets import Ticket

_RENAMED = {"group": "group_name"}
_TICKET_FIELDS = [name for name in Ticket.model_fields if name != "id"]


def ticket_from_row(row: TicketRow) -> Ticket:
    """Return the aggregate for a stored projection row."""
    data: dict[str, Any] = {name: getattr(row, _RENAMED.get(name, name)) for name in _TICKET_FIELDS}
    data["id"] = row.id
    return Ticket.model_validate(data)


def row_values(ticket: Ticket) -> dict[str, Any]:
    """Return the projection row's column values for the aggregate (enums as their text)."""
    values: dict[str, Any] = {}
    for name in _TICKET_FIELDS:
        value = getattr(ticket, name)
        values[_RENAMED.get(name, name)] = value.value if hasattr(value, "value") else value
    return values


def event_from_row(row: TicketEventRow) -> RecordedEvent:
    """Return the recorded event of a stored event row."""
    return RecordedEvent(
        ticket_id=row.ticket_id,
        seq=row.seq,
        type=EventType(row.type),
        occurred_at=row.occurred_at,
        actor=row.actor,
        payload=dict(row.payload or {}),
    )
