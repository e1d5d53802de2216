"""Escalation state in the store: one row per escalating ticket with its next due instant, and the pages sent.

Exactly-once rests on three things, all in the sweep's single transaction:
- claiming: PostgreSQL locks due rows with `FOR UPDATE SKIP LOCKED` (another instance skips them);
  SQLite has one writer at a time, so the claim is an UPDATE issued as the transaction's first
  statement, which takes the write lock before anything is read (no other instance can claim or
  advance until this transaction ends);
- the row's `position`/`sla_fired` move forward in the same transaction as the event and the
  outbox rows, so a crash before commit loses nothing and a commit cannot happen twice;
- `pages` has a unique key per (ticket, generation, step, recipient): a bug elsewhere would fail
  loudly rather than page twice.
Acknowledgement is a conditional UPDATE (`WHERE status = 'active'`): the first one wins on both stores.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ColumnElement, Index, UniqueConstraint, delete, select, update
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col

from deskops.core.escalation.engine import EscalationState, EscalationStatus
from deskops.core.escalation.policy import PolicySnapshot
from deskops.core.escalation.records import PAGE_KIND, EscalationRecord, Page
from deskops.core.persistence.tables import OutboxRow, TicketEventRow, TicketRow
from deskops.core.persistence.types import UTCDateTime
from deskops.core.persistence.uow import SqlUnitOfWork
from deskops.core.ports import OutboxMessage


class EscalationRow(SQLModel, table=True):
    """One ticket's escalation: the policy snapshot, how far it has come, and when it is next due."""

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_next_due_at", "next_due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", unique=True)
    generation: int = 1
    policy: str = Field(max_length=128)
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=16)
    position: int = 0
    sla_fired: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    next_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    """NULL unless active and something is due: the sweep's index only ever holds what can fire."""
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    ended_by: str | None = Field(default=None, max_length=128)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class PageRow(SQLModel, table=True):
    """A page sent to one person for one step; acknowledged, or cancelled when someone else acknowledged."""

    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("ticket_id", "generation", "step", "recipient", name="uq_pages_step_recipient"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    generation: int
    step: str = Field(max_length=16)
    recipient: str = Field(max_length=128)
    sent_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(default="sent", max_length=16)
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


def _record(row: EscalationRow, ref: str = "") -> EscalationRecord:
    return EscalationRecord(
        ticket_id=row.ticket_id,
        ticket_ref=ref,
        generation=row.generation,
        snapshot=PolicySnapshot.from_json(row.snapshot),
        state=EscalationState(row.position, frozenset(row.sla_fired), EscalationStatus(row.status)),
        next_due_at=row.next_due_at,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
    )


class SqlEscalationRepository:
    """Escalation rows and pages, inside the caller's transaction (flushes, never commits)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[int, EscalationRow] = {}  # rows this transaction holds (claimed or locked)

    def get(self, ticket_id: int, *, for_update: bool = False) -> EscalationRecord | None:
        """The ticket's escalation (the latest generation), or None if it never escalated."""
        statement = select(EscalationRow).where(col(EscalationRow.ticket_id) == ticket_id)
        if for_update:
            statement = statement.with_for_update()
        row = self._session.execute(statement).scalars().first()
        if row is None:
            return None
        self._rows[ticket_id] = row
        return _record(row)

    def start(
        self, ticket_id: int, snapshot: PolicySnapshot, state: EscalationState, next_due_at: datetime | None
    ) -> EscalationRecord:
        """Store a new escalation for the ticket (a new generation if it escalated before)."""
        row = self._session.execute(
            select(EscalationRow).where(col(EscalationRow.ticket_id) == ticket_id).with_for_update()
        ).scalars().first()
        if row is None:
            row = EscalationRow(ticket_id=ticket_id, generation=0, policy=snapshot.name, started_at=snapshot.started_at,
                                updated_at=snapshot.started_at, status=state.status.value)
            self._session.add(row)
        row.generation += 1
        row.policy = snapshot.name
        row.snapshot = snapshot.to_json()
        row.started_at = snapshot.started_at
        row.ended_at = row.ended_by = None
        self._write_state(row, state, next_due_at, snapshot.started_at)
        self._session.flush()
        self._rows[ticket_id] = row
        return _record(row)

    def claim_due(self, now: datetime, *, limit: int, claimer: str) -> list[EscalationRecord]:
        """Claim up to `limit` escalations due at `now` for this transaction, earliest first.

        Must be the first statement of its transaction (see the module docstring).
        """
        due = (
            select(col(EscalationRow.id))
            .where(col(EscalationRow.next_due_at) <= now)
            .order_by(col(EscalationRow.next_due_at))
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            ids = list(self._session.execute(due.with_for_update(skip_locked=True)).scalars())
            claimed: ColumnElement[bool] = col(EscalationRow.id).in_(ids)
        else:
            self._session.execute(
                update(EscalationRow)
                .where(col(EscalationRow.id).in_(due.scalar_subquery()))
                .values(claimed_by=claimer, claimed_at=now)
                .execution_options(synchronize_session=False)
            )
            claimed = col(EscalationRow.claimed_by) == claimer
        rows = self._session.execute(
            select(EscalationRow, col(TicketRow.ref))
            .join(TicketRow, col(TicketRow.id) == col(EscalationRow.ticket_id))
            .where(claimed)
            .order_by(col(EscalationRow.next_due_at))
            .execution_options(populate_existing=True)
        ).all()
        records = []
        for row, ref in rows:
            self._rows[row.ticket_id] = row
            records.append(_record(row, ref))
        return records

    def save(self, ticket_id: int, state: EscalationState, next_due_at: datetime | None, now: datetime) -> None:
        """Write how far the escalation has come and when it is next due; release the claim."""
        row = self._rows.get(ticket_id) or self._row(ticket_id)
        self._write_state(row, state, next_due_at, now)

    def end(self, ticket_id: int, status: EscalationStatus, *, by: str, at: datetime) -> EscalationRecord | None:
        """End an active escalation (acknowledged, resolved, stopped); None if it was not active.

        A conditional UPDATE, so of two concurrent callers exactly one gets the record back.
        """
        result = self._session.execute(
            update(EscalationRow)
            .where(col(EscalationRow.ticket_id) == ticket_id)
            .where(col(EscalationRow.status) == EscalationStatus.ACTIVE.value)
            .values(status=status.value, next_due_at=None, ended_at=at, ended_by=by, updated_at=at,
                    claimed_by=None, claimed_at=None)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            return None
        return _record(self._row(ticket_id))

    def add_page(self, *, ticket_id: int, generation: int, step: str, recipient: str, at: datetime) -> None:
        """Record a page sent to one person (unique per ticket, generation, step and recipient)."""
        # flushed with the rest at commit: a duplicate (a bug, never a race) fails the whole transaction
        self._session.add(PageRow(ticket_id=ticket_id, generation=generation, step=step, recipient=recipient,
                                  sent_at=at))

    def queue(self, message: OutboxMessage) -> None:
        """Write a page or notification to the outbox; its key is unique by construction, so no lookup first."""
        self._session.add(OutboxRow(
            idempotency_key=message.key, kind=message.kind, ticket_id=message.ticket_id,
            recipient=message.recipient, payload=message.payload, created_at=message.created_at,
            next_attempt_at=message.created_at,
        ))

    def pages(self, ticket_id: int, generation: int | None = None) -> list[Page]:
        """The pages of a ticket's escalation (every generation unless given), oldest first."""
        return [
            Page(row.recipient, row.step, row.sent_at, row.status, row.acknowledged_at)
            for row in self._page_rows(ticket_id, generation)
        ]

    def _page_rows(self, ticket_id: int, generation: int | None) -> list[PageRow]:
        statement = select(PageRow).where(col(PageRow.ticket_id) == ticket_id)
        if generation is not None:
            statement = statement.where(col(PageRow.generation) == generation)
        return list(self._session.execute(statement.order_by(col(PageRow.sent_at), col(PageRow.id))).scalars())

    def settle_pages(self, ticket_id: int, generation: int, *, acknowledged_by: str | None, at: datetime) -> int:
        """Mark the acknowledger's pages acknowledged and the rest cancelled; withdraw others' undelivered pages.

        Returns how many undelivered page messages were withdrawn from the outbox: those are steps
        that came due but were not sent yet, and an acknowledgement stops them too.
        """
        for page in self._page_rows(ticket_id, generation):
            if page.status != "sent":
                continue
            page.status = "acknowledged" if page.recipient == acknowledged_by else "cancelled"
            page.acknowledged_at = at if page.recipient == acknowledged_by else None
        undelivered = delete(OutboxRow).where(
            col(OutboxRow.ticket_id) == ticket_id,
            col(OutboxRow.kind) == PAGE_KIND,
            col(OutboxRow.delivered_at).is_(None),
        )
        if acknowledged_by is not None:
            # the acknowledger has the page in hand already (or acknowledged elsewhere): keep it as sent
            undelivered = undelivered.where(col(OutboxRow.recipient) != acknowledged_by)
        withdrawn = self._session.execute(undelivered.execution_options(synchronize_session=False))
        self._session.flush()
        return int(getattr(withdrawn, "rowcount", 0) or 0)

    def changed_tickets(self, since: datetime, until: datetime, types: tuple[str, ...]) -> list[str]:
        """Refs of tickets with events of `types` in `(since, until]` (reads the log's time index)."""
        rows = self._session.execute(
            select(col(TicketRow.ref))
            .join(TicketEventRow, col(TicketEventRow.ticket_id) == col(TicketRow.id))
            .where(col(TicketEventRow.occurred_at) > since, col(TicketEventRow.occurred_at) <= until)
            .where(col(TicketEventRow.type).in_(types))
            .distinct()
        ).scalars()
        return sorted(rows)

    def _row(self, ticket_id: int) -> EscalationRow:
        # populate_existing: a conditional UPDATE above bypassed the session's copy of the row
        statement = select(EscalationRow).where(col(EscalationRow.ticket_id) == ticket_id)
        return self._session.execute(statement.execution_options(populate_existing=True)).scalars().one()

    @staticmethod
    def _write_state(row: EscalationRow, state: EscalationState, next_due_at: datetime | None, now: datetime) -> None:
        row.status = state.status.value
        row.position = state.position
        row.sla_fired = sorted(state.sla_fired)
        row.next_due_at = next_due_at if state.status is EscalationStatus.ACTIVE else None
        row.updated_at = now
        row.claimed_by = row.claimed_at = None
        if state.status is not EscalationStatus.ACTIVE and row.ended_at is None:
            row.ended_at = now


class SqlEscalationUnitOfWork(SqlUnitOfWork):
    """The SQL unit of work with the escalation repository joined to its session."""

    escalations: SqlEscalationRepository

    @classmethod
    def like(cls, other: SqlUnitOfWork) -> SqlEscalationUnitOfWork:
        """A unit of work on the same database as `other` (e.g. the one a command context hands out)."""
        return cls(other._engine)

    def __enter__(self) -> SqlEscalationUnitOfWork:
        """Open the session and the repositories, escalations included."""
        super().__enter__()
        self.escalations = SqlEscalationRepository(self.session)
        return self
