"""History texts: what a person reads in `/ticket history` and in notifications."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from deskops.core.config.desk import DeskConfig
from deskops.core.events import DomainEvent, EventType
from deskops.core.services import Desk, timeline
from deskops.core.services.timeline import describe, register_summary

DESK = Desk.from_config(
    DeskConfig.model_validate({"people": {"alice": {"name": "Alice Meier"}, "bob": {"name": "Bob"}}})
)
AT = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def said(type: EventType, actor: str = "alice", **payload: Any) -> str:
    return describe(DomainEvent(type=type, occurred_at=AT, actor=actor, payload=payload), DESK)


@pytest.mark.parametrize(
    ("type", "payload", "text"),
    [
        (
            EventType.TICKET_ASSIGNED,
            {"group": "network", "assignee": "bob"},
            "Alice Meier assigned it to Bob (network)",
        ),
        (EventType.TICKET_ASSIGNED, {"group": "network", "assignee": None}, "Alice Meier put it in the network queue"),
        (
            EventType.STATE_CHANGED,
            {"from_state": "assigned", "to_state": "in_progress"},
            "Alice Meier moved it from assigned to in progress",
        ),
        (
            EventType.STATE_CHANGED,
            {"from_state": "in_progress", "to_state": "pending", "pending_reason": "supplier", "reason": "RMA"},
            "Alice Meier set it pending, waiting for supplier: RMA",
        ),
        (
            EventType.PRIORITY_CHANGED,
            {"urgency": "high", "impact": "high", "priority": "P1", "previous_priority": "P3", "reason": "plant down"},
            "Alice Meier set urgency high × impact high → P1 critical (was P3 moderate): plant down",
        ),
        (
            EventType.TICKET_RESOLVED,
            {"resolution_code": "fixed", "note": "reboot"},
            "Alice Meier resolved it (fixed): reboot",
        ),
        (
            EventType.SLA_BREACHED,
            {"clock": "resolution", "due": "2026-06-15T11:00:00+02:00"},
            "SLA breach: the resolution target passed unmet (was due 2026-06-15 09:00 UTC)",
        ),
    ],
)
def test_events_read_as_sentences(type: EventType, payload: dict[str, Any], text: str) -> None:
    assert said(type, **payload) == text


def test_an_event_no_area_words_reads_as_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whether paging (which words PageSent) was imported depends on the test run: take it out here.
    monkeypatch.setattr(timeline, "_WHAT", {k: v for k, v in timeline._WHAT.items() if k != EventType.PAGE_SENT})
    assert said(EventType.PAGE_SENT, reason="P1 opened") == "Alice Meier recorded: page sent: P1 opened"


def test_other_areas_word_their_own_events(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeline, "_WHAT", dict(timeline._WHAT))
    monkeypatch.setattr(timeline, "_BY_THE_CLOCK", set(timeline._BY_THE_CLOCK))
    register_summary(EventType.PAGE_SENT, lambda p, _desk: f"paged {', '.join(p['recipients'])}", by_the_clock=True)
    assert said(EventType.PAGE_SENT, actor="system", recipients=["bob"]) == "paged bob"
