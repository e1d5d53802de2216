"""Benchmark: one escalation sweep's cost follows the number of due steps, not the number of open tickets.

For each store (SQLite file; PostgreSQL when DESKOPS_TEST_POSTGRES_URL is set) and each size (1,000 and
100,000 open escalating tickets), 100 escalations are due and the rest are due tomorrow; one sweep
claims the 100, pages one person for each (event + page row + outbox row) and commits. The median of
several sweeps is compared between the sizes; the goal is a ratio under 1.5. Last line: one JSON object.

Run: .venv/bin/python bench/escalation.py [--repeats N] [--sizes 1000,100000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text, update
from sqlmodel import col

from deskops.core.config.desk import DeskConfig
from deskops.core.config.escalation import PolicyConfig
from deskops.core.escalation.policy import PolicySnapshot
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.escalation import EscalationRow, SqlEscalationUnitOfWork
from deskops.core.persistence.tables import TicketRow
from deskops.core.services import Desk
from deskops.core.services.escalation import sweep

NOW = datetime(2026, 6, 16, 8, 0, tzinfo=UTC)
DUE = 100
GOAL_RATIO = 1.5
CHUNK = 5_000

DESK = Desk.from_config(DeskConfig.model_validate({
    "people": {"bob": {"name": "Bob"}, "alice": {"name": "Alice"}},
    "groups": {"network": {"level": 2, "members": ["bob"]}},
    "escalation": {"policies": {"page-bob": {"steps": [{"after": "0m", "page": {"user": "bob"}}]}}},
}))
SNAPSHOT = PolicySnapshot.take("page-bob", PolicyConfig.model_validate(
    {"steps": [{"after": "0m", "page": {"user": "bob"}}]}), at=NOW - timedelta(hours=1)).to_json()


def fill(engine: Engine, size: int) -> None:
    """Insert `size` open tickets, each escalating; none due yet (due tomorrow)."""
    tomorrow = NOW + timedelta(days=1)
    opened = NOW - timedelta(hours=1)
    with engine.begin() as connection:
        for first in range(0, size, CHUNK):
            count = min(CHUNK, size - first)
            connection.execute(insert(TicketRow), [
                {"ref": f"INC-{first + i + 1}", "kind": "incident", "title": f"Bench ticket {first + i + 1}",
                 "description": "", "state": "assigned", "priority": "P2", "requester": "alice",
                 "group_name": "network", "channel": "console", "source": "bench", "opened_at": opened,
                 "updated_at": opened, "pending_seconds": 0.0, "reopen_count": 0, "reassignment_count": 0,
                 "escalation_count": 0, "last_seq": 0}
                for i in range(count)
            ])
        ids = [row[0] for row in connection.execute(text("SELECT id FROM tickets ORDER BY id"))]
        for first in range(0, len(ids), CHUNK):
            connection.execute(insert(EscalationRow), [
                {"ticket_id": ticket_id, "generation": 1, "policy": "page-bob", "snapshot": SNAPSHOT,
                 "status": "active", "position": 0, "sla_fired": [], "next_due_at": tomorrow,
                 "started_at": opened, "updated_at": opened}
                for ticket_id in ids[first:first + CHUNK]
            ])
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
            connection.commit()


def make_due(engine: Engine, round_: int, size: int) -> None:
    """Make a fresh set of 100 escalations due now (spread over the table, never fired before)."""
    stride = max(size // DUE, 1)
    tickets = [((round_ * 7 + i * stride) % size) + 1 for i in range(DUE)]
    with engine.begin() as connection:
        connection.execute(
            update(EscalationRow)
            .where(col(EscalationRow.ticket_id).in_(tickets))
            .values(next_due_at=NOW - timedelta(seconds=1), position=0, status="active")
        )
        connection.execute(text("DELETE FROM pages"))


def measure(engine: Engine, size: int, repeats: int) -> float:
    """Median milliseconds of one sweep firing 100 due steps among `size` escalating tickets."""
    sweep(uow=SqlEscalationUnitOfWork(engine), desk=DESK, now=NOW)  # warm: nothing due yet, caches filled
    timings: list[float] = []
    for round_ in range(repeats):
        make_due(engine, round_, size)
        start = time.perf_counter()
        report = sweep(uow=SqlEscalationUnitOfWork(engine), desk=DESK, now=NOW, limit=DUE)
        timings.append((time.perf_counter() - start) * 1000)
        if len(report.fired) != DUE:
            raise SystemExit(f"expected {DUE} steps fired, got {len(report.fired)}")
    return statistics.median(timings)


def stores() -> list[tuple[str, Any]]:
    """The stores to measure: a SQLite file, and PostgreSQL when a test server URL is given."""
    found: list[tuple[str, Any]] = [("sqlite", None)]
    if os.environ.get("DESKOPS_TEST_POSTGRES_URL"):
        found.append(("postgresql", os.environ["DESKOPS_TEST_POSTGRES_URL"]))
    return found


def engine_for(store: str, url: str | None, folder: Path, size: int) -> tuple[Engine, Any]:
    """A fresh, migrated store; returns the engine and a clean-up function."""
    if store == "sqlite":
        engine = make_engine(f"sqlite:///{folder / f'bench-{size}.db'}")
        ensure_schema(engine)
        return engine, engine.dispose
    assert url is not None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    ensure_schema(engine)

    def drop() -> None:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return engine, drop


def main() -> None:
    """Measure every store and size; print a table, then the figures as one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", default="1000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    figures: dict[str, float] = {}
    print(f"{'store':<11} {'open tickets':>12} {'due':>5} {'sweep ms (median)':>18}")
    with tempfile.TemporaryDirectory() as folder:
        for store, url in stores():
            for size in sizes:
                engine, clean = engine_for(store, url, Path(folder), size)
                try:
                    fill(engine, size)
                    ms = measure(engine, size, args.repeats)
                finally:
                    clean()
                figures[f"{store}_{size}_ms"] = round(ms, 1)
                print(f"{store:<11} {size:>12,} {DUE:>5} {ms:>18.1f}")
            ratio = figures[f"{store}_{sizes[-1]}_ms"] / figures[f"{store}_{sizes[0]}_ms"]
            figures[f"{store}_ratio"] = round(ratio, 2)
            verdict = "meets" if ratio < GOAL_RATIO else "MISSES"
            print(f"{store:<11} ratio {sizes[-1]:,} / {sizes[0]:,} open: {ratio:.2f} "
                  f"(goal under {GOAL_RATIO}: {verdict})")
    if len(stores()) == 1:
        print("postgresql: skipped (set DESKOPS_TEST_POSTGRES_URL to measure it)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
