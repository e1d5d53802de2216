"""Interfaces over real sockets: a supplier hand-off sent as a signed webhook to a local HTTP server,
the supplier's signed update through the desk's own Starlette app (served by uvicorn), a forged
and a replayed update refused with nothing changed, the UC breached while the customer SLA is met;
an e-mail hand-off received by a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from deskops.bot.notify import OutboxDelivery
from deskops.bot.webhooks import InterfaceDeliverer, build_app
from deskops.core import services
from deskops.core.clock import ManualClock
from deskops.core.config.desk import DeskConfig
from deskops.core.errors import Forbidden, InvalidInput
from deskops.core.interfaces import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.tables import OutboxRow, TicketEventRow
from deskops.core.persistence.uow import SqlUnitOfWork
from deskops.core.services import Desk
from deskops.core.services.interfaces import hand_off
from deskops.core.sla import ClockState
from deskops.core.sla.service import SlaEngine, ticket_clocks

T0 = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
SECRET = "s3cret-shared-with-the-carrier"
TARGETS = {p: {"response": "30m", "resolution": "1h"} for p in ("P1", "P2", "P3", "P4")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def config(channel: dict[str, Any]) -> DeskConfig:
    return DeskConfig.model_validate({
        "calendars": {"always": {"timezone": "UTC", "hours": "24x7"}},
        "people": {"alice": {"name": "Alice"}, "dave": {"name": "Dave"}},
        "groups": {"network": {"members": ["alice"]}},
        "categories": {"network": {"default_group": "network"}},
        "agreements": {
            "customer-sla": {"calendar": "always", "targets": {p: {"resolution": "8h"} for p in TARGETS}},
            "carrier-uc": {"kind": "uc", "calendar": "always", "match": {"categories": ["network"]},
                           "targets": TARGETS},
        },
        "interfaces": {"carrier": {"kind": "supplier", "agreement": "carrier-uc", "secret_env": "CARRIER_SECRET",
                                   **channel}},
    })  # fmt: skip


class Received(BaseHTTPRequestHandler):
    """A supplier's endpoint: keeps every request it gets."""

    got: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Received.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def supplier() -> Iterator[str]:
    Received.got = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Received)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tickets"
    server.shutdown()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    ensure_schema(engine)
    yield engine
    engine.dispose()


def serve(app: Any) -> tuple[str, uvicorn.Server]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    for _ in range(200):
        if server.started:
            return f"http://127.0.0.1:{port}", server
        time.sleep(0.02)
    raise RuntimeError("uvicorn did not start")


def post(url: str, body: dict[str, Any], *, secret: str, at: datetime) -> tuple[int, dict[str, Any]]:
    raw = json.dumps(body).encode()
    stamp = int(at.timestamp())
    request = urllib.request.Request(url, data=raw, method="POST", headers={
        "Content-Type": "application/json", TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: sign(secret, stamp, raw)})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def handoffs(keys: list[str]) -> int:
    return sum(":handoff:" in key for key in keys)


def event_count(db: Engine) -> int:
    with Session(db) as session:
        return int(session.execute(select(func.count()).select_from(TicketEventRow)).scalar_one())


def test_supplier_handoff_webhook_uc_breached_while_sla_met(db: Engine, supplier: str) -> None:
    cfg = config({"webhook": supplier})
    desk, engine, clock = Desk.from_config(cfg), SlaEngine.from_config(cfg), ManualClock(T0)
    ref = services.open_ticket(uow=SqlUnitOfWork(db), desk=desk, actor="dave", title="WAN link down", now=T0,
                               category="network").ticket.ref  # fmt: skip
    handed = hand_off(uow=SqlUnitOfWork(db), desk=desk, actor="alice", ref=ref, to="carrier",
                      note="line down since 08:00", now=T0 + timedelta(minutes=10))  # fmt: skip
    assert (handed.state, handed.pending_reason) == ("pending", "supplier")

    # The outbox sends the hand-off: a signed JSON body the supplier can verify.
    delivery = OutboxDelivery(db, [InterfaceDeliverer(cfg, {"CARRIER_SECRET": SECRET})])
    report = delivery.deliver_due(T0 + timedelta(minutes=11))
    assert handoffs(report.delivered) == 1  # (the group's chat notice has no chat platform here)
    headers, body = Received.got[0]
    verify(SECRET, headers[TIMESTAMP_HEADER.lower()], headers[SIGNATURE_HEADER.lower()], body, datetime.now(UTC))
    sent = json.loads(body)
    assert (sent["ticket"], sent["note"], sent["reply"]["path"]) == (ref, "line down since 08:00", "/hooks/carrier")

    base, server = serve(build_app(desk=desk, uow_factory=lambda: SqlUnitOfWork(db), clock=clock,
                                   environ={"CARRIER_SECRET": SECRET}))  # fmt: skip
    try:
        url = f"{base}/hooks/carrier"
        clock.set(T0 + timedelta(minutes=40))
        status, answer = post(url, {"ticket": ref, "status": "update", "text": "engineer dispatched"}, secret=SECRET,
                              at=clock.now())  # fmt: skip
        assert status == 200 and answer["state"] == "pending"

        # A forged update (wrong secret) and a stale one are refused; nothing changes.
        before = event_count(db)
        forged = post(url, {"ticket": ref, "status": "resolved", "text": "fixed"}, secret="guess", at=clock.now())
        stale = post(url, {"ticket": ref, "status": "resolved", "text": "fixed"}, secret=SECRET,
                     at=clock.now() - timedelta(minutes=10))  # fmt: skip
        assert forged[0] == 401 and stale[0] == 401
        assert event_count(db) == before

        clock.set(T0 + timedelta(hours=2))  # the supplier took 1h50m of its 1h
        resolved_body = {"ticket": ref, "status": "resolved", "text": "fibre spliced", "external_ref": "CAR-991"}
        stamp = int(clock.now().timestamp())
        raw = json.dumps(resolved_body).encode()
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: str(stamp),
                   SIGNATURE_HEADER: sign(SECRET, stamp, raw)}  # fmt: skip
        first = urllib.request.urlopen(urllib.request.Request(url, data=raw, method="POST", headers=headers))
        assert json.loads(first.read())["state"] == "assigned"  # back in the desk's queue
        after = event_count(db)
        with pytest.raises(urllib.error.HTTPError) as replay:  # the same signed delivery again
            urllib.request.urlopen(urllib.request.Request(url, data=raw, method="POST", headers=headers))
        assert replay.value.code == 409 and event_count(db) == after
    finally:
        server.should_exit = True

    services.resolve(uow=SqlUnitOfWork(db), desk=desk, actor="alice", ref=ref, resolution_code="fixed",
                     now=T0 + timedelta(hours=3))  # fmt: skip
    clocks = ticket_clocks(uow=SqlUnitOfWork(db), desk=desk, engine=engine, actor="alice", ref=ref,
                           now=T0 + timedelta(hours=4)).clocks  # fmt: skip
    by = {(c.agreement, str(c.clock)): c for c in clocks}
    assert by[("carrier-uc", "resolution")].state == ClockState.BREACHED
    assert by[("carrier-uc", "resolution")].consumed == timedelta(hours=1, minutes=50)
    assert by[("customer-sla", "resolution")].state == ClockState.MET
    detail = services.get_ticket(uow=SqlUnitOfWork(db), desk=desk, actor="alice", ref=ref)
    assert any("[carrier] fibre spliced" in c.text for c in detail.comments)


class Inbox:
    """An aiosmtpd handler that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 Message accepted for delivery"


def test_email_handoff_reaches_a_real_smtp_server(db: Engine) -> None:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        cfg = config({"email": {"to": "noc@carrier.example", "from": "desk@example.com", "smtp_host": "127.0.0.1",
                                "smtp_port": port}})  # fmt: skip
        desk = Desk.from_config(cfg)
        ref = services.open_ticket(uow=SqlUnitOfWork(db), desk=desk, actor="dave", title="MPLS flapping", now=T0,
                                   description="Site B loses the link every 10 minutes",
                                   category="network").ticket.ref  # fmt: skip
        hand_off(uow=SqlUnitOfWork(db), desk=desk, actor="alice", ref=ref, to="carrier", note="please check PE-2",
                 now=T0)  # fmt: skip
        delivery = OutboxDelivery(db, [InterfaceDeliverer(cfg, {"CARRIER_SECRET": SECRET})])
        assert handoffs(delivery.deliver_due(T0 + timedelta(minutes=1)).delivered) == 1
        assert handoffs(delivery.deliver_due(T0 + timedelta(hours=2)).delivered) == 0  # sent once
    finally:
        controller.stop()
    ((sender, recipients, content),) = inbox.messages
    assert sender == "desk@example.com" and recipients == ["noc@carrier.example"]
    assert f"Subject: [{ref}] MPLS flapping" in content
    assert "please check PE-2" in content and "Site B loses the link" in content


def test_handoff_refusals_change_nothing(db: Engine) -> None:
    desk = Desk.from_config(config({"webhook": "http://127.0.0.1:9/x"}))
    ref = services.open_ticket(uow=SqlUnitOfWork(db), desk=desk, actor="dave", title="x", now=T0,
                               category="network").ticket.ref  # fmt: skip
    before = event_count(db)
    with pytest.raises(Exception, match="no interface 'nobody'"):
        hand_off(uow=SqlUnitOfWork(db), desk=desk, actor="alice", ref=ref, to="nobody", now=T0)
    with pytest.raises(Forbidden):
        hand_off(uow=SqlUnitOfWork(db), desk=desk, actor="dave", ref=ref, to="carrier", now=T0)
    hand_off(uow=SqlUnitOfWork(db), desk=desk, actor="alice", ref=ref, to="carrier", now=T0)
    with pytest.raises(InvalidInput, match="already with carrier"):
        hand_off(uow=SqlUnitOfWork(db), desk=desk, actor="alice", ref=ref, to="carrier", now=T0)
    assert event_count(db) == before + 2  # HandedOff + StateChanged, nothing from the refusals


def test_security_handoff_makes_the_ticket_confidential(db: Engine) -> None:
    base = config({"webhook": "http://127.0.0.1:9/x"}).model_dump(by_alias=True)
    base["categories"]["security"] = {"default_group": "network", "confidential": True}
    base["agreements"]["soc-ola"] = {"kind": "ola", "calendar": "always", "targets": TARGETS}
    soc = {"kind": "security", "agreement": "soc-ola", "secret_env": "SOC_SECRET", "webhook": "http://127.0.0.1:9/soc"}
    with pytest.raises(ValueError, match="security interface needs a confidential category"):
        DeskConfig.model_validate({**base, "interfaces": {"soc": soc}})
    desk = Desk.from_config(DeskConfig.model_validate({**base, "interfaces": {"soc": {**soc, "category": "security"}}}))
    ref = services.open_ticket(uow=SqlUnitOfWork(db), desk=desk, actor="dave", title="Phishing mail opened", now=T0,
                               description="clicked the link, typed my password").ticket.ref  # fmt: skip
    handed = hand_off(uow=SqlUnitOfWork(db), desk=desk, actor="alice", ref=ref, to="soc", now=T0)
    assert handed.category == "security" and desk.directory.is_confidential(handed.category)
    with Session(db) as session:
        payload = session.execute(select(OutboxRow.payload).where(OutboxRow.kind == "interface.handoff")).scalar_one()
    assert payload["confidential"] is True
