"""SQLModel tables. Rows are not validated on construction: build domain models first, then map here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from deskops.core.persistence.types import UTCDateTime


def _utc_column(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class TicketRow(SQLModel, table=True):
    """The ticket projection: the current view of a ticket, kept in step with its event log."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_state_group", "state", "group_name"),
        Index("ix_tickets_opened_at", "opened_at"),
        Index("ix_tickets_resolved_at", "resolved_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True, index=True, max_length=64)
    kind: str = Field(max_length=32)
    title: str = Field(max_length=300)
    description: str = ""
    state: str = Field(max_length=32)
    pending_reason: str | None = Field(default=None, max_length=32)
    urgency: str | None = Field(default=None, max_length=32)
    impact: str | None = Field(default=None, max_length=32)
    priority: str | None = Field(default=None, max_length=32, index=True)
    category: str | None = Field(default=None, max_length=128)
    service: str | None = Field(default=None, max_length=128)
    customer: str | None = Field(default=None, max_length=128)
    requester: str = Field(max_length=128, index=True)
    assignee: str | None = Field(default=None, max_length=128, index=True)
    group_name: str | None = Field(default=None, max_length=128)
    channel: str | None = Field(default=None, max_length=32)
    source: str = Field(default="chat", max_length=32)
    opened_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    acknowledged_at: datetime | None = _utc_column()
    resolved_at: datetime | None = _utc_column()
    closed_at: datetime | None = _utc_column()
    pending_since: datetime | None = _utc_column()
    pending_seconds: float = 0.0
    reopen_count: int = 0
    reassignment_count: int = 0
    escalation_count: int = 0
    last_seq: int = 0


class TicketEventRow(SQLModel, table=True):
    """One entry of a ticket's append-only history; `(ticket_id, seq)` is unique."""

    __tablename__ = "ticket_events"
    __table_args__ = (UniqueConstraint("ticket_id", "seq", name="uq_ticket_events_ticket_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    seq: int
    type: str = Field(max_length=64, index=True)
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor: str = Field(max_length=128)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class OutboxRow(SQLModel, table=True):
    """A notification written in the same transaction as its cause; delivered (and retried) later."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=200)
    kind: str = Field(max_length=64)
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id", index=True)
    recipient: str = Field(max_length=200)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    attempts: int = 0
    delivered_at: datetime | None = _utc_column()
    last_error: str | None = None


class HandledRequestRow(SQLModel, table=True):
    """A chat delivery id already handled and the ticket it touched: a redelivery is answered, not redone."""

    __tablename__ = "handled_requests"

    request_id: str = Field(primary_key=True, max_length=200)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    handled_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
