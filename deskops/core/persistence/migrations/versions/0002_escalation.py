"""Escalation: one row per escalating ticket (policy snapshot, position, next due instant) and the pages sent.

Revision ID: 0002_escalation
Revises: 0001_tickets
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_escalation"
down_revision: str | None = "0001_tickets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, *, nullable: bool = True) -> sa.Column[object]:
    """An instant column; the application stores aware UTC (naive UTC on SQLite)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the escalation tables."""
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=128), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sla_fired", sa.JSON(), nullable=False),
        _utc("next_due_at"),
        _utc("started_at", nullable=False),
        _utc("updated_at", nullable=False),
        _utc("ended_at"),
        sa.Column("ended_by", sa.String(length=128), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        _utc("claimed_at"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )
    op.create_index("ix_escalations_next_due_at", "escalations", ["next_due_at"])
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=128), nullable=False),
        _utc("sent_at", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _utc("acknowledged_at"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "generation", "step", "recipient", name="uq_pages_step_recipient"),
    )
    op.create_index("ix_pages_ticket_id", "pages", ["ticket_id"])


def downgrade() -> None:
    """Drop the escalation tables."""
    op.drop_index("ix_pages_ticket_id", table_name="pages")
    op.drop_table("pages")
    op.drop_index("ix_escalations_next_due_at", table_name="escalations")
    op.drop_table("escalations")
