"""Alembic environment: migrates the connection handed over by `ensure_schema` (or a URL from the config)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

# Register every table on the metadata, so autogenerate sees the whole schema.
from deskops.core.persistence import discord_tables, escalation, slack_tables, tables  # noqa: F401
from deskops.core.persistence.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("DeskOps migrations run online only: give a database URL (deskops db upgrade)")

_shared = config.attributes.get("connection")
if _shared is not None:
    _run(_shared)
else:
    _engine = make_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///deskops.db")
    with _engine.begin() as _connection:
        _run(_connection)
