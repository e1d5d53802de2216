"""What-if on history: the same tickets under other service hours, another matrix, an added escalation step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from deskops.core.config.desk import DeskConfig
from deskops.core.errors import InvalidInput
from deskops.core.events import DomainEvent, EventType
from deskops.core.process.whatif import Rules, what_if

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
AS_OF = MONDAY + timedelta(days=14)


def _desk(hours: str = "08:00-17:00", *, matrix_low: str = "P3", steps: list[dict[str, Any]] | None = None) -> Rules:
    """A desk with one SLA (P3 resolution 4 h, P2 1 h) on an office calendar in UTC."""
    document: dict[str, Any] = {
        "calendars": {"office": {"timezone": "UTC", "hours": {"mon-fri": [hours]}}},
        "priorities": {
            "urgency": ["high", "low"],
            "impact": ["high", "low"],
            "levels": {"P2": "high", "P3": "moderate"},
            "matrix": {"high": {"high": "P2", "low": "P3"}, "low": {"high": "P3", "low": matrix_low}},
        },
        "agreements": {
            "standard": {"calendar": "office", "targets": {"P2": {"resolution": "1h"}, "P3": {"resolution": "4h"}}}
        },
    }
    if steps is not None:
        document["escalation"] = {"policies": {"watch": {"steps": steps}}}
    return Rules.from_config(DeskConfig.model_validate(document))


def _ticket(opened: datetime, resolved: datetime, *, urgency: str = "low", impact: str = "low") -> list[DomainEvent]:
    payload = {"kind": "incident", "priority": "P3", "urgency": urgency, "impact": impact, "state": "new",
               "requester": "ann"}  # fmt: skip
    return [
        DomainEvent(type=EventType.TICKET_OPENED, occurred_at=opened, actor="ann", payload=payload),
        DomainEvent(type=EventType.TICKET_RESOLVED, occurred_at=resolved, actor="bob", payload={"from_state": "new"}),
    ]


def _at(day: int, hour: float) -> datetime:
    return MONDAY + timedelta(days=day, hours=hour)


def _history() -> list[list[DomainEvent]]:
    return [
        _ticket(_at(0, 15), _at(1, 9.5)),  # A
        _ticket(_at(0, 15), _at(1, 9.5)),  # B, same as A
        _ticket(_at(0, 9), _at(0, 10)),  # C
        _ticket(_at(0, 16), _at(1, 12)),  # D
    ]


def test_two_more_service_hours_change_compliance_by_the_hand_computed_amount() -> None:
    # Target 4 business hours. Office 08-17 vs extended 08-19 (two more hours each evening):
    #   A, B: Mon 15:00 → Tue 09:30: 08-17 counts 2 h + 1.5 h = 3.5 h (met); 08-19 counts 4 h + 1.5 h = 5.5 h (breached)
    #   C:    Mon 09:00 → Mon 10:00: 1 h either way (met)
    #   D:    Mon 16:00 → Tue 12:00: 1 h + 4 h = 5 h (breached); 3 h + 4 h = 7 h (breached)
    # Current 3 met of 4 = 75 %; proposed 1 of 4 = 25 %: −50 points, two tickets met → breached.
    result = what_if(_history(), current=_desk(), proposed=_desk("08:00-19:00"), as_of=AS_OF)
    assert result.current.clocks["resolution"].compliance == pytest.approx(0.75)
    assert result.proposed.clocks["resolution"].compliance == pytest.approx(0.25)
    assert result.compliance_change_points["resolution"] == pytest.approx(-50.0)
    assert (result.met_to_breached, result.breached_to_met) == (2, 0)
    assert (result.current.tickets_breached, result.proposed.tickets_breached) == (1, 3)


def test_a_new_matrix_reprioritises_and_tighter_targets_follow() -> None:
    # low × low becomes P2 (1 h): C (1 h) stays met; A, B (3.5 h) and D (5 h) breach.
    result = what_if(_history(), current=_desk(), proposed=_desk(matrix_low="P2"), as_of=AS_OF)
    assert result.reprioritised == 4
    assert result.proposed.by_priority == {"P2": 4}
    assert result.proposed.clocks["resolution"].met == 1
    assert result.met_to_breached == 2


def test_an_added_escalation_step_counts_where_it_would_have_fired() -> None:
    # A timed step 2 h after opening fires for A, B (resolved after 18.5 h) and D (20 h), not for C (1 h);
    # a step at 75 % of the resolution target fires where 3 h of 4 were used: A, B (3.5 h) and D (5 h).
    timed = [{"after": "2h", "notify": {"role": "manager"}}]
    result = what_if(_history(), current=_desk(), proposed=_desk(steps=timed), as_of=AS_OF)
    assert (result.current.escalation_steps, result.proposed.escalation_steps) == (0, 3)
    assert result.proposed.steps_by_policy == {"watch": 3}
    at_sla = [{"sla": {"clock": "resolution", "percent": 75}, "notify": {"role": "manager"}}]
    result = what_if(_history(), current=_desk(), proposed=_desk(steps=timed + at_sla), as_of=AS_OF)
    assert result.proposed.escalation_steps == 6 and result.proposed.tickets_escalated == 3


def test_without_agreements_it_says_what_to_add() -> None:
    empty = Rules.from_config(DeskConfig())
    with pytest.raises(InvalidInput, match="no compliance"):
        what_if(_history(), current=empty, proposed=empty, as_of=AS_OF)
