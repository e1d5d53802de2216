"""Service requests on real stores: a form, a two-step approval, two parallel tasks, the SLA measured
from approval; a rejected request; refusals that change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from deskops.core.config.desk import DeskConfig
from deskops.core.errors import Forbidden, InvalidInput, InvalidTransition
from deskops.core.events import EventType
from deskops.core.persistence.tables import OutboxRow, TicketEventRow
from deskops.core.persistence.uow import SqlUnitOfWork
from deskops.core.requests import RequestPhase
from deskops.core.services import Desk
from deskops.core.services.requests import (
    APPROVAL_KIND,
    awaiting_my_approval,
    complete_task,
    decide_request,
    remind_approvers,
    show_request,
    submit_request,
)
from deskops.core.sla import ClockState
from deskops.core.sla.service import SlaEngine, ticket_clocks
from tests.integration.test_store import engine  # noqa: F401  (the SQLite/PostgreSQL store fixture)

T0 = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
CONFIG = DeskConfig.model_validate(
    {
        "calendars": {"always": {"timezone": "UTC", "hours": "24x7"}},
        "people": {
            "dave": {"name": "Dave", "manager": "carol"},
            "carol": {"name": "Carol"},
            "fiona": {"name": "Fiona"},
            "frank": {"name": "Frank"},
            "wendy": {"name": "Wendy"},
            "ian": {"name": "Ian"},
        },
        "groups": {
            "finance": {"members": ["fiona", "frank"]},
            "workplace": {"members": ["wendy"]},
            "identity": {"members": ["ian"]},
        },
        "agreements": {
            "workplace-sla": {
                "calendar": "always",
                "match": {"services": ["laptops"]},
                "targets": {p: {"response": "4h", "resolution": "8h"} for p in ("P1", "P2", "P3", "P4")},
            }
        },
        "catalog": {
            "new-laptop": {
                "title": "New laptop",
                "service": "laptops",
                "group": "workplace",
                "agreement": "workplace-sla",
                "form": {
                    "model": {"type": "choice", "choices": ["standard", "developer"], "required": True},
                    "needed_by": {"type": "date"},
                    "quantity": {"type": "number", "min": 1, "max": 3},
                },
                "approvals": [
                    {"name": "manager", "approvers": ["manager"]},
                    {"name": "budget", "approvers": ["group:finance"], "rule": "all"},
                ],
                "tasks": [
                    {"title": "Prepare the laptop", "group": "workplace"},
                    {"title": "Create the accounts", "group": "identity"},
                ],
            }
        },
    }
)
DESK = Desk.from_config(CONFIG)
SLA = SlaEngine.from_config(CONFIG)
FORM = {"model": "developer", "needed_by": "2026-07-01", "quantity": "2"}


def _counts(db: Engine) -> tuple[int, int]:
    with Session(db) as session:
        events = session.execute(select(func.count()).select_from(TicketEventRow)).scalar_one()
        outbox = session.execute(select(func.count()).select_from(OutboxRow)).scalar_one()
    return events, outbox


def test_two_step_approval_parallel_tasks_and_sla_from_approval(engine: Engine) -> None:  # noqa: F811
    uow = SqlUnitOfWork(engine)
    opened = submit_request(uow=uow, desk=DESK, actor="dave", request_type="new-laptop", values=FORM, now=T0)
    ref = opened.ticket.ref
    assert ref.startswith("REQ-")
    assert opened.phase == RequestPhase.AWAITING_APPROVAL
    assert opened.request.form == {"model": "developer", "needed_by": "2026-07-01", "quantity": 2}
    assert opened.ticket.state == "pending" and opened.ticket.pending_reason == "approval"
    assert [r.ticket.ref for r in awaiting_my_approval(uow=uow, desk=DESK, actor="carol")] == [ref]
    assert awaiting_my_approval(uow=uow, desk=DESK, actor="fiona") == []

    # Finance cannot jump the manager's step.
    with pytest.raises(Forbidden):
        decide_request(uow=uow, desk=DESK, actor="fiona", ref=ref, approve=True, now=T0 + timedelta(hours=1))
    decide_request(uow=uow, desk=DESK, actor="carol", ref=ref, approve=True, now=T0 + timedelta(hours=1))
    # Rule `all`: one finance approval is not enough.
    step = decide_request(uow=uow, desk=DESK, actor="fiona", ref=ref, approve=True, now=T0 + timedelta(hours=2))
    assert step.phase == RequestPhase.AWAITING_APPROVAL
    assert step.request.steps[1].waiting_for == ["frank"]
    approved_at = T0 + timedelta(hours=30)  # a long wait for approval must not count against the SLA
    approved = decide_request(uow=uow, desk=DESK, actor="frank", ref=ref, approve=True, now=approved_at)
    assert approved.phase == RequestPhase.APPROVED
    assert approved.ticket.state == "assigned" and approved.ticket.group == "workplace"
    assert approved.request.approved_at == approved_at

    # Parallel tasks: the second may be done first; only the task's group may do it.
    with pytest.raises(Forbidden):
        complete_task(uow=uow, desk=DESK, actor="wendy", ref=ref, number=2, now=approved_at + timedelta(hours=1))
    second = complete_task(uow=uow, desk=DESK, actor="ian", ref=ref, number=2, now=approved_at + timedelta(hours=1))
    assert second.phase == RequestPhase.IN_FULFILMENT
    done_at = approved_at + timedelta(hours=3)
    final = complete_task(uow=uow, desk=DESK, actor="wendy", ref=ref, number=1, now=done_at)
    assert final.phase == RequestPhase.FULFILLED
    assert final.ticket.state == "resolved"

    clocks = ticket_clocks(uow=uow, desk=DESK, engine=SLA, actor="wendy", ref=ref, now=done_at + timedelta(hours=1))
    resolution = next(c for c in clocks.clocks if c.clock == "resolution")
    assert resolution.agreement == "workplace-sla"
    assert resolution.state == ClockState.MET
    # 33 hours after submission, but only the 3 hours since approval count.
    assert resolution.consumed == done_at - approved_at

    with Session(engine) as session:
        kinds = session.execute(select(OutboxRow.recipient).where(OutboxRow.kind == APPROVAL_KIND)).scalars().all()
    assert sorted(kinds) == ["carol", "fiona", "frank"]  # each approver told once, when their step came


def test_rejected_request_is_cancelled_with_the_reason(engine: Engine) -> None:  # noqa: F811
    uow = SqlUnitOfWork(engine)
    ref = submit_request(uow=uow, desk=DESK, actor="dave", request_type="new-laptop", values=FORM, now=T0).ticket.ref
    with pytest.raises(InvalidInput):  # a rejection without a reason changes nothing
        decide_request(uow=uow, desk=DESK, actor="carol", ref=ref, approve=False, now=T0)
    rejected = decide_request(uow=uow, desk=DESK, actor="carol", ref=ref, approve=False, reason="you had one in May",
                              now=T0 + timedelta(minutes=5))  # fmt: skip
    assert rejected.phase == RequestPhase.REJECTED
    assert rejected.ticket.state == "cancelled"
    assert rejected.request.rejected_reason == "you had one in May"
    with pytest.raises(InvalidTransition):
        decide_request(uow=uow, desk=DESK, actor="carol", ref=ref, approve=True, now=T0 + timedelta(minutes=6))
    with pytest.raises(InvalidTransition):
        complete_task(uow=uow, desk=DESK, actor="wendy", ref=ref, number=1, now=T0 + timedelta(minutes=7))
    shown = show_request(uow=uow, desk=DESK, actor="dave", ref=ref)
    assert shown.phase == RequestPhase.REJECTED


def test_bad_forms_are_refused_and_change_nothing(engine: Engine) -> None:  # noqa: F811
    uow = SqlUnitOfWork(engine)
    for values, fragment in (
        ({"needed_by": "2026-07-01"}, "model is required"),
        ({"model": "gaming"}, "not one of standard, developer"),
        ({"model": "standard", "quantity": "9"}, "above the maximum 3"),
        ({"model": "standard", "needed_by": "next week"}, "YYYY-MM-DD"),
        ({"model": "standard", "colour": "red"}, "unknown field(s) colour"),
    ):
        with pytest.raises(InvalidInput) as caught:
            submit_request(uow=uow, desk=DESK, actor="dave", request_type="new-laptop", values=values, now=T0)
        assert fragment in caught.value.message
    with pytest.raises(Exception, match="no request type"):
        submit_request(uow=uow, desk=DESK, actor="dave", request_type="yacht", values={}, now=T0)
    # carol has no manager in the desk file: the manager step cannot be resolved.
    with pytest.raises(InvalidInput, match="manager"):
        submit_request(uow=uow, desk=DESK, actor="carol", request_type="new-laptop", values=FORM, now=T0)
    assert _counts(engine) == (0, 0)


def test_the_log_alone_rebuilds_the_request(engine: Engine) -> None:  # noqa: F811
    uow = SqlUnitOfWork(engine)
    ref = submit_request(uow=uow, desk=DESK, actor="dave", request_type="new-laptop", values=FORM, now=T0).ticket.ref
    decide_request(uow=uow, desk=DESK, actor="carol", ref=ref, approve=True, now=T0 + timedelta(minutes=1))
    with Session(engine) as session:
        types = session.execute(select(TicketEventRow.type).order_by(TicketEventRow.seq)).scalars().all()  # type: ignore[arg-type]
    assert EventType.REQUEST_SUBMITTED.value in types and EventType.APPROVAL_DECIDED.value in types
    shown = show_request(uow=uow, desk=DESK, actor="carol", ref=ref)
    assert shown.request.steps[0].approved_by == ["carol"]
    assert shown.request.current_step == 1


def test_approvers_are_reminded_once_a_day(engine: Engine) -> None:  # noqa: F811
    uow = SqlUnitOfWork(engine)
    submit_request(uow=uow, desk=DESK, actor="dave", request_type="new-laptop", values=FORM, now=T0)
    day = timedelta(hours=24)
    told = [remind_approvers(uow=uow, desk=DESK, now=T0 + timedelta(hours=h), after=day) for h in (23, 25, 26, 49)]
    assert told == [0, 1, 0, 1]  # carol, once on the first day over, once on the second


def test_sla_from_submission_counts_the_approval_wait(engine: Engine) -> None:  # noqa: F811
    data = CONFIG.model_dump(by_alias=True)
    data["catalog"]["new-laptop"]["sla_from"] = "submission"
    desk = Desk.from_config(DeskConfig.model_validate(data))
    uow = SqlUnitOfWork(engine)
    opened = submit_request(uow=uow, desk=desk, actor="dave", request_type="new-laptop", values=FORM, now=T0)
    assert opened.ticket.state == "new" and opened.phase == RequestPhase.AWAITING_APPROVAL
    ref = opened.ticket.ref
    clocks = ticket_clocks(uow=uow, desk=desk, engine=SLA, actor="wendy", ref=ref, now=T0 + timedelta(hours=5))
    resolution = next(c for c in clocks.clocks if c.clock == "resolution")
    assert resolution.consumed == timedelta(hours=5)  # the wait for approval counts
