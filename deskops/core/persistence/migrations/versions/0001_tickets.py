"""Tickets: the projection, the per-ticket event log, the outbox and handled chat requests.

Revision ID: 0001_tickets
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_tickets"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, *, nullable: bool = True) -> sa.Column[object]:
    """An instant column; the application stores aware UTC (naive UTC on SQLite)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the ticket tables."""
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("pending_reason", sa.String(length=32), nullable=True),
        sa.Column("urgency", sa.String(length=32), nullable=True),
        sa.Column("impact", sa.String(length=32), nullable=True),
        sa.Column("priority", sa.String(length=32), nullable=True),
        sa.Column("category", sa.String(length=128), nullable=True),
        sa.Column("service", sa.String(length=128), nullable=True),
        sa.Column("customer", sa.String(length=128), nullable=True),
        sa.Column("requester", sa.String(length=128), nullable=False),
        sa.Column("assignee", sa.String(length=128), nullable=True),
        sa.Column("group_name", sa.String(length=128), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        _utc("opened_at", nullable=False),
        _utc("updated_at", nullable=False),
        _utc("acknowledged_at"),
        _utc("resolved_at"),
        _utc("closed_at"),
        _utc("pending_since"),
        sa.Column("pending_seconds", sa.Float(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("reassignment_count", sa.Integer(), nullable=False),
        sa.Column("escalation_count", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tickets_assignee", "tickets", ["assignee"])
    op.create_index("ix_tickets_opened_at", "tickets", ["opened_at"])
    op.create_index("ix_tickets_priority", "tickets", ["priority"])
    op.create_index("ix_tickets_ref", "tickets", ["ref"], unique=True)
    op.create_index("ix_tickets_requester", "tickets", ["requester"])
    op.create_index("ix_tickets_resolved_at", "tickets", ["resolved_at"])
    op.create_index("ix_tickets_state_group", "tickets", ["state", "group_name"])

    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        _utc("occurred_at", nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "seq", name="uq_ticket_events_ticket_seq"),
    )
    op.create_index("ix_ticket_events_occurred_at", "ticket_events", ["occurred_at"])
    op.create_index("ix_ticket_events_ticket_id", "ticket_events", ["ticket_id"])
    op.create_index("ix_ticket_events_type", "ticket_events", ["type"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        _utc("created_at", nullable=False),
        _utc("next_attempt_at", nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("delivered_at"),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_outbox_pending", "outbox", ["delivered_at", "next_attempt_at"])
    op.create_index("ix_outbox_ticket_id", "outbox", ["ticket_id"])

    op.create_table(
        "handled_requests",
        sa.Column("request_id", sa.String(length=200), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        _utc("handled_at", nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("request_id"),
    )
    op.create_index("ix_handled_requests_ticket_id", "handled_requests", ["ticket_id"])


def downgrade() -> None:
    """Drop the ticket tables."""
    for table in ("handled_requests", "outbox", "ticket_events", "tickets"):
        op.drop_table(table)
