"""The catalog section of the desk file, form checks and `name=value` parsing, the request fold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from deskops.bot.commands.parser import UsageError
from deskops.bot.commands.requests import parse_values
from deskops.core.catalog import check_form, resolve_approvers
from deskops.core.config.desk import DeskConfig
from deskops.core.directory import Directory
from deskops.core.errors import InvalidInput
from deskops.core.requests import RequestPhase, RequestView, submit
from deskops.core.tickets import Ticket, TicketKind, TicketState

BASE = {
    "calendars": {"always": {"timezone": "UTC", "hours": "24x7"}},
    "people": {"dave": {"name": "Dave", "manager": "carol"}, "carol": {"name": "Carol"}, "ann": {"name": "Ann"}},
    "groups": {"workplace": {"members": ["ann", "dave"], "manager": "carol"}},
    "agreements": {
        "vip": {"calendar": "always", "match": {"services": ["vip"]},
                "targets": {p: {"resolution": "8h"} for p in ("P1", "P2", "P3", "P4")}},
        "all": {"calendar": "always", "targets": {p: {"resolution": "8h"} for p in ("P1", "P2", "P3", "P4")}},
    },
}  # fmt: skip


def config(entry: dict[str, object]) -> DeskConfig:
    return DeskConfig.model_validate({**BASE, "catalog": {"laptop": {"title": "Laptop", "group": "workplace",
                                                                     **entry}}})  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"group": "nowhere"}, "catalog.laptop.group: unknown group 'nowhere'"),
        ({"tasks": [{"title": "x", "group": "gone"}]}, "catalog.laptop.tasks[0].group: unknown group 'gone'"),
        ({"approvals": [{"approvers": ["zed"]}]}, "approvals[0].approvers[0]: unknown person 'zed'"),
        ({"approvals": [{"approvers": ["group:ghosts"]}]}, "unknown group 'ghosts'"),
        ({"agreement": "nope"}, "catalog.laptop.agreement: unknown agreement 'nope'"),
        ({"agreement": "vip"}, "'vip' does not cover this request"),  # service laptop is not in vip's match
        ({"form": {"m": {"type": "choice"}}}, "a choice field needs choices"),
        ({"form": {"n": {"type": "number", "min": 5, "max": 1}}}, "min 5.0 is above max 1.0"),
        ({"form": {"t": {"type": "text", "min": 1}}}, "min and max apply to number fields only"),
        ({"approvals": [{"approvers": []}]}, "approvers"),
    ],
)
def test_broken_catalog_entries_are_refused_with_their_path(entry: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        config(entry)
    assert fragment in str(caught.value)


def test_agreement_that_applies_is_accepted() -> None:
    assert config({"agreement": "vip", "service": "vip"}).catalog["laptop"].agreement == "vip"
    assert config({"agreement": "all"}).catalog["laptop"].service_name("laptop") == "laptop"


def test_form_values_are_typed_and_checked() -> None:
    desk = config({"form": {"model": {"type": "choice", "choices": ["Standard", "Dev"], "required": True},
                            "who": {"type": "user"}, "when": {"type": "date"},
                            "n": {"type": "number", "min": 1, "max": 3}, "why": {"max_length": 5}}})  # fmt: skip
    entry, directory = desk.catalog["laptop"], Directory(desk)
    form = check_form(entry, {"model": "dev", "who": "ann", "when": "2026-07-01", "n": "2.5"}, directory)
    assert form == {"model": "Dev", "who": "ann", "when": "2026-07-01", "n": 2.5}
    with pytest.raises(InvalidInput) as caught:
        check_form(entry, {"who": "zed", "when": "1/7/26", "n": "nan", "why": "too long"}, directory)
    message = caught.value.message
    for fragment in ("model is required", "nobody called 'zed'", "YYYY-MM-DD", "'nan' is not a finite number",
                     "8 characters; the limit is 5"):  # fmt: skip
        assert fragment in message


def test_approvers_resolve_and_never_include_the_requester() -> None:
    directory = Directory(config({}))
    assert resolve_approvers(("manager",), "dave", directory) == ["carol"]
    # dave is in workplace, but does not approve his own request; the group manager does.
    assert resolve_approvers(("group:workplace",), "dave", directory) == ["ann", "carol"]
    with pytest.raises(InvalidInput, match="names none"):
        resolve_approvers(("manager",), "ann", directory)


def test_parse_values_splits_on_names() -> None:
    assert parse_values('model=dev reason=my old one broke  n=2') == {"model": "dev", "reason": "my old one broke",
                                                                       "n": "2"}  # fmt: skip
    assert parse_values("") == {}
    with pytest.raises(UsageError):
        parse_values("developer please")
    with pytest.raises(UsageError):
        parse_values("a=1 a=2")


def test_request_without_approvals_is_approved_at_submission() -> None:
    at = datetime(2026, 6, 1, 9, tzinfo=UTC)
    ticket = Ticket.open(kind=TicketKind.SERVICE_REQUEST, title="x", requester="dave", actor="dave", at=at)
    kept = {"request_type": "laptop", "sla_from": "approval", "task_order": "sequence", "approvals": [],
            "tasks": [{"title": "a", "group": "g"}, {"title": "b", "group": "g"}]}  # fmt: skip
    submit(ticket, kept, {}, actor="dave", at=at)
    view = RequestView.from_events(e for _, e in ticket.new_events())
    assert view is not None and view.approved_at == at
    assert ticket.state == TicketState.NEW  # nothing to wait for: straight into the queue
    assert view.phase(ticket.state) == RequestPhase.APPROVED
    assert [t.number for t in view.open_tasks()] == [1]  # in sequence: only the first may be done
