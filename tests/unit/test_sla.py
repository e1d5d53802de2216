"""SLA clocks from a ticket's event log: the issue's worked case, every rule of item 4, agreements config."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from deskops.core.config.agreements import AgreementConfig, ClockName, select_agreements
from deskops.core.config.calendars import CalendarConfig
from deskops.core.config.desk import DeskConfig
from deskops.core.events import DomainEvent, EventType
from deskops.core.sla import ClockState, ClockStatus, calendars_from_config, evaluate_events, instant_before_due

iso = datetime.fromisoformat
H = timedelta(hours=1)

CALENDARS = calendars_from_config({
    "office": CalendarConfig.model_validate({"timezone": "Europe/Zurich", "hours": {"mon-fri": ["08:00-17:00"]}}),
    "always": CalendarConfig.model_validate({"timezone": "UTC", "hours": "24x7"}),
})  # fmt: skip


def agreement(**section: Any) -> AgreementConfig:
    """An agreement section with defaults: SLA on the office calendar, P1-P4 targets."""
    base: dict[str, Any] = {
        "calendar": "office",
        "targets": {
            "P1": {"response": "30m", "resolution": "4h", "update": "1h"},
            "P2": {"response": "1h", "resolution": "8h"},
            "P3": {"resolution": "16h"},
            "P4": {"resolution": "40h"},
        },
    }
    return AgreementConfig.model_validate({**base, **section})


def ev(type: EventType, at: str, actor: str = "alice", **payload: Any) -> DomainEvent:
    """One event of a ticket's log."""
    return DomainEvent(type=type, occurred_at=iso(at), actor=actor, payload=payload)


def opened(at: str, priority: str = "P2", **extra: Any) -> DomainEvent:
    """The opening of a ticket by dave."""
    return ev(EventType.TICKET_OPENED, at, actor="dave", requester="dave", priority=priority, state="new", **extra)


def state(at: str, from_state: str, to_state: str, reason: str | None = None) -> DomainEvent:
    """A state change (with its pending reason)."""
    payload = {"from_state": from_state, "to_state": to_state}
    if reason:
        payload["pending_reason"] = reason
    return ev(EventType.STATE_CHANGED, at, **payload)


def resolved(at: str, from_state: str = "in_progress") -> DomainEvent:
    """A resolution."""
    return ev(EventType.TICKET_RESOLVED, at, from_state=from_state, to_state="resolved", resolution_code="fixed")


def clocks(events: list[DomainEvent], now: str, **agreements: AgreementConfig) -> dict[str, ClockStatus]:
    """Evaluate the log as of `now`; clocks by name (`agreement:clock`)."""
    statuses = evaluate_events(events, agreements=agreements or {"sla": agreement()}, calendars=CALENDARS,
                               now=iso(now))
    return {s.name: s for s in statuses}


def local(at: datetime) -> str:
    """Zurich wall-clock time with offset."""
    return CALENDARS["office"].local(at).isoformat()


# --- the worked case -------------------------------------------------------------------

PENDING_CASE = [
    opened("2026-03-26T14:00+01:00"),
    state("2026-03-26T16:00+01:00", "new", "pending", "customer"),
    state("2026-03-30T09:30+02:00", "pending", "in_progress"),
]


def test_pending_customer_case_is_due_monday_1530_and_met_when_resolved_at_1500() -> None:
    running = clocks(PENDING_CASE, "2026-03-30T12:00+02:00")["sla:resolution"]
    assert local(running.due) == "2026-03-30T15:30:00+02:00"
    assert running.state == ClockState.RUNNING
    assert running.consumed == 2 * H + 2.5 * H
    assert running.remaining == 3.5 * H

    done = clocks([*PENDING_CASE, resolved("2026-03-30T15:00+02:00")], "2026-04-02T12:00+02:00")["sla:resolution"]
    assert done.consumed == 7.5 * H
    assert done.state == ClockState.MET
    assert done.stopped_at == iso("2026-03-30T15:00+02:00")
    assert done.percent_used == pytest.approx(93.75)


def test_while_pending_customer_the_clock_is_paused_and_due_is_projected_from_now() -> None:
    paused = clocks(PENDING_CASE[:2], "2026-03-27T10:00+01:00")["sla:resolution"]
    assert paused.state == ClockState.PAUSED
    assert paused.consumed == 2 * H
    assert local(paused.due) == "2026-03-27T16:00:00+01:00"  # 6 h left, if resumed now


# --- the rules of item 4 -----------------------------------------------------------------------


def test_upgrade_recomputes_from_opening_and_can_breach_at_once() -> None:
    log = [opened("2026-06-15T08:00+02:00", "P3"), ev(EventType.PRIORITY_CHANGED, "2026-06-15T13:00+02:00",
                                                      priority="P1", previous_priority="P3")]
    status = clocks(log, "2026-06-15T14:00+02:00")["sla:resolution"]
    assert status.target == 4 * H
    assert local(status.original_due) == "2026-06-16T15:00:00+02:00"  # 16 h from opening
    assert local(status.due) == "2026-06-15T12:00:00+02:00"  # 4 h from opening
    assert status.state == ClockState.BREACHED
    assert status.breached_at == iso("2026-06-15T13:00+02:00")  # when the upgrade made it known


def test_a_breach_stays_after_a_downgrade() -> None:
    log = [opened("2026-06-15T08:00+02:00", "P1"), ev(EventType.PRIORITY_CHANGED, "2026-06-15T14:00+02:00",
                                                      priority="P3", previous_priority="P1")]
    status = clocks(log, "2026-06-15T15:00+02:00")["sla:resolution"]
    assert status.target == 16 * H
    assert status.consumed == 7 * H  # well inside the new target...
    assert status.state == ClockState.BREACHED  # ...but the P1 target had already passed at 12:00
    assert status.breached_at == iso("2026-06-15T12:00+02:00")


def test_downgrade_before_the_breach_is_not_a_breach() -> None:
    log = [opened("2026-06-15T08:00+02:00", "P1"), ev(EventType.PRIORITY_CHANGED, "2026-06-15T11:00+02:00",
                                                      priority="P3", previous_priority="P1")]
    assert clocks(log, "2026-06-15T15:00+02:00")["sla:resolution"].state == ClockState.RUNNING


def test_reopen_continues_where_the_clock_stopped_and_is_counted() -> None:
    log = [
        opened("2026-06-15T08:00+02:00"),
        state("2026-06-15T08:30+02:00", "new", "in_progress"),
        resolved("2026-06-15T12:00+02:00"),
        ev(EventType.TICKET_REOPENED, "2026-06-16T10:00+02:00", from_state="resolved", to_state="in_progress"),
    ]
    met = clocks(log[:3], "2026-06-16T09:00+02:00")["sla:resolution"]
    assert (met.state, met.consumed) == (ClockState.MET, 4 * H)
    again = clocks(log, "2026-06-16T12:00+02:00")["sla:resolution"]
    assert again.state == ClockState.RUNNING
    assert again.consumed == 6 * H  # 4 h before, 2 h since the reopen; the night and 08-10 resolved: paused
    assert again.reopens == 1
    assert local(again.due) == "2026-06-16T14:00:00+02:00"
    late = clocks(log, "2026-06-16T15:00+02:00")["sla:resolution"]
    assert late.state == ClockState.BREACHED


def test_target_running_out_at_the_window_end_is_met_when_resolved_after_hours() -> None:
    log = [opened("2026-06-15T09:00+02:00", "P2")]  # 8 h: due 17:00 exactly
    assert local(clocks(log, "2026-06-15T16:00+02:00")["sla:resolution"].due) == "2026-06-15T17:00:00+02:00"
    after_hours = clocks([*log, resolved("2026-06-15T19:00+02:00", "new")], "2026-06-15T20:00+02:00")
    assert after_hours["sla:resolution"].state == ClockState.MET
    still_open = clocks(log, "2026-06-16T08:00+02:00")["sla:resolution"]
    assert still_open.state == ClockState.RUNNING  # consumed == target: not over yet
    assert clocks(log, "2026-06-16T08:01+02:00")["sla:resolution"].state == ClockState.BREACHED


def test_warnings_are_crossed_at_thresholds_of_business_time() -> None:
    log = [opened("2026-06-12T13:00+02:00", "P2")]  # Friday; 8 h target
    status = clocks(log, "2026-06-15T09:00+02:00")["sla:resolution"]  # 4 h Fri + 1 h Mon = 62.5 %
    assert status.crossed == (50,)
    assert local(status.warnings[50]) == "2026-06-12T17:00:00+02:00"
    assert local(status.warnings[75]) == "2026-06-15T10:00:00+02:00"
    assert local(status.warnings[90]) == "2026-06-15T11:12:00+02:00"
    assert clocks(log, "2026-06-15T11:12+02:00")["sla:resolution"].crossed == (50, 75, 90)


def test_n_before_due_is_business_time() -> None:
    status = clocks([opened("2026-06-12T16:00+02:00", "P2")], "2026-06-12T16:30+02:00")["sla:resolution"]
    assert local(status.due) == "2026-06-15T15:00:00+02:00"
    office = CALENDARS["office"]
    # 7 h before is where 1 h is consumed: Friday 17:00, the earliest instant (Monday 08:00 is the same)
    assert local(instant_before_due(status, 7 * H, office)) == "2026-06-12T17:00:00+02:00"
    assert local(instant_before_due(status, 6 * H, office)) == "2026-06-15T09:00:00+02:00"
    assert local(instant_before_due(status, 8 * H, office)) == "2026-06-12T16:00:00+02:00"
    assert local(instant_before_due(status, 7.5 * H, office)) == "2026-06-12T16:30:00+02:00"


def test_response_stops_at_the_first_acknowledgement() -> None:
    log = [opened("2026-06-15T08:00+02:00", "P1"), ev(EventType.TICKET_ACKNOWLEDGED, "2026-06-15T08:20+02:00")]
    status = clocks(log, "2026-06-15T12:00+02:00")["sla:response"]
    assert (status.state, status.consumed, status.target) == (ClockState.MET, timedelta(minutes=20), 0.5 * H)
    late = clocks([log[0], ev(EventType.TICKET_ACKNOWLEDGED, "2026-06-15T08:45+02:00")], "2026-06-15T12:00+02:00")
    assert late["sla:response"].state == ClockState.BREACHED


def test_pending_supplier_keeps_the_sla_running_and_runs_the_uc() -> None:
    uc = agreement(kind="uc", calendar="always", targets={p: {"response": "1h", "resolution": "2h"}
                                                          for p in ("P1", "P2", "P3", "P4")})
    log = [
        opened("2026-06-15T08:00+02:00"),
        state("2026-06-15T09:00+02:00", "new", "pending", "supplier"),
        state("2026-06-15T12:00+02:00", "pending", "in_progress"),
    ]
    result = clocks(log, "2026-06-15T13:00+02:00", sla=agreement(), carrier=uc)
    assert result["sla:resolution"].consumed == 5 * H
    assert result["carrier:resolution"].consumed == 3 * H
    assert result["carrier:resolution"].state == ClockState.BREACHED
    assert result["carrier:response"].stopped_at == iso("2026-06-15T12:00+02:00")
    assert clocks(log[:1], "2026-06-15T13:00+02:00", sla=agreement(), carrier=uc).keys() == {
        "sla:resolution", "sla:response"}  # the supplier was never involved: no UC clocks


def test_update_clock_runs_from_a_requester_message_to_the_desk_answer() -> None:
    log = [
        opened("2026-06-15T08:00+02:00", "P1"),
        ev(EventType.COMMENT_ADDED, "2026-06-15T09:00+02:00", actor="dave", visibility="public", text="any news?"),
        ev(EventType.COMMENT_ADDED, "2026-06-15T09:10+02:00", actor="alice", visibility="internal", text="hmm"),
    ]
    waiting = clocks(log, "2026-06-15T09:30+02:00")["sla:update#1"]
    assert (waiting.state, waiting.consumed) == (ClockState.RUNNING, timedelta(minutes=30))
    answered = [*log, ev(EventType.COMMENT_ADDED, "2026-06-15T09:40+02:00", visibility="public", text="on it")]
    assert clocks(answered, "2026-06-15T12:00+02:00")["sla:update#1"].state == ClockState.MET
    again = [*answered, ev(EventType.COMMENT_ADDED, "2026-06-15T10:00+02:00", actor="dave", visibility="public",
                           text="still down")]
    assert clocks(again, "2026-06-15T11:30+02:00")["sla:update#2"].state == ClockState.BREACHED


def test_ola_starts_when_the_ticket_enters_its_group() -> None:
    ola = agreement(kind="ola", match={"groups": ["network"]})
    log = [
        opened("2026-06-15T08:00+02:00", group="service-desk"),
        ev(EventType.TICKET_ASSIGNED, "2026-06-15T10:00+02:00", group="network", assignee=None),
        ev(EventType.TICKET_ASSIGNED, "2026-06-15T10:30+02:00", group="network", assignee="bob"),
    ]
    result = clocks(log, "2026-06-15T11:00+02:00", net=ola)
    assert result["net:resolution"].started_at == iso("2026-06-15T10:00+02:00")
    assert result["net:resolution"].consumed == H
    assert result["net:response"].consumed == timedelta(minutes=30)
    assert clocks(log[:1], "2026-06-15T11:00+02:00", net=ola) == {}


def test_cancelled_ticket_stops_its_clocks_as_cancelled() -> None:
    log = [opened("2026-06-15T08:00+02:00"),
           ev(EventType.TICKET_CANCELLED, "2026-06-15T09:00+02:00", from_state="new", to_state="cancelled")]
    assert clocks(log, "2026-06-16T09:00+02:00")["sla:resolution"].state == ClockState.CANCELLED


def test_events_after_now_are_ignored() -> None:
    log = [*PENDING_CASE, resolved("2026-03-30T15:00+02:00")]
    assert clocks(log, "2026-03-30T10:00+02:00")["sla:resolution"].state == ClockState.RUNNING


# --- agreements: selection and config -----------------------------------------------------------


def test_first_matching_agreement_of_each_kind_applies() -> None:
    agreements = {
        "gold": agreement(match={"customers": ["acme"], "services": ["email"]}),
        "standard": agreement(),
        "net": agreement(kind="ola", match={"groups": ["network"]}),
    }
    pick = lambda **kw: [n for n, _ in select_agreements(agreements, **kw)]  # noqa: E731
    assert pick(service="email", category=None, customer="acme", group="network") == ["gold", "net"]
    assert pick(service="vpn", category=None, customer="acme", group=None) == ["standard"]


def test_default_pause_rules_per_kind() -> None:
    # pending:approval: a service request waiting for its approvers (its clocks start at approval)
    assert agreement().pause_states() == ("pending:customer", "pending:approval")
    assert agreement(kind="ola").pause_states() == ("pending:customer", "pending:supplier", "pending:approval")
    assert agreement(kind="uc").run_states() == ("pending:supplier",)
    assert agreement(pauses=["pending"]).pause_states() == ("pending",)


def test_targets_per_clock() -> None:
    assert agreement().targets["P3"].of(ClockName.RESPONSE) is None
    assert agreement().targets["P1"].of(ClockName.UPDATE) == H


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"pauses": ["waiting"]}, "unknown state 'waiting'"),
        ({"pauses": ["resolved:customer"]}, "only pending takes a reason"),
        ({"pauses": ["pending:client"]}, "unknown pending reason 'client'"),
        ({"warnings": [50, 150]}, "between 1 and 99"),
        ({"kind": "contract"}, "'sla', 'ola' or 'uc'"),
        ({"targets": {"P1": {}}}, "at least one target"),
        ({"targets": {"P1": {"resolution": "soon"}}}, "bad duration"),
    ],
)
def test_bad_agreement_sections_are_refused(section: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        agreement(**section)


def test_desk_file_cross_references_of_agreements() -> None:
    desk = {
        "calendars": {"office": {"timezone": "UTC", "hours": "24x7"}},
        "agreements": {
            "sla": {"calendar": "ofice", "targets": {"P1": {"resolution": "4h"}, "P9": {"resolution": "1h"}},
                    "match": {"groups": ["netwrk"]}, "default_priority": "P7"},
        },
    }
    with pytest.raises(ValidationError) as info:
        DeskConfig.model_validate(desk)
    text = str(info.value)
    assert "agreements.sla.calendar: unknown calendar 'ofice' (known: office)" in text
    assert "agreements.sla.targets: priority P2 has no targets" in text
    assert "agreements.sla.targets.P9: unknown priority" in text
    assert "agreements.sla.match.groups[0]: unknown group 'netwrk'" in text
    assert "agreements.sla.default_priority: unknown priority 'P7'" in text
