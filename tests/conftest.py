"""Shared test fixtures: where the real data lives, and the stores the integration tests run on."""

from __future__ import annotations

import os
from pathlib import Path

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
