"""Process signals: a rising breach trend fires and noise does not; excesses need both size and significance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskops.core.business_calendar import BusinessCalendar
from deskops.core.config.agreements import AgreementConfig
from deskops.core.config.calendars import CalendarConfig
from deskops.core.config.process import ProcessConfig
from deskops.core.events import DomainEvent, EventType
from deskops.core.process.signals import (
    Observed,
    arrivals_out_of_band,
    breach_trend,
    category_rates,
    findings,
    last_holder,
    mann_kendall,
    pending_by_group,
    rising_waits,
)
from deskops.core.process.trace import trace_from_events
from deskops.core.sla.clocks import evaluate, timeline_from_events

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
WEEKS = 8
AS_OF = START + timedelta(weeks=WEEKS)
CALENDARS = {
    "always": BusinessCalendar.from_config(CalendarConfig.model_validate({"timezone": "UTC", "hours": "24x7"}))
}
AGREEMENTS = {
    "standard": AgreementConfig.model_validate({"calendar": "always", "targets": {"P3": {"resolution": "4h"}}})
}


def _log(
    opened: datetime,
    *,
    hours: float,
    groups: tuple[str, ...] = ("desk",),
    category: str = "email",
    pending: bool = False,
    reopened: bool = False,
) -> list[DomainEvent]:
    """A ticket resolved `hours` after opening, passing through `groups` on the way."""
    payload = {
        "kind": "incident",
        "priority": "P3",
        "group": groups[0],
        "category": category,
        "state": "new",
        "requester": "ann",
    }
    events = [DomainEvent(type=EventType.TICKET_OPENED, occurred_at=opened, actor="ann", payload=payload)]
    for step, group in enumerate(groups[1:], start=1):
        events.append(
            DomainEvent(
                type=EventType.TICKET_ASSIGNED,
                occurred_at=opened + timedelta(minutes=step),
                actor="bob",
                payload={"group": group, "previous_group": groups[step - 1]},
            )
        )
    if pending:
        events.append(
            DomainEvent(
                type=EventType.STATE_CHANGED,
                occurred_at=opened + timedelta(minutes=30),
                actor="bob",
                payload={"from_state": "new", "to_state": "pending", "pending_reason": "other"},
            )
        )
    events.append(
        DomainEvent(
            type=EventType.TICKET_RESOLVED,
            occurred_at=opened + timedelta(hours=hours),
            actor="bob",
            payload={"from_state": "new"},
        )
    )
    if reopened:
        events.append(
            DomainEvent(
                type=EventType.TICKET_REOPENED,
                occurred_at=opened + timedelta(hours=hours + 1),
                actor="ann",
                payload={"from_state": "resolved", "to_state": "in_progress"},
            )
        )
        # resolved again a minute later: the resolution clock stays within its target
        events.append(
            DomainEvent(
                type=EventType.TICKET_RESOLVED,
                occurred_at=opened + timedelta(hours=hours + 1.02),
                actor="bob",
                payload={"from_state": "in_progress"},
            )
        )
    return events


def _observe(log: list[DomainEvent]) -> Observed:
    clocks = evaluate(timeline_from_events(log), agreements=AGREEMENTS, calendars=CALENDARS, now=AS_OF)
    return Observed(trace_from_events(log, as_of=AS_OF), tuple(clocks))


def _weekly(breaches_per_week: list[int], per_week: int = 10) -> list[Observed]:
    """`per_week` tickets opened each week; the first `breaches` of them take 5 h (over the 4 h target)."""
    tickets = []
    for week, breaches in enumerate(breaches_per_week):
        for index in range(per_week):
            opened = START + timedelta(weeks=week, hours=index * 6)
            tickets.append(_observe(_log(opened, hours=5 if index < breaches else 1)))
    return tickets


def test_rising_breach_rate_fires_with_its_figures() -> None:
    found = breach_trend(_weekly([1, 1, 2, 3, 3, 5, 6, 7]), ProcessConfig(), AS_OF)
    assert [f.subject for f in found] == ["standard"]
    assert found[0].figures["weekly_breach_rate"] == [0.1, 0.1, 0.2, 0.3, 0.3, 0.5, 0.6, 0.7]
    assert found[0].p_value is not None and found[0].p_value < 0.01
    assert found[0].figures["slope_per_week"] > 0


@pytest.mark.parametrize("noise", [[3, 5, 2, 4, 3, 5, 2, 4], [4, 2, 5, 3, 2, 4, 3, 5], [5, 5, 5, 5, 5, 5, 5, 5]])
def test_noise_and_flat_rates_do_not_fire(noise: list[int]) -> None:
    assert breach_trend(_weekly(noise), ProcessConfig(), AS_OF) == []


def test_a_falling_rate_does_not_fire() -> None:
    assert breach_trend(_weekly([7, 6, 5, 3, 3, 2, 1, 1]), ProcessConfig(), AS_OF) == []


def test_mann_kendall_on_a_known_series() -> None:
    tau, p_value, slope = mann_kendall([1.0, 2.0, 3.0, 4.0, 5.0])
    assert tau == pytest.approx(1.0) and slope == pytest.approx(1.0)
    assert p_value == pytest.approx(1 / 120)  # exact test: only 1 of the 5! orders is fully rising


def test_a_category_bouncing_between_groups_is_found_and_a_small_one_is_not() -> None:
    tickets = [_observe(_log(START + timedelta(hours=i), hours=1)) for i in range(100)]  # email, never moved
    tickets += [
        _observe(_log(START + timedelta(hours=i), hours=1, category="vpn", groups=("desk", "network")))
        for i in range(15)
    ]
    tickets += [_observe(_log(START + timedelta(hours=i), hours=1, category="vpn")) for i in range(15)]
    tickets += [_observe(_log(START, hours=1, category="printer", groups=("desk", "apps"))) for _ in range(3)]
    found = category_rates(tickets, ProcessConfig())
    assert [(f.rule, f.subject) for f in found] == [("reassignment_rate", "vpn")]
    # vpn: 15 of 30 reassigned; the desk: 18 of 133.
    assert found[0].figures == {"rate": 0.5, "desk_rate": round(18 / 133, 4), "tickets": 30, "hits": 15}


def test_reopens_group_pending_and_last_holder() -> None:
    tickets = [_observe(_log(START + timedelta(hours=i), hours=1, groups=("desk",))) for i in range(60)]
    tickets += [
        _observe(
            _log(START + timedelta(hours=i), hours=1, groups=("apps",), pending=True, reopened=True, category="erp")
        )
        for i in range(12)
    ]
    tickets += [
        _observe(_log(START + timedelta(hours=i), hours=1, groups=("apps",), category="erp")) for i in range(12)
    ]
    tickets += [_observe(_log(START + timedelta(hours=i), hours=9, groups=("network",))) for i in range(8)]
    tickets += [_observe(_log(START + timedelta(hours=i), hours=1, groups=("network",))) for i in range(2)]
    config = ProcessConfig.model_validate(
        {"pending": {"min_tickets": 20}, "category_rates": {"min_tickets": 20}, "last_holder": {"min_breached": 5}}
    )
    assert [(f.rule, f.subject) for f in category_rates(tickets, config)] == [("reopen_rate", "erp")]
    assert [f.subject for f in pending_by_group(tickets, config)] == ["apps"]
    holders = last_holder(tickets, config)
    assert [f.subject for f in holders] == ["network"]
    assert holders[0].figures["breached_last_held"] == 8 and holders[0].figures["share_of_breached"] == 1.0


def test_rising_waits_in_a_state() -> None:
    tickets = []
    for week in range(WEEKS):
        for index in range(6):
            opened = START + timedelta(weeks=week, hours=index * 3)
            log = _log(opened, hours=1 + week * 2, pending=True)  # pending stay grows 2 h a week
            tickets.append(Observed(trace_from_events(log, as_of=AS_OF)))
    found = rising_waits(tickets, ProcessConfig(), AS_OF)
    assert [f.subject for f in found] == ["pending"]
    assert found[0].figures["slope_hours_per_week"] == pytest.approx(2.0)


def test_arrivals_outside_the_band_and_inside_it() -> None:
    usual = [20.0, 22, 21, 19, 18, 4, 3] * 9
    assert arrivals_out_of_band([*usual, 20.0, 22, 21, 19, 18, 4, 3], ProcessConfig()) == []
    surge = arrivals_out_of_band([*usual, 40.0, 44, 42, 38, 36, 8, 6], ProcessConfig())
    assert [f.rule for f in surge] == ["arrivals_band"]
    assert surge[0].figures["actual"] == 214 and surge[0].figures["forecast"] == pytest.approx(107.0)
    assert arrivals_out_of_band(usual[:20], ProcessConfig()) == []  # too little history: no claim


def test_findings_runs_every_rule() -> None:
    found = findings(_weekly([1, 1, 2, 3, 3, 5, 6, 7]), [], ProcessConfig(), AS_OF)
    assert "breach_trend" in {f.rule for f in found}
