"""Routing rules: category, service, location and department → group, for incidents and requests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from deskops.core import services
from deskops.core.config.desk import DeskConfig
from deskops.core.persistence.db import ensure_schema, make_engine
from deskops.core.persistence.uow import SqlUnitOfWork
from deskops.core.routing import route
from deskops.core.services import Desk
from deskops.core.services.requests import submit_request

T0 = datetime(2026, 6, 15, 8, tzinfo=UTC)
BASE = {
    "people": {n: {"name": n.title()} for n in ("alice", "dave", "erin", "bob")},
    "groups": {g: {"members": ["alice"]} for g in ("service-desk", "network", "geneva-desk", "finance-it",
                                                    "workplace")},
    "categories": {"network": {"default_group": "network"}, "hardware": {"default_group": "service-desk"}},
    "routing": {
        "locations": {"geneva": ["erin"]},
        "departments": {"finance": ["dave"]},
        "rules": [
            {"categories": ["network"], "locations": ["geneva"], "group": "geneva-desk"},
            {"departments": ["finance"], "kinds": ["incident"], "group": "finance-it"},
            {"services": ["laptops"], "group": "workplace"},
        ],
    },
    "catalog": {"laptop": {"title": "Laptop", "service": "laptops", "group": "service-desk"},
                "mouse": {"title": "Mouse", "group": "service-desk"}},
}  # fmt: skip
CONFIG = DeskConfig.model_validate(BASE)


@pytest.mark.parametrize(
    ("kind", "requester", "category", "service", "group"),
    [
        ("incident", "erin", "network", None, "geneva-desk"),  # location + category
        ("incident", "bob", "network", None, None),  # no rule: the caller falls back to the category
        ("incident", "dave", "hardware", None, "finance-it"),  # department, incidents only
        ("service_request", "dave", None, "mice", None),
        ("service_request", "bob", None, "laptops", "workplace"),
    ],
)
def test_first_matching_rule_wins(kind: str, requester: str, category: str | None, service: str | None,
                                  group: str | None) -> None:  # fmt: skip
    assert route(CONFIG.routing, kind=kind, requester=requester, category=category, service=service) == group


def test_bad_rules_name_their_path() -> None:
    broken = {**BASE, "routing": {"departments": {"ops": ["zed"]},
                                  "rules": [{"locations": ["mars"], "group": "nowhere"}]}}  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        DeskConfig.model_validate(broken)
    text = str(caught.value)
    for fragment in ("routing.departments.ops: unknown person 'zed'", "routing.rules[0].group: unknown group",
                     "routing.rules[0].locations: unknown location 'mars'"):  # fmt: skip
        assert fragment in text


def test_open_ticket_and_requests_are_routed(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    ensure_schema(engine)
    desk = Desk.from_config(CONFIG)
    uow = SqlUnitOfWork(engine)
    erin = services.open_ticket(uow=uow, desk=desk, actor="erin", title="Wi-Fi down", category="network", now=T0)
    bob = services.open_ticket(uow=uow, desk=desk, actor="bob", title="Wi-Fi down", category="network", now=T0)
    dave = services.open_ticket(uow=uow, desk=desk, actor="dave", title="Excel crashes", now=T0)
    assert (erin.ticket.group, bob.ticket.group, dave.ticket.group) == ("geneva-desk", "network", "finance-it")
    laptop = submit_request(uow=uow, desk=desk, actor="dave", request_type="laptop", values={}, now=T0)
    mouse = submit_request(uow=uow, desk=desk, actor="dave", request_type="mouse", values={}, now=T0)
    assert (laptop.ticket.group, mouse.ticket.group) == ("workplace", "service-desk")
    engine.dispose()
