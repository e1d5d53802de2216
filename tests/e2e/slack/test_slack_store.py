"""The Slack adapter's tables on SQLite and PostgreSQL: one claim per key across instances, threads, DMs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from deskops.core.persistence.db import make_engine
from deskops.core.persistence.slack_tables import DeliveryLog, ThreadMap, create_slack_tables

NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh store of each kind (PostgreSQL only where DESKOPS_TEST_POSTGRES_URL is set)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'slack.db'}")
    else:  # a schema of its own: rows from other tests or runs would answer by_thread("C1", ...)
        engine = request.getfixturevalue("postgres_schema_engine")()
    create_slack_tables(engine)
    create_slack_tables(engine)  # idempotent
    yield engine
    engine.dispose()


def test_a_key_is_claimed_once_even_by_racing_instances(engine: Engine) -> None:
    key = f"evt:{uuid.uuid4().hex}"
    logs = [DeliveryLog(engine) for _ in range(8)]  # as if eight instances got the same delivery
    with ThreadPoolExecutor(8) as pool:
        wins = list(pool.map(lambda log: log.claim(key, NOW), logs))
    assert wins.count(True) == 1
    assert logs[0].seen(key)
    logs[0].release(key)  # the work failed: the next retry must be processed
    assert logs[1].claim(key, NOW)


def test_old_keys_are_purged_after_the_keep_window(engine: Engine) -> None:
    log = DeliveryLog(engine, keep=timedelta(hours=24))
    old, fresh = f"old:{uuid.uuid4().hex}", f"new:{uuid.uuid4().hex}"
    log.claim(old, NOW - timedelta(hours=25))
    log.claim(fresh, NOW - timedelta(minutes=10))
    log.purge(NOW)
    assert not log.seen(old) and log.seen(fresh)


def test_thread_and_dm_mapping(engine: Engine) -> None:
    threads = ThreadMap(engine)
    ref = f"INC-{uuid.uuid4().int % 10**6}"
    threads.save(ref, "C1", "1.0001", "U1")
    threads.save(ref, "C1", "1.0002", "U1")  # moved card: updated, not duplicated
    row = threads.by_ticket(ref)
    assert row is not None and row.ts == "1.0002"
    found = threads.by_thread("C1", "1.0002")
    assert found is not None and found.ticket_ref == ref
    threads.set_incident_channel(ref, "C9")
    incident = threads.by_ticket(ref)
    assert incident is not None and incident.incident_channel == "C9"
    threads.save_dm("D1", "2.0001", ref)
    assert threads.dm_ticket("D1", "2.0001") == ref and threads.dm_ticket("D1", "2.0002") is None
