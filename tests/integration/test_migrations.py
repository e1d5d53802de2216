"""The alembic migrations alone build every table the code maps, on SQLite and PostgreSQL.

`ensure_schema` also runs `create_all` as a safety net, which would hide a table that has no
migration; this test runs the migrations only, so a new table without its revision fails here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import SQLModel

import deskops.core.persistence as persistence
from deskops.core.persistence.db import alembic_config, make_engine


def _register_every_table() -> None:
    for module in pkgutil.iter_modules(persistence.__path__, "deskops.core.persistence."):
        if not module.name.endswith(".migrations"):
            importlib.import_module(module.name)


def _migrate_only(engine: Engine) -> None:
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@pytest.fixture(params=["sqlite", "postgresql"])
def bare_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """An empty store of each kind (PostgreSQL in a schema of its own)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'bare.db'}")
        yield engine
        engine.dispose()
        return
    factory: Callable[..., Engine] = request.getfixturevalue("postgres_schema_engine")
    yield factory()


def test_migrations_alone_build_exactly_the_mapped_tables(bare_engine: Engine) -> None:
    _register_every_table()
    _migrate_only(bare_engine)
    with bare_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, SQLModel.metadata)
    missing = [change for change in diff if change[0] == "add_table"]
    assert missing == [], f"tables without a migration: {[c[1].name for c in missing]}"
    assert diff == []
