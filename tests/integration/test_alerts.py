"""Alert intake over real HTTP (the desk's Starlette app under uvicorn, SQLite store): the same alert
posted three times opens one incident; its resolution resolves it; firing again reopens it; the
Alertmanager format with a bearer token; unsigned or wrongly signed posts change nothing."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from deskops.bot.webhooks import build_app
from deskops.core import services
from deskops.core.alerts import Alert
from deskops.core.clock import ManualClock
from deskops.core.config.desk import DeskConfig
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.tables import TicketEventRow, TicketRow
from deskops.core.persistence.uow import SqlUnitOfWork
from deskops.core.services import Desk
from deskops.core.services.alerts import take_alert
from tests.integration.test_interfaces import post, serve
from tests.integration.test_store import engine  # noqa: F401  (the SQLite/PostgreSQL store fixture)

T0 = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
SECRET = "alerts-secret"
CONFIG = DeskConfig.model_validate({
    "people": {"alice": {"name": "Alice"}},
    "groups": {"network": {"members": ["alice"]}},
    "categories": {"network": {"default_group": "network"}},
    "alerts": {"sources": {"prometheus": {"secret_env": "ALERTS_SECRET", "category": "network", "urgency": "high",
                                          "impact": "medium"}}},
})  # fmt: skip
DESK = Desk.from_config(CONFIG)


@pytest.fixture
def desk_http(tmp_path: Path) -> Iterator[tuple[str, Engine, ManualClock]]:
    db = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    ensure_schema(db)
    clock = ManualClock(T0)
    base, server = serve(build_app(desk=DESK, uow_factory=lambda: SqlUnitOfWork(db), clock=clock,
                                   environ={"ALERTS_SECRET": SECRET}))  # fmt: skip
    yield base, db, clock
    server.should_exit = True
    db.dispose()


def counts(db: Engine) -> tuple[int, int]:
    with Session(db) as session:
        tickets = session.execute(select(func.count()).select_from(TicketRow)).scalar_one()
        events = session.execute(select(func.count()).select_from(TicketEventRow)).scalar_one()
    return int(tickets), int(events)


def bearer_post(url: str, body: dict[str, Any], token: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_same_alert_three_times_is_one_incident_resolved_with_the_alert(
    desk_http: tuple[str, Engine, ManualClock],
) -> None:
    base, db, clock = desk_http
    url = f"{base}/alerts/generic?source=prometheus"
    alert = {"fingerprint": "core-sw-1-down", "status": "firing", "title": "core-sw-1 unreachable",
             "description": "ICMP loss 100% for 5m", "labels": {"host": "core-sw-1"}}  # fmt: skip
    actions = []
    for minutes in (0, 5, 10):
        clock.set(T0 + timedelta(minutes=minutes))
        status, answer = post(url, alert, secret=SECRET, at=clock.now())
        assert status == 200, answer
        actions.append(answer["alerts"][0]["action"])
    assert actions == ["opened", "repeated", "repeated"]
    assert counts(db)[0] == 1
    ref = answer["alerts"][0]["ticket"]
    ticket = services.get_ticket(uow=SqlUnitOfWork(db), desk=DESK, actor="alice", ref=ref).ticket
    assert (ticket.kind, ticket.group, ticket.priority, ticket.state) == ("incident", "network", "P2", "new")

    clock.set(T0 + timedelta(minutes=20))
    status, answer = post(url, {**alert, "status": "resolved"}, secret=SECRET, at=clock.now())
    assert answer["alerts"][0]["action"] == "resolved"
    assert services.get_ticket(uow=SqlUnitOfWork(db), desk=DESK, actor="alice", ref=ref).ticket.state == "resolved"

    clock.set(T0 + timedelta(minutes=30))
    status, answer = post(url, alert, secret=SECRET, at=clock.now())
    assert answer["alerts"][0] == {"fingerprint": "core-sw-1-down", "action": "reopened", "ticket": ref}
    assert counts(db)[0] == 1


def test_alertmanager_format_with_bearer_token(desk_http: tuple[str, Engine, ManualClock]) -> None:
    base, db, _clock = desk_http
    url = f"{base}/alerts/alertmanager?source=prometheus"
    firing = {
        "version": "4", "status": "firing", "receiver": "deskops", "groupKey": "{}:{alertname=\"DiskFull\"}",
        "alerts": [
            {"status": "firing", "labels": {"alertname": "DiskFull", "instance": "db1:9100"},
             "annotations": {"summary": "Disk almost full", "description": "/var at 96%"},
             "startsAt": "2026-06-15T07:58:00Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "a1b2c3"},
            {"status": "firing", "labels": {"alertname": "DiskFull", "instance": "db2:9100"},
             "annotations": {"summary": "Disk almost full"}, "fingerprint": "d4e5f6"},
        ],
    }  # fmt: skip
    status, answer = bearer_post(url, firing, SECRET)
    assert status == 200 and [a["action"] for a in answer["alerts"]] == ["opened", "opened"]
    refs = [a["ticket"] for a in answer["alerts"]]
    titles = [services.get_ticket(uow=SqlUnitOfWork(db), desk=DESK, actor="alice", ref=r).ticket.title for r in refs]
    assert titles == ["Disk almost full (db1:9100)", "Disk almost full (db2:9100)"]

    resolved = {**firing, "status": "resolved", "alerts": [{**firing["alerts"][0], "status": "resolved"}]}  # type: ignore[dict-item]
    status, answer = bearer_post(url, resolved, SECRET)
    assert answer["alerts"][0]["action"] == "resolved"
    states = [services.get_ticket(uow=SqlUnitOfWork(db), desk=DESK, actor="alice", ref=r).ticket.state for r in refs]
    assert states == ["resolved", "new"]


def test_unauthenticated_or_bad_posts_change_nothing(desk_http: tuple[str, Engine, ManualClock]) -> None:
    base, db, clock = desk_http
    alert = {"fingerprint": "x", "status": "firing", "title": "x"}
    generic = f"{base}/alerts/generic?source=prometheus"
    assert bearer_post(generic, alert, "wrong")[0] == 401
    assert post(generic, alert, secret="forged", at=clock.now())[0] == 401
    assert post(f"{base}/alerts/generic?source=nagios", alert, secret=SECRET, at=clock.now())[0] == 404
    assert post(generic, {"status": "firing"}, secret=SECRET, at=clock.now())[0] == 400  # no title
    assert post(generic, {**alert, "status": "sleeping"}, secret=SECRET, at=clock.now())[0] == 400
    assert counts(db) == (0, 0)


def test_racing_posts_of_one_alert_open_one_incident(engine: Engine) -> None:  # noqa: F811
    """On SQLite and PostgreSQL: the request-id uniqueness makes the losers of the race see the winner."""
    alert = Alert(fingerprint="flap", status="firing", title="BGP session flapping")
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda _: take_alert(uow=SqlUnitOfWork(engine), desk=DESK, source="prometheus",
                                                      alert=alert, now=T0), range(4)))  # fmt: skip
    assert sorted(o.action for o in outcomes) == ["opened", "repeated", "repeated", "repeated"]
    assert len({o.ticket for o in outcomes}) == 1 and counts(engine)[0] == 1
