"""Chat adapters: Slack and Discord delivery claims (one ticket per redelivered request) and ticket ↔ thread links.

Revision ID: 0003_chat_adapters
Revises: 0002_escalation
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_chat_adapters"
down_revision: str | None = "0002_escalation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str) -> sa.Column[object]:
    """An instant column; the application stores aware UTC (naive UTC on SQLite)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    """Create the Slack and Discord tables (those an adapter already made for itself are adopted)."""
    # Before this revision the adapters created their tables at start-up; keep those as they are.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    _create_discord_tables(existing)
    _create_slack_tables(existing)


def _create_discord_tables(existing: set[str]) -> None:
    if "discord_interactions" in existing:
        return
    op.create_table(
        "discord_interactions",
        sa.Column("key", sa.String(length=200), nullable=False),
        _utc("received_at"),
        sa.Column("reply", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_discord_interactions_received_at", "discord_interactions", ["received_at"])
    op.create_table(
        "discord_threads",
        sa.Column("ticket_ref", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("thread_id", sa.String(length=32), nullable=False),
        sa.Column("card_message_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("ticket_ref"),
    )
    op.create_index("ix_discord_threads_thread_id", "discord_threads", ["thread_id"], unique=True)


def _create_slack_tables(existing: set[str]) -> None:
    if "slack_deliveries" in existing:
        return
    op.create_table(
        "slack_deliveries",
        sa.Column("key", sa.String(length=200), nullable=False),
        _utc("received_at"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_slack_deliveries_received_at", "slack_deliveries", ["received_at"])
    op.create_table(
        "slack_dm_messages",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("ticket_ref", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("channel", "ts"),
    )
    op.create_table(
        "slack_threads",
        sa.Column("ticket_ref", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("requester_slack_id", sa.String(length=32), nullable=True),
        sa.Column("incident_channel", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("ticket_ref"),
    )
    op.create_index("ix_slack_threads_channel", "slack_threads", ["channel"])
    op.create_index("ix_slack_threads_ts", "slack_threads", ["ts"])


def downgrade() -> None:
    """Drop the Slack and Discord tables."""
    for table in ("slack_threads", "slack_dm_messages", "slack_deliveries", "discord_threads", "discord_interactions"):
        op.drop_table(table)
