"""Shared test fixtures: where the real data lives, and the stores the integration tests run on."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("DESKOPS_SHARED_DATA", REPO.parent / "shared" / "data"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip `slow` tests unless DESKOPS_TEST_SLOW=1 (CI sets it), with a visible reason."""
    if os.environ.get("DESKOPS_TEST_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow test: set DESKOPS_TEST_SLOW=1 to run it (CI does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real third-party data (../shared/data); skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (see README: public datasets)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL URL for integration tests; skip unless DESKOPS_TEST_POSTGRES_URL is set."""
    url = os.environ.get("DESKOPS_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL tests need DESKOPS_TEST_POSTGRES_URL (make test in CI sets it)")
    return url


@pytest.fixture
def postgres_schema_engine(postgres_url: str) -> Iterator[Callable[..., Any]]:
    """Make engines on a fresh, empty PostgreSQL schema of their own, dropped after the test.

    Tests on the shared server must not see rows left by other tests or earlier runs.
    """
    from sqlalchemy import text

    from deskops.core.persistence.db import make_engine

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    made: list[Any] = []

    def factory(**kwargs: Any) -> Any:
        engine = make_engine(postgres_url, connect_args={"options": f"-csearch_path={schema}"}, **kwargs)
        made.append(engine)
        return engine

    try:
        yield factory
    finally:
        for engine in made:
            engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def migrated_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A migrated, empty store for a fixture parametrised over "sqlite" and "postgresql".

    SQLite is a file in `tmp_path`; PostgreSQL a fresh schema of its own (`postgres_schema_engine`).
    """
    from deskops.core.persistence.db import ensure_schema, make_engine

    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    else:
        engine = request.getfixturevalue("postgres_schema_engine")()
    ensure_schema(engine)
    try:
        yield engine
    finally:
        engine.dispose()
