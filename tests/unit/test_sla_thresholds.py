"""The (clock, percent) → instant view that escalation steps read (`SlaEngine.sla_due`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from deskops.core.config.desk import DeskConfig
from deskops.core.events import DomainEvent, EventType
from deskops.core.services.escalation import SlaDue
from deskops.core.sla.service import SlaEngine
from deskops.core.tickets import Ticket

iso = datetime.fromisoformat
CONFIG = DeskConfig.model_validate({
    "calendars": {"office": {"timezone": "Europe/Zurich", "hours": {"mon-fri": "08:00-17:00"}}},
    "agreements": {
        "ola": {"kind": "ola", "calendar": "office", "targets": {p: {"resolution": "1h"} for p in ("P1", "P2", "P3",
                                                                                                   "P4")}},
        "sla": {"calendar": "office", "warnings": [50, 80],
                "targets": {p: {"response": "1h", "resolution": "8h"} for p in ("P1", "P2", "P3", "P4")}},
    },
})  # fmt: skip
ENGINE = SlaEngine.from_config(CONFIG)


def ev(type: EventType, at: str, **payload: Any) -> DomainEvent:
    """One event of the log."""
    return DomainEvent(type=type, occurred_at=iso(at), actor="alice", payload=payload)


OPENED = ev(EventType.TICKET_OPENED, "2026-06-15T09:00+02:00", requester="dave", priority="P2", state="new")


def thresholds(events: list[DomainEvent], now: str) -> Any:
    """The mapping as the escalation sweep gets it."""
    provider: SlaDue = ENGINE.sla_due  # the engine satisfies the escalation contract
    return provider(Ticket(), events, iso(now))


def test_running_clock_knows_every_threshold_even_ahead_of_time() -> None:
    due = thresholds([OPENED], "2026-06-15T10:00+02:00")
    assert due[("resolution", 75)] == iso("2026-06-15T15:00+02:00")  # the SLA, not the OLA, answers
    assert due[("resolution", 100)] == iso("2026-06-15T17:00+02:00")
    assert due[("response", 100)] == iso("2026-06-15T10:00+02:00")
    assert sorted(due) == [(c, p) for c in ("resolution", "response") for p in (50, 80, 100)]


def test_paused_clock_hides_thresholds_not_yet_reached() -> None:
    pending = ev(EventType.STATE_CHANGED, "2026-06-15T14:00+02:00", from_state="new", to_state="pending",
                 pending_reason="customer")
    due = thresholds([OPENED, pending], "2026-06-15T16:00+02:00")
    assert ("resolution", 50) in due  # 5 h consumed: reached at 13:00
    assert due[("resolution", 50)] == iso("2026-06-15T13:00+02:00")
    assert ("resolution", 75) not in due  # paused before 6 h: when it comes is not known
    assert due.get(("resolution", 100)) is None


def test_stopped_clock_keeps_only_what_it_reached() -> None:
    acked = ev(EventType.TICKET_ACKNOWLEDGED, "2026-06-15T09:40+02:00")
    due = thresholds([OPENED, acked], "2026-06-15T12:00+02:00")
    assert due[("response", 50)] == iso("2026-06-15T09:30+02:00")
    assert ("response", 80) not in due
    assert ("nonsense", 50) not in due
    assert sorted(due) == [("resolution", 50), ("resolution", 80), ("resolution", 100), ("response", 50)]
    assert due[("resolution", 80)] - due[("resolution", 50)] == timedelta(hours=2, minutes=24)
