"""Outbox delivery on a real SQLite store: claim, deliver, retry with backoff, give up, never twice at once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from deskops.bot.notify import DeliveryError, Notification, OutboxDelivery, RetryPolicy
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.tables import OutboxRow

T0 = datetime(2026, 6, 15, 7, 0, tzinfo=UTC)


class Recorder:
    """A deliverer that fails the first `failures` times, then records what it sent."""

    platform = "test"

    def __init__(self, failures: int = 0, reach: str = "") -> None:
        self.failures = failures
        self.reach = reach
        self.sent: list[Notification] = []

    def can_reach(self, recipient: str) -> bool:
        return recipient.startswith(self.reach)

    def deliver(self, notification: Notification) -> None:
        if self.failures:
            self.failures -= 1
            raise DeliveryError("platform unavailable")
        self.sent.append(notification)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh store: a SQLite file, or a schema of its own on PostgreSQL (so tests never collide)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
        ensure_schema(engine)
        yield engine
        engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"outbox_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        ensure_schema(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _queue(engine: Engine, key: str, recipient: str = "dave", at: datetime = T0) -> None:
    with Session(engine) as session:
        session.add(
            OutboxRow(
                idempotency_key=key,
                kind="ticket.update",
                recipient=recipient,
                payload={"text": f"INC-1: news for {recipient}", "ticket": "INC-1"},
                created_at=at,
                next_attempt_at=at,
            )
        )
        session.commit()


def _row(engine: Engine, key: str) -> OutboxRow:
    with Session(engine) as session:
        return session.exec(select(OutboxRow).where(OutboxRow.idempotency_key == key)).one()


def test_delivers_and_marks_delivered(engine: Engine) -> None:
    _queue(engine, "1:1:requester")
    recorder = Recorder()
    report = OutboxDelivery(engine, [recorder]).deliver_due(T0)
    assert report.delivered == ["1:1:requester"]
    assert [n.text for n in recorder.sent] == ["INC-1: news for dave"]
    assert recorder.sent[0].ticket_ref == "INC-1"
    row = _row(engine, "1:1:requester")
    assert row.delivered_at == T0 and row.attempts == 1 and row.last_error is None
    assert OutboxDelivery(engine, [recorder]).deliver_due(T0 + timedelta(hours=1)).delivered == []


def test_failure_is_retried_after_backoff(engine: Engine) -> None:
    _queue(engine, "k")
    recorder = Recorder(failures=2)
    delivery = OutboxDelivery(engine, [recorder], RetryPolicy(first=timedelta(seconds=30)))
    assert delivery.deliver_due(T0).failed == [("k", "DeliveryError: platform unavailable")]
    row = _row(engine, "k")
    assert row.next_attempt_at == T0 + timedelta(seconds=30) and row.delivered_at is None
    assert row.last_error == "DeliveryError: platform unavailable"
    assert delivery.deliver_due(T0 + timedelta(seconds=29)).failed == []  # not due yet
    assert delivery.deliver_due(T0 + timedelta(seconds=30)).failed  # second failure: waits 60 s
    assert _row(engine, "k").next_attempt_at == T0 + timedelta(seconds=90)
    assert delivery.deliver_due(T0 + timedelta(seconds=90)).delivered == ["k"]
    assert _row(engine, "k").attempts == 3


def test_backoff_doubles_up_to_the_longest_wait() -> None:
    policy = RetryPolicy(first=timedelta(seconds=30), longest=timedelta(minutes=5))
    assert [policy.delay(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]


def test_gives_up_after_the_last_attempt_and_keeps_the_row(engine: Engine) -> None:
    _queue(engine, "k")
    delivery = OutboxDelivery(engine, [Recorder(failures=5)], RetryPolicy(attempts=2))
    delivery.deliver_due(T0)
    delivery.deliver_due(T0 + timedelta(hours=1))
    assert delivery.deliver_due(T0 + timedelta(days=1)).failed == []  # no third attempt
    row = _row(engine, "k")
    assert row.attempts == 2 and row.delivered_at is None
    assert row.last_error is not None and row.last_error.startswith("gave up after 2 attempts")
    assert delivery.pending_count() == 1


def test_a_claimed_row_is_not_sent_by_a_second_instance(engine: Engine) -> None:
    _queue(engine, "k")
    first, second = OutboxDelivery(engine, [Recorder()]), OutboxDelivery(engine, [Recorder()])
    claimed = first.claim(T0, limit=10)
    assert [n.key for n in claimed] == ["k"]
    assert second.claim(T0, limit=10) == []  # the lease keeps it with the first instance
    # If the first instance dies before marking it, the row comes back after the lease.
    assert [n.key for n in second.claim(T0 + RetryPolicy().lease, limit=10)] == ["k"]


def test_rows_go_to_the_platform_that_reaches_the_recipient(engine: Engine) -> None:
    _queue(engine, "a", recipient="group:network")
    _queue(engine, "b", recipient="dave")
    groups, people = Recorder(reach="group:"), Recorder(reach="")
    report = OutboxDelivery(engine, [groups, people]).deliver_due(T0)
    assert sorted(report.delivered) == ["a", "b"]
    assert [n.group for n in groups.sent] == ["network"]
    assert [n.recipient for n in people.sent] == ["dave"]


def test_unreachable_recipient_is_kept_with_the_reason(engine: Engine) -> None:
    _queue(engine, "k", recipient="erin")
    report = OutboxDelivery(engine, [Recorder(reach="group:")]).deliver_due(T0)
    assert report.failed and "no platform (test) can reach 'erin'" in report.failed[0][1]


def test_without_any_deliverer_nothing_is_claimed(engine: Engine) -> None:
    _queue(engine, "k")
    assert OutboxDelivery(engine).deliver_due(T0).delivered == []
    assert _row(engine, "k").attempts == 0


def test_instances_claiming_at_once_never_share_a_row(engine: Engine) -> None:
    for index in range(60):
        _queue(engine, f"k{index}")
    instances = [OutboxDelivery(engine, [Recorder()]) for _ in range(4)]
    claimed: list[list[str]] = [[] for _ in instances]
    barrier = threading.Barrier(len(instances))

    def work(slot: int) -> None:
        barrier.wait()
        for _ in range(10):
            claimed[slot].extend(n.key for n in instances[slot].claim(T0, limit=7))

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(len(instances))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [key for keys in claimed for key in keys]
    assert sorted(every) == sorted(f"k{index}" for index in range(60))  # each row exactly once


def test_given_up_rows_are_listed_and_can_be_revived(engine: Engine) -> None:
    _queue(engine, "k")
    delivery = OutboxDelivery(engine, [Recorder(failures=1)], RetryPolicy(attempts=1))
    delivery.deliver_due(T0)
    [row] = delivery.undelivered()
    assert (row["key"], row["attempts"], row["gave_up"]) == ("k", 1, True)
    assert row["last_error"].startswith("gave up after 1 attempts")
    later = T0 + timedelta(days=1)
    assert delivery.retry_given_up(later) == 1
    assert delivery.deliver_due(later).delivered == ["k"]
    assert delivery.undelivered() == []


def test_db_outbox_command_shows_what_waits(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from deskops.bot.cli import app

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    _queue(engine, "1:2:requester", recipient="erin")
    engine.dispose()
    result = CliRunner().invoke(app, ["db", "outbox", "--database", url, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["undelivered"] == 1
    assert document["rows"][0]["recipient"] == "erin" and document["rows"][0]["gave_up"] is False
