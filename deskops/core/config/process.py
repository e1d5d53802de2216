"""The `process` section of the desk file: when the process signals raise a finding.

```yaml
process:
  weeks: 8                  # the window the signals watch, in weeks ending at the evaluation time
  significance: 0.05        # a trend or an excess must be this unlikely by chance (p-value) to be raised
  max_per_rule: 5           # the strongest findings kept per rule
  breach_trend: {min_clocks_per_week: 5}      # weeks with fewer decided clocks are left out
  category_rates: {factor: 2.0, min_tickets: 20}   # reassignment / reopen rate ≥ factor × the desk's
  waiting: {min_stays_per_week: 5}            # weekly median stay per state, rising
  arrivals: {band_sigmas: 2.0, backtest_weeks: 4} # last week's arrivals outside forecast ± k·σ
  pending: {factor: 2.0, min_tickets: 20}     # a group putting tickets in pending ≥ factor × the desk
  last_holder: {factor: 2.0, min_breached: 10} # a group last holding breached tickets ≥ factor × its share
```

Every key has a default, so a desk without a `process` section gets sensible signals.
"""

from __future__ import annotations

from pydantic import Field

from deskops.core.config.base import StrictModel


class TrendConfig(StrictModel):
    """Trend signals: the least data a week needs to count."""

    min_clocks_per_week: int = Field(default=5, ge=1)


class WaitingConfig(StrictModel):
    """The rising-wait signal: the least stays a week needs to count."""

    min_stays_per_week: int = Field(default=5, ge=1)


class ExcessConfig(StrictModel):
    """An excess signal: a rate at least `factor` times the desk's, over at least `min_tickets`."""

    factor: float = Field(default=2.0, gt=1.0)
    min_tickets: int = Field(default=20, ge=1)


class LastHolderConfig(StrictModel):
    """The last-holder signal: a group's share of breached tickets ≥ `factor` × its share of all tickets."""

    factor: float = Field(default=2.0, gt=1.0)
    min_breached: int = Field(default=10, ge=1)


class ArrivalsConfig(StrictModel):
    """The new-demand signal: last week's arrivals outside the forecast ± `band_sigmas` back-test errors."""

    band_sigmas: float = Field(default=2.0, gt=0.0)
    backtest_weeks: int = Field(default=4, ge=2, le=26)


class ProcessConfig(StrictModel):
    """Thresholds of the process signals (`deskops process findings`, the managers' digest)."""

    weeks: int = Field(default=8, ge=4, le=104)
    significance: float = Field(default=0.05, gt=0.0, lt=0.5)
    max_per_rule: int = Field(default=5, ge=1)
    """The strongest findings kept per rule (smallest p-value first)."""
    breach_trend: TrendConfig = TrendConfig()
    category_rates: ExcessConfig = ExcessConfig()
    waiting: WaitingConfig = WaitingConfig()
    arrivals: ArrivalsConfig = ArrivalsConfig()
    pending: ExcessConfig = ExcessConfig()
    last_holder: LastHolderConfig = LastHolderConfig()
