"""Steps every use case shares: checking text input, loading a ticket, saving with its notifications."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from deskops.core.errors import Conflict, InvalidInput, NotFound
from deskops.core.events import RecordedEvent
from deskops.core.ports import UnitOfWork
from deskops.core.services.context import Desk
from deskops.core.services.notifications import messages_for
from deskops.core.services.views import TicketView
from deskops.core.tickets import Ticket

E = TypeVar("E", bound=StrEnum)

TITLE_MAX = 300
TEXT_MAX = 10_000
SHORT_MAX = 128


_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_INVISIBLE = {"Cf", "Cc", "Zs", "Zl", "Zp"}
"""Format and control characters (zero-width spaces, joiners) and blanks: a text of only these is empty."""


def clean_text(name: str, value: str | None, *, limit: int, required: bool = False) -> str:
    """Strip `value` and its bidi controls; refuse it when required and blank, or longer than `limit` characters."""
    # Bidi overrides let a title display as something else in queues and notifications (spoofing).
    text = (value or "").translate(_BIDI_CONTROLS).strip()
    if required and not "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE).strip():
        raise InvalidInput(f"The {name} is missing.", hint=f"Give a {name}.")
    if len(text) > limit:
        raise InvalidInput(
            f"The {name} is {len(text):,} characters long; the limit is {limit:,}.",
            hint="Shorten it; put long logs in a file and link to it.",
        )
    return text


def parse_choice(name: str, value: str | E, enum: type[E]) -> E:
    """Return the enum member for `value` (case-insensitive), or refuse naming the valid values."""
    wanted = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    for member in enum:
        if member.value == wanted:
            return member
    raise InvalidInput(f"Unknown {name} {value!r}.", hint=f"Use one of: {', '.join(m.value for m in enum)}.")


def load(uow: UnitOfWork, ref: str, *, for_update: bool = True) -> Ticket:
    """Return the ticket named by `ref`, locked for change, or refuse with how to find it."""
    clean = clean_text("ticket reference", ref, limit=SHORT_MAX, required=True)
    ticket = uow.tickets.get(clean, for_update=for_update)
    if ticket is None:
        raise NotFound(f"There is no ticket {clean}.", hint="Check the reference; `list mine` shows your tickets.")
    return ticket


def to_view(ticket: Ticket, desk: Desk) -> TicketView:
    """Return the plain view of a ticket (its priority labelled from the desk's matrix)."""
    data = ticket.model_dump(exclude={"id", "pending_since"})
    data["priority_label"] = desk.priorities.label(ticket.priority)
    if ticket.opened_at is None or ticket.updated_at is None:
        raise ValueError(f"ticket {ticket.ref} has no history; it cannot be shown")
    return TicketView.model_validate(data)


def finish(uow: UnitOfWork, desk: Desk, ticket: Ticket, *, request_id: str | None = None) -> list[RecordedEvent]:
    """Write the ticket's new events, the projection and the notifications, then commit."""
    if ticket.id is None:
        recorded = uow.tickets.add(ticket, request_id=request_id)
    elif ticket.new_events():
        recorded = uow.tickets.save(ticket)
    else:
        recorded = []
    for message in messages_for(ticket, recorded, desk, ticket.updated_at or recorded[-1].occurred_at):
        uow.outbox.add(message)
    uow.commit()
    return recorded


CONFLICT_RETRIES = 3
"""How often a change is tried when a concurrent writer to the same ticket wins (then `Conflict`)."""


def change_ticket(uow: UnitOfWork, desk: Desk, ref: str, change: Callable[[Ticket], None]) -> TicketView:
    """Load the ticket locked, let `change` check the rights and record events, save, commit, show it.

    If another writer appended to the ticket meanwhile (possible where rows are not locked, as on
    SQLite), the whole unit is rolled back and `change` runs again on the fresh ticket.
    """
    for attempt in range(1, CONFLICT_RETRIES + 1):
        try:
            with uow:
                ticket = load(uow, ref)
                change(ticket)
                finish(uow, desk, ticket)
                return to_view(ticket, desk)
        except Conflict:
            if attempt == CONFLICT_RETRIES:
                raise
    raise AssertionError("unreachable")
