"""SQL repositories for tickets (projection + event log) and the outbox. They flush, never commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import ColumnElement, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from deskops.core.errors import Conflict
from deskops.core.events import DomainEvent, RecordedEvent
from deskops.core.persistence.mappers import event_from_row, row_values, ticket_from_row
from deskops.core.persistence.tables import HandledRequestRow, OutboxRow, TicketEventRow, TicketRow
from deskops.core.ports import OutboxMessage, TicketQuery
from deskops.core.tickets import REF_PREFIXES, Ticket


@contextmanager
def _conflicts_as(message: str) -> Iterator[None]:
    """Turn a unique-key violation (a concurrent writer won) into a `Conflict` the user can retry."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(message, hint="Nothing was changed; try again.") from exc


class SqlTicketRepository:
    """Tickets in the `tickets` projection table and their `ticket_events` log."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, ticket: Ticket, *, request_id: str | None = None) -> list[RecordedEvent]:
        """Insert a newly opened ticket, give it its id and ref (INC-<id> / REQ-<id>), write its events."""
        if ticket.id is not None:
            raise ValueError(f"ticket {ticket.ref} is already stored; save it instead")
        values = row_values(ticket)
        # The ref needs the id, which the database gives on insert: insert under a unique placeholder.
        values["ref"] = ticket.ref or f"new-{uuid4().hex}"
        row = TicketRow(**values)
        self._session.add(row)
        with _conflicts_as("Another ticket was opened with the same reference at the same moment."):
            self._session.flush()
        assert row.id is not None
        ticket.id = row.id
        if not ticket.ref:
            ticket.ref = f"{REF_PREFIXES[ticket.kind]}-{row.id}"
            row.ref = ticket.ref
        recorded = self._append(ticket)
        if request_id is not None:
            self.remember_request(request_id, row.id, ticket.opened_at or recorded[0].occurred_at)
        return recorded

    def save(self, ticket: Ticket) -> list[RecordedEvent]:
        """Append the new events and update the projection row in the same transaction."""
        if ticket.id is None:
            raise ValueError("the ticket is not stored yet; add it first")
        row = self._session.get(TicketRow, ticket.id)  # from the identity map when `get` loaded it
        if row is None:
            raise ValueError(f"ticket {ticket.ref} is not in the store")
        for name, value in row_values(ticket).items():
            setattr(row, name, value)  # the flush writes only the columns that changed
        return self._append(ticket)

    def _append(self, ticket: Ticket) -> list[RecordedEvent]:
        assert ticket.id is not None
        new: list[tuple[int, DomainEvent]] = ticket.new_events()
        rows = [
            TicketEventRow(
                ticket_id=ticket.id,
                seq=seq,
                type=event.type.value,
                occurred_at=event.occurred_at,
                actor=event.actor,
                payload=event.payload,
            )
            for seq, event in new
        ]
        self._session.add_all(rows)
        with _conflicts_as(f"{ticket.ref} was changed by someone else at the same moment."):
            self._session.flush()
        ticket.mark_saved()
        return [RecordedEvent(ticket_id=ticket.id, seq=seq, **event.model_dump()) for seq, event in new]

    def get(self, ref: str, *, for_update: bool = False) -> Ticket | None:
        """Return the ticket by ref (case-insensitive; `12` or `#12` finds id 12), or None."""
        text = ref.strip()
        number = text.removeprefix("#")
        conditions: list[ColumnElement[bool]] = [col(TicketRow.ref) == text]
        if text.upper() != text:
            conditions.append(col(TicketRow.ref) == text.upper())
        if number.isdigit():
            conditions.append(col(TicketRow.id) == int(number))
        sqlite = self._session.get_bind().dialect.name == "sqlite"
        for condition in conditions:
            statement = select(TicketRow).where(condition)
            if for_update and sqlite:
                # SQLite has no row locks: writing first takes the database's write lock (waiting for
                # the busy timeout), so the read below sees the latest row and no writer can race us.
                self._session.execute(
                    update(TicketRow)
                    .where(condition)
                    .values(last_seq=col(TicketRow.last_seq))
                    .execution_options(synchronize_session=False)
                )
            elif for_update:
                statement = statement.with_for_update()
            row = self._session.execute(statement).scalars().first()
            if row is not None:
                return ticket_from_row(row)
        return None

    def events(self, ticket_id: int) -> list[RecordedEvent]:
        """Return the ticket's log in order."""
        rows = self._session.execute(
            select(TicketEventRow).where(col(TicketEventRow.ticket_id) == ticket_id).order_by(col(TicketEventRow.seq))
        ).scalars()
        return [event_from_row(row) for row in rows]

    def find(self, query: TicketQuery) -> tuple[list[Ticket], int]:
        """Return up to `query.limit` tickets in the asked order, and the number that match in all."""
        where = _conditions(query)
        total = self._session.execute(select(func.count()).select_from(TicketRow).where(*where)).scalar_one()
        statement = select(TicketRow).where(*where).order_by(*_order(query)).limit(query.limit)
        rows = self._session.execute(statement).scalars().all()
        return [ticket_from_row(row) for row in rows], int(total)

    def ticket_for_request(self, request_id: str) -> Ticket | None:
        """Return the ticket a chat delivery id already produced or changed, or None."""
        row = self._session.execute(
            select(TicketRow)
            .join(HandledRequestRow, col(HandledRequestRow.ticket_id) == col(TicketRow.id))
            .where(col(HandledRequestRow.request_id) == request_id)
        ).scalars().first()
        return ticket_from_row(row) if row is not None else None

    def remember_request(self, request_id: str, ticket_id: int, at: datetime) -> None:
        """Record that a chat delivery id was handled; a concurrent duplicate raises `Conflict`."""
        self._session.add(HandledRequestRow(request_id=request_id, ticket_id=ticket_id, handled_at=at))
        with _conflicts_as("This request is being handled already."):
            self._session.flush()


def _conditions(query: TicketQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    equal: dict[str, Any] = {
        "requester": query.requester,
        "assignee": query.assignee,
        "group_name": query.group,
        "priority": query.priority,
        "kind": query.kind.value if query.kind is not None else None,
    }
    for column, value in equal.items():
        if value is not None:
            where.append(getattr(TicketRow, column) == value)
    if query.unassigned:
        where.append(col(TicketRow.assignee).is_(None))
    if query.involving is not None:
        where.append(or_(col(TicketRow.requester) == query.involving, col(TicketRow.assignee) == query.involving))
    if query.states is not None:
        where.append(col(TicketRow.state).in_([state.value for state in query.states]))
    if query.viewer is not None and query.confidential_categories:
        category = col(TicketRow.category)
        visible = [
            category.is_(None),
            category.not_in(query.confidential_categories),
            col(TicketRow.requester) == query.viewer,
            col(TicketRow.assignee) == query.viewer,
        ]
        if query.viewer_groups:
            visible.append(col(TicketRow.group_name).in_(query.viewer_groups))
        where.append(or_(*visible))
    return where


def _order(query: TicketQuery) -> list[Any]:
    if query.sort == "opened":
        return [col(TicketRow.opened_at).asc(), col(TicketRow.id).asc()]
    if query.sort == "updated":
        return [col(TicketRow.updated_at).desc(), col(TicketRow.id).desc()]
    ranks = {name: index for index, name in enumerate(query.priority_order)}
    rank = case(ranks, value=col(TicketRow.priority), else_=len(ranks)) if ranks else col(TicketRow.priority)
    return [rank, col(TicketRow.opened_at).asc(), col(TicketRow.id).asc()]


class SqlOutboxRepository:
    """Notifications in the `outbox` table, written in the use case's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, message: OutboxMessage) -> bool:
        """Queue a message; return False (and write nothing) if its key is already there."""
        seen = self._session.execute(
            select(col(OutboxRow.id)).where(col(OutboxRow.idempotency_key) == message.key)
        ).first()
        if seen is not None:
            return False
        self._session.add(
            OutboxRow(
                idempotency_key=message.key,
                kind=message.kind,
                ticket_id=message.ticket_id,
                recipient=message.recipient,
                payload=message.payload,
                created_at=message.created_at,
                next_attempt_at=message.created_at,
            )
        )
        with _conflicts_as("The same notification was written at the same moment."):
            self._session.flush()
        return True
