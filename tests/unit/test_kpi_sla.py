"""SLA compliance counted per clock, decided in the period, with the at-risk bands of open clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from deskops.core.config.agreements import AgreementKind, ClockName
from deskops.core.kpi.period import Period
from deskops.core.kpi.sla import sla_compliance
from deskops.core.sla.clocks import ClockState, ClockStatus

D = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TARGET = timedelta(hours=4)


def clock(state: ClockState, *, priority: str = "P3", at_h: float = 1, used: float = 0.5,
          name: ClockName = ClockName.RESOLUTION) -> ClockStatus:
    when = D + timedelta(hours=at_h)
    return ClockStatus(
        agreement="standard-sla", kind=AgreementKind.SLA, clock=name, calendar="always", priority=priority,
        target=TARGET, started_at=D, due=D + TARGET, original_due=D + TARGET, consumed=TARGET * used, state=state,
        stopped_at=when if state in (ClockState.MET, ClockState.BREACHED) else None,
        breached_at=when if state is ClockState.BREACHED else None,
    )


def test_compliance_is_counted_per_clock_not_averaged_over_slices() -> None:
    # P3: 9 clocks met; P1: 1 clock breached. Per clock: 9 / 10 = 90 %. Averaging the two
    # priorities' percentages would say (100 % + 0 %) / 2 = 50 %.
    statuses = [clock(ClockState.MET) for _ in range(9)] + [clock(ClockState.BREACHED, priority="P1")]
    result = sla_compliance(statuses, Period(D, D + timedelta(days=1)))
    overall = result.clocks["resolution"]
    assert (overall.met, overall.breached, overall.compliance) == (9, 1, 0.9)
    assert result.by_priority["P1"]["resolution"].compliance == 0.0
    assert result.by_priority["P3"]["resolution"].compliance == 1.0


def test_only_clocks_decided_in_the_period_count_and_open_clocks_fall_into_risk_bands() -> None:
    statuses = [
        clock(ClockState.MET, at_h=30),  # decided the next day: outside
        clock(ClockState.BREACHED, at_h=2),
        clock(ClockState.RUNNING, used=0.6),
        clock(ClockState.PAUSED, used=0.8),
        clock(ClockState.RUNNING, used=0.95),
        clock(ClockState.RUNNING, used=0.2),  # not at risk
        clock(ClockState.CANCELLED),  # neither met nor breached
        clock(ClockState.MET, name=ClockName.RESPONSE, at_h=0.25),
    ]
    result = sla_compliance(statuses, Period(D, D + timedelta(hours=24)))
    resolution = result.clocks["resolution"]
    assert (resolution.met, resolution.breached, resolution.compliance) == (0, 1, 0.0)
    assert resolution.at_risk == {"50-75": 1, "75-90": 1, "90+": 1}
    assert result.clocks["response"].compliance == 1.0


def test_no_decided_clock_gives_no_compliance_figure() -> None:
    result = sla_compliance([clock(ClockState.RUNNING, used=0.1)], Period(D, D + timedelta(hours=1)))
    assert result.clocks["resolution"].compliance is None
