"""Engine creation for SQLite and PostgreSQL, with the settings each needs to behave well."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlmodel import SQLModel

from deskops.core.persistence import tables  # noqa: F401  (registers the tables on the metadata)


def normalize_url(url: str) -> str:
    """Use the psycopg 3 driver for plain `postgresql://` URLs (psycopg2 is not a dependency)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout so concurrent use waits."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


MIGRATIONS = Path(__file__).with_name("migrations")
"""The alembic scripts shipped inside the package."""


def alembic_config(url: str | None = None) -> Config:
    """Return an alembic configuration for the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", normalize_url(url))
    return config


def ensure_schema(engine: Engine) -> None:
    """Bring the schema up to date with `alembic upgrade head`, safely when several instances start at once.

    Tables that are registered on the metadata but not yet carried by any migration are then
    created as they are (`create_all` skips existing tables), so an area whose migration is still
    to come keeps working; every table should get its migration.
    """
    with engine.begin() as connection:
        # One process migrates at a time; the others wait here, then find nothing left to do.
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        elif connection.dialect.name == "sqlite":
            # The driver has not begun a transaction yet (it does so before the first write):
            # begin one that holds the write lock now, before anything is read.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        config = alembic_config()
        config.attributes["connection"] = connection
        existing = set(inspect(connection).get_table_names())
        if "tickets" in existing and "alembic_version" not in existing:
            # A database made by the create_all placeholder before migrations existed: adopt it.
            command.stamp(config, _FIRST_REVISION)
        command.upgrade(config, "head")
        SQLModel.metadata.create_all(connection)


_MIGRATION_LOCK = 0x6465736B6F7073  # "deskops"
_FIRST_REVISION = "0001_tickets"
