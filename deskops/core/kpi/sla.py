"""SLA compliance for a period, per clock: met ÷ (met + breached), counted per clock, never averaged.

A clock's outcome is counted when it is decided: a met clock when it stopped (the ticket was
responded to / resolved in time), a breached clock when it breached (from then on it cannot be
met). Clocks still running at the end of the period are sorted into at-risk bands by the share
of their target used. Cancelled tickets' clocks count neither way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from deskops.core.kpi.period import Period
from deskops.core.sla.clocks import ClockState, ClockStatus

AT_RISK_BANDS = ((50.0, 75.0, "50-75"), (75.0, 90.0, "75-90"), (90.0, float("inf"), "90+"))


class ClockCompliance(BaseModel):
    """One clock (response, resolution, update) of one slice: outcomes in the period and risk now."""

    model_config = ConfigDict(frozen=True)

    met: int
    breached: int
    compliance: float | None
    at_risk: dict[str, int]


class SlaCompliance(BaseModel):
    """Compliance per clock overall and per priority of the clock, with the definition used."""

    model_config = ConfigDict(frozen=True)

    clocks: dict[str, ClockCompliance]
    by_priority: dict[str, dict[str, ClockCompliance]]
    definition: str = (
        "met ÷ (met + breached) over the clocks decided in the period (met: stopped in time; breached: passed "
        "its due), counted per clock across all agreements; at_risk: clocks still open at the end of the period "
        "by share of target used (50-75 %, 75-90 %, 90 % or more)"
    )


class _Tally:
    __slots__ = ("at_risk", "breached", "met")

    def __init__(self) -> None:
        self.met = self.breached = 0
        self.at_risk = {label: 0 for _low, _high, label in AT_RISK_BANDS}

    def result(self) -> ClockCompliance:
        decided = self.met + self.breached
        return ClockCompliance(
            met=self.met,
            breached=self.breached,
            compliance=self.met / decided if decided else None,
            at_risk=dict(self.at_risk),
        )


def decided_at(status: ClockStatus) -> datetime | None:
    """When a clock's outcome was decided: its stop if met, its breach if breached; None while open."""
    if status.state is ClockState.MET:
        return status.stopped_at
    if status.state is ClockState.BREACHED:
        return status.breached_at or status.stopped_at
    return None


def sla_compliance(statuses: Iterable[ClockStatus], period: Period) -> SlaCompliance:
    """Tally clock statuses (evaluated as of the period's end) into compliance per clock and priority."""
    overall: dict[str, _Tally] = {}
    per_priority: dict[str, dict[str, _Tally]] = {}
    for status in statuses:
        clock = str(status.clock)
        tallies = (
            overall.setdefault(clock, _Tally()),
            per_priority.setdefault(status.priority or "(none)", {}).setdefault(clock, _Tally()),
        )
        if period.contains(decided_at(status)):
            for tally in tallies:
                if status.state is ClockState.MET:
                    tally.met += 1
                else:
                    tally.breached += 1
        elif status.is_open:
            used = status.percent_used
            for low, high, label in AT_RISK_BANDS:
                if low <= used < high:
                    for tally in tallies:
                        tally.at_risk[label] += 1
    return SlaCompliance(
        clocks={clock: overall[clock].result() for clock in sorted(overall)},
        by_priority={
            priority: {clock: tally.result() for clock, tally in sorted(clocks.items())}
            for priority, clocks in sorted(per_priority.items())
        },
    )
