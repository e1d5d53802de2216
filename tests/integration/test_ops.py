"""Ops endpoints over real HTTP: /healthz, /readyz (database, migrations, outbox, scheduler), /metrics."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from deskops.bot.commands.model import Actor
from deskops.bot.ops.server import OpsServer
from deskops.bot.runtime import Runtime, Settings

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[Runtime, str]]:
    """A desk on the simulated clock with its ops server on a free loopback port."""
    runtime = Runtime.build(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'desk.db'}", config_path=REPO / "config/desk.yaml", clock_start=START
        )
    )
    runtime.start()
    server = OpsServer(runtime, 0)
    server.start()
    try:
        yield runtime, f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()
        runtime.stop()


def test_healthz_and_readyz_answer_when_all_is_well(desk: tuple[Runtime, str]) -> None:
    _runtime, base = desk
    status, body = _get(base + "/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, body = _get(base + "/readyz")
    report = json.loads(body)
    assert status == 200 and report["ready"] is True
    assert set(report["checks"]) == {"database", "outbox", "scheduler"}


def test_readyz_says_503_when_notifications_are_stuck(desk: tuple[Runtime, str]) -> None:
    runtime, base = desk
    runtime.notifier.deliverers.clear()  # no platform to deliver through: the new ticket's notification waits
    assert runtime.dispatcher.dispatch_text('/ticket open "Printer jams" --category hardware', Actor("dave")).ok
    runtime.advance_clock(START + timedelta(minutes=10))
    status, body = _get(base + "/readyz")
    report = json.loads(body)
    assert status == 503 and report["ready"] is False
    assert report["checks"]["outbox"]["ok"] is False and "deskops db outbox" in report["checks"]["outbox"]["detail"]
    assert report["checks"]["database"]["ok"] is True


def test_readyz_says_503_when_the_schema_is_behind(desk: tuple[Runtime, str]) -> None:
    runtime, base = desk
    with runtime.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001_tickets'"))
    status, body = _get(base + "/readyz")
    check = json.loads(body)["checks"]["database"]
    assert status == 503 and not check["ok"] and "deskops db upgrade" in check["detail"]


def test_readyz_reports_a_stopped_scheduler_on_the_real_clock(tmp_path: Path) -> None:
    runtime = Runtime.build(
        Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}", config_path=REPO / "config/desk.yaml")
    )
    server = OpsServer(runtime, 0)
    server.start()
    try:
        status, body = _get(f"http://127.0.0.1:{server.port}/readyz")
        assert status == 503 and not json.loads(body)["checks"]["scheduler"]["ok"]
        runtime.start()
        status, _body = _get(f"http://127.0.0.1:{server.port}/readyz")
        assert status == 200
    finally:
        server.stop()
        runtime.stop()


def test_metrics_count_tickets_outbox_commands_and_jobs(desk: tuple[Runtime, str]) -> None:
    runtime, base = desk
    say = runtime.dispatcher.dispatch_text
    assert say('/ticket open "VPN drops" --urgency high --impact high', Actor("dave")).ok
    assert say('/ticket open "Printer jams" --category hardware', Actor("erin")).ok
    assert say("/ticket assign INC-2 me", Actor("alice")).ok
    assert not say("/ticket show INC-99", Actor("alice")).ok
    runtime.advance_clock(START + timedelta(minutes=1))
    status, body = _get(base + "/metrics")
    assert status == 200
    got = _samples(body)
    assert got[("deskops_tickets", (("state", "new"),))] == 1
    assert got[("deskops_tickets", (("state", "assigned"),))] == 1
    assert got[("deskops_tickets", (("state", "resolved"),))] == 0
    assert got[("deskops_outbox_backlog", ())] >= 2  # no chat platform reaches the groups in this test
    assert got[("deskops_outbox_failing", ())] >= 1
    assert got[("deskops_outbox_deliveries_total", (("outcome", "failed"),))] >= 1
    assert got[("deskops_database_up", ())] == 1
    assert got[("deskops_command_seconds_count", (("command", "ticket.open"), ("outcome", "ok")))] == 2
    assert got[("deskops_command_seconds_count", (("command", "ticket.show"), ("outcome", "refused")))] == 1
    assert got[("deskops_job_duration_seconds_count", (("job", "outbox.deliver"),))] == 6  # every 10 s for 1 min
    assert ("deskops_sla_clocks_at_risk", ()) in got and ("deskops_sla_clocks_breached", ()) in got


def test_sla_clocks_at_risk_and_breached_follow_the_clock(tmp_path: Path) -> None:
    from deskops.bot.ops.metrics import sla_counts

    runtime = Runtime.build(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'd.db'}", config_path=REPO / "config/desk.yaml", clock_start=START
        )
    )
    try:
        assert runtime.dispatcher.dispatch_text(
            '/ticket open "VPN down" --urgency high --impact high', Actor("dave")
        ).ok
        assert sla_counts(runtime) == (0, 0)
        runtime.clock.set(START + timedelta(days=30))  # type: ignore[attr-defined]
        at_risk, breached = sla_counts(runtime)
        assert at_risk == 0 and breached >= 1
    finally:
        runtime.stop()


def test_metrics_still_answer_when_the_database_is_gone(desk: tuple[Runtime, str], tmp_path: Path) -> None:
    runtime, base = desk
    from deskops.core.persistence.db import make_engine

    runtime.engine.dispose()
    runtime.engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    status, body = _get(base + "/metrics")
    assert status == 200 and _samples(body)[("deskops_database_up", ())] == 0
    status, body = _get(base + "/readyz")
    assert status == 503 and "cannot read the database" in json.loads(body)["checks"]["database"]["detail"]
