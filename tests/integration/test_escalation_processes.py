"""Exactly once across real processes: two sweepers on one PostgreSQL, and a sweeper killed mid-sweep.

The workers are this module run as a script (`python -m tests.integration.test_escalation_processes`),
so each is a separate OS process with its own connections, like two DeskOps instances.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import Session, col

from deskops.core.config.desk import DeskConfig
from deskops.core.events import EventType
from deskops.core.persistence.db import make_engine
from deskops.core.persistence.escalation import SqlEscalationUnitOfWork
from deskops.core.persistence.tables import OutboxRow, TicketEventRow
from deskops.core.services import Desk, open_ticket
from deskops.core.services.escalation import start_due, sweep
from tests.integration.test_store import engine  # noqa: F401  (the SQLite + PostgreSQL store fixture)

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 6, 16, 8, 0, tzinfo=UTC)
MID = "MID-SWEEP"

DESK = Desk.from_config(
    DeskConfig.model_validate(
        {
            "people": {name: {"name": name.title()} for name in ("alice", "bob", "carol", "erin")},
            "groups": {
                "network": {"level": 2, "members": ["bob", "erin"], "manager": "carol"},
                "service-desk": {"level": 1, "members": ["alice"]},
            },
            "escalation": {
                "policies": {
                    "standard": {
                        "steps": [
                            {"after": "1m", "page": {"user": "bob"}},
                            {"after": "5m", "page": {"user": "erin"}},
                            {"after": "15m", "notify": {"role": "manager"}},
                        ]
                    }
                }
            },
        }
    )
)


def _engine_for(url: str, schema: str | None) -> Engine:
    if schema:
        return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    return make_engine(url)


def _location(db: Engine) -> list[str]:
    """The worker arguments that reach the same database (and PostgreSQL schema) as `db`."""
    url = db.url.render_as_string(hide_password=False)
    if db.dialect.name != "postgresql":
        return ["--url", url]
    with db.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    return ["--url", url, "--schema", str(schema)]


def _open_and_start(db: Engine, count: int, at: datetime = T0) -> list[str]:
    refs = [
        open_ticket(
            uow=SqlEscalationUnitOfWork(db),
            desk=DESK,
            actor="alice",
            title=f"Outage {i}",
            now=at,
            urgency="medium",
            impact="medium",
            group="network",
        ).ticket.ref
        for i in range(count)
    ]
    start_due(uow=SqlEscalationUnitOfWork(db), desk=DESK, since=at - timedelta(minutes=1), now=at)
    return refs


def _worker(location: list[str], *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.integration.test_escalation_processes", *location, *args]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _fired(db: Engine, since: datetime = T0) -> tuple[Counter[tuple[int, str]], int]:
    """PageSent events per (ticket, step) and the number of escalation outbox rows, from `since` on."""
    with Session(db) as session:
        sent = Counter(
            (row.ticket_id, row.payload["step"])
            for row in session.execute(
                select(TicketEventRow)
                .where(col(TicketEventRow.type) == EventType.PAGE_SENT.value)
                .where(col(TicketEventRow.occurred_at) >= since)
            ).scalars()
        )
        messages = session.execute(
            select(OutboxRow).where(col(OutboxRow.kind).like("escalation.%")).where(col(OutboxRow.created_at) >= since)
        ).scalars()
        return sent, len(list(messages))


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_two_processes_on_one_store_never_fire_a_step_twice(engine: Engine) -> None:  # noqa: F811
    """PostgreSQL: SKIP LOCKED. SQLite (one file, two processes): the claiming write serialises them."""
    tickets, rounds = 150, 2
    for round_ in range(rounds):  # each round: new tickets a day later, two fresh worker processes
        start = T0 + timedelta(days=round_)
        _open_and_start(engine, tickets, start)
        span = ["--from", start.isoformat(), "--minutes", "20", "--limit", "25"]
        workers = [_worker(_location(engine), *span) for _ in range(2)]
        outputs = [w.communicate(timeout=600) for w in workers]
        for worker, (_out, err) in zip(workers, outputs, strict=True):
            assert worker.returncode == 0, err
        per_worker = [int(out.split()[-1]) for out, _ in outputs]
        sent, messages = _fired(engine, start)
        assert len(sent) == 2 * tickets and set(sent.values()) == {1}, "a page step fired twice or not at all"
        assert messages == 3 * tickets  # bob, erin, and the manager's notification, once per ticket
        assert sum(per_worker) == 3 * tickets  # the two processes shared the work without overlap
        if engine.dialect.name == "postgresql":  # on SQLite one process may win every race for the lock
            assert all(n > 0 for n in per_worker), f"one worker did everything: {per_worker}"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_sweeper_killed_mid_sweep_loses_and_repeats_nothing_after_restart(engine: Engine) -> None:  # noqa: F811
    tickets = 120
    _open_and_start(engine, tickets)
    location = _location(engine)
    late = ["--from", (T0 + timedelta(minutes=20)).isoformat(), "--minutes", "0", "--limit", "40"]
    victim = _worker(location, *late, "--pause-after", "170")
    assert victim.stdout is not None
    line = victim.stdout.readline()
    assert line.strip() == MID, victim.stderr.read() if victim.stderr else line
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=60)
    committed, _ = _fired(engine)
    # 40 tickets x 3 steps = 120 fires committed in the first sweep; the second was killed at 170
    assert sum(committed.values()) == 2 * 40
    restart = _worker(location, *late)
    out, err = restart.communicate(timeout=600)
    assert restart.returncode == 0, err
    assert int(out.split()[-1]) == 3 * (tickets - 40)
    sent, messages = _fired(engine)
    assert len(sent) == 2 * tickets and set(sent.values()) == {1}
    assert messages == 3 * tickets
    again = _worker(location, *late)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0 and int(out.split()[-1]) == 0, err


def _main() -> None:
    """Worker: sweep at every minute from --from for --minutes, until nothing is due; print the count."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema")
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--minutes", type=int, default=0)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--pause-after", type=int)
    args = parser.parse_args()
    db = _engine_for(args.url, args.schema)
    if args.pause_after is not None:
        _pause_mid_sweep(args.pause_after)
    start = datetime.fromisoformat(args.start)
    fired = 0
    for minute in range(args.minutes * 2 + 1):
        now = start + timedelta(seconds=30 * minute)
        while True:
            report = sweep(uow=SqlEscalationUnitOfWork(db), desk=DESK, now=now, limit=args.limit)
            fired += len(report.fired)
            if report.claimed == 0:
                break
    print(fired, flush=True)


def _pause_mid_sweep(after: int) -> None:
    """Stop forever inside the sweep's transaction after `after` steps fired, so the parent can SIGKILL us."""
    from deskops.core.services import escalation

    original = escalation._fire
    count = 0

    def fire_then_maybe_hang(*args: object, **kwargs: object) -> tuple[str, ...]:
        nonlocal count
        count += 1
        if count > after:
            print(MID, flush=True)
            while True:
                time.sleep(60)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    escalation._fire = fire_then_maybe_hang  # type: ignore[assignment]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    _main()
