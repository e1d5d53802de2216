"""Process signals: rules that watch the process and raise findings with the figures behind them.

Each rule is a pure function of the observed tickets (their traces and SLA clocks), the desk's
`process` thresholds and `as_of`. Trends use the Mann-Kendall test (Kendall's tau between week number
and the weekly figure) with Sen's slope for the size, so week-to-week noise does not fire; excesses
use a one-sided binomial test against the desk's own rate and a minimum factor, so a small group
with two unlucky tickets does not fire either. The statistics come from scipy (imported inside the
functions that need it, like statsmodels in planning).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from pydantic import BaseModel, ConfigDict

from deskops.core.config.agreements import AgreementKind
from deskops.core.config.process import ExcessConfig, ProcessConfig
from deskops.core.kpi.sla import decided_at
from deskops.core.process.trace import Trace
from deskops.core.sla.clocks import ClockState, ClockStatus

WEEK = timedelta(days=7)
WAITING_STATES = ("new", "assigned", "in_progress", "pending")
"""States whose stays the rising-wait rule watches (resolved is the wait to close, not process)."""


class Finding(BaseModel):
    """Something in the process that should change: which rule, about what, why, and the figures."""

    model_config = ConfigDict(frozen=True)

    rule: str
    subject: str
    message: str
    p_value: float | None
    figures: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Observed:
    """One ticket as the signals see it: its trace and its SLA clocks as of the evaluation."""

    trace: Trace
    clocks: Sequence[ClockStatus] = ()

    @property
    def breached(self) -> bool:
        """Whether any SLA clock (customer agreement) of the ticket breached."""
        return any(c.kind is AgreementKind.SLA and c.state is ClockState.BREACHED for c in self.clocks)


def week_starts(as_of: datetime, weeks: int) -> list[datetime]:
    """The starts of the `weeks` whole weeks ending at `as_of`, oldest first."""
    return [as_of - WEEK * (weeks - index) for index in range(weeks)]


def _week_of(at: datetime | None, starts: Sequence[datetime]) -> int | None:
    if at is None or at < starts[0] or at >= starts[-1] + WEEK:
        return None
    return min(int((at - starts[0]) / WEEK), len(starts) - 1)


def mann_kendall(values: Sequence[float]) -> tuple[float, float, float]:
    """Kendall's tau of the values against their order, its one-sided p-value (rising), and Sen's slope."""
    from scipy.stats import kendalltau, theilslopes

    order = list(range(len(values)))
    result = kendalltau(order, values, alternative="greater")
    tau, p_value = float(result.statistic), float(result.pvalue)
    if math.isnan(tau):  # a constant series has no trend
        return 0.0, 1.0, 0.0
    return tau, p_value, float(theilslopes(values, order)[0])


MIN_TREND_WEEKS = 4
"""Fewer usable weeks than this make no trend claim (Mann-Kendall cannot reach p < 0.05 on three points)."""


def rising(values: Sequence[float], significance: float) -> tuple[float, float, float] | None:
    """(tau, p, slope) when the series rises significantly over enough weeks; None otherwise."""
    if len(values) < MIN_TREND_WEEKS:
        return None
    tau, p_value, slope = mann_kendall(values)
    return (tau, p_value, slope) if p_value < significance and slope > 0 else None


def _excess_p(hits: int, trials: int, rate: float) -> float:
    """One-sided binomial p-value that `hits` of `trials` come from a process at `rate` (or lower)."""
    from scipy.stats import binomtest

    if rate <= 0.0:
        return 0.0 if hits else 1.0
    return float(binomtest(hits, trials, min(rate, 1.0), alternative="greater").pvalue)


def breach_trend(tickets: Sequence[Observed], config: ProcessConfig, as_of: datetime) -> list[Finding]:
    """An agreement whose weekly breach rate rises over the window (Mann-Kendall, significant)."""
    starts = week_starts(as_of, config.weeks)
    tallies: dict[str, list[list[int]]] = {}
    for ticket in tickets:
        for clock in ticket.clocks:
            week = _week_of(decided_at(clock), starts)
            if week is None:
                continue
            weeks = tallies.setdefault(clock.agreement, [[0, 0] for _ in starts])
            weeks[week][0] += clock.state is ClockState.BREACHED
            weeks[week][1] += 1
    findings = []
    for agreement, weeks in sorted(tallies.items()):
        usable = [(i, b / n) for i, (b, n) in enumerate(weeks) if n >= config.breach_trend.min_clocks_per_week]
        rates = [rate for _i, rate in usable]
        trend = rising(rates, config.significance)
        if trend is not None:
            tau, p_value, slope = trend
            findings.append(Finding(
                rule="breach_trend", subject=agreement, p_value=p_value,
                message=(f"{agreement}: the breach rate rose from {rates[0]:.0%} to {rates[-1]:.0%} over "
                         f"{len(rates)} weeks (+{slope:.1%} a week, Mann-Kendall p={p_value:.3f}); look at "
                         "its targets, calendar or the groups its tickets go to"),
                figures={"weekly_breach_rate": [round(r, 4) for r in rates],
                         "weekly_clocks": [n for _b, n in weeks], "tau": round(tau, 3),
                         "slope_per_week": round(slope, 4)},
            ))  # fmt: skip
    return findings


def category_rates(tickets: Sequence[Observed], config: ProcessConfig) -> list[Finding]:
    """A category whose reassignment or reopen rate is far above the desk's."""
    rules: tuple[tuple[str, str, str, Callable[[Trace], bool]], ...] = (
        ("reassignment_rate", "reassigned", "look at how its tickets are routed (a rule, a form, a missing skill)",
         lambda trace: len(trace.group_path) > 1),
        ("reopen_rate", "reopened", "look at how its tickets are resolved (checks before resolving, known errors)",
         lambda trace: trace.reopens > 0),
    )  # fmt: skip
    findings = []
    for rule, verb, advice, hit in rules:
        findings += _excess(
            ((t.trace.attributes.get("category"), hit(t.trace)) for t in tickets),
            rule=rule, what="category", verb=verb, settings=config.category_rates, significance=config.significance,
            advice=advice,
        )  # fmt: skip
    return findings


def pending_by_group(tickets: Sequence[Observed], config: ProcessConfig) -> list[Finding]:
    """A group that puts the tickets it holds in pending (clocks stopped) far more often than the desk."""
    pairs: list[tuple[str | None, bool]] = []
    for ticket in tickets:
        held = {span.name for span in ticket.trace.groups}
        parked = {_holder(ticket.trace, span.start) for span in ticket.trace.states if span.name == "pending"}
        pairs += [(group, group in parked) for group in held]
    return _excess(
        pairs, rule="pending_use", what="group", verb="put in pending", settings=config.pending,
        significance=config.significance,
        advice="check whether pending (which stops the SLA clocks) is used for waiting that is really the group's",
        base=sum(any(s.name == "pending" for s in t.trace.states) for t in tickets) / max(len(tickets), 1),
    )  # fmt: skip


def _holder(trace: Trace, at: datetime) -> str | None:
    holder = None
    for span in trace.groups:
        if span.start <= at:
            holder = span.name
    return holder


def _excess(
    pairs: Iterable[tuple[str | None, bool]],
    *,
    rule: str,
    what: str,
    verb: str,
    settings: ExcessConfig,
    significance: float,
    advice: str,
    base: float | None = None,
) -> list[Finding]:
    """Subjects whose hit rate is ≥ factor × the overall rate, with enough tickets and a small p-value."""
    counts: dict[str, list[int]] = {}
    hits = total = 0
    for subject, hit in pairs:
        total += 1
        hits += hit
        if subject is not None:
            tally = counts.setdefault(subject, [0, 0])
            tally[0] += hit
            tally[1] += 1
    if not total:
        return []
    desk = base if base is not None else hits / total
    findings = []
    for subject, (k, n) in sorted(counts.items()):
        if n < settings.min_tickets or k / n < settings.factor * desk:
            continue
        p_value = _excess_p(k, n, desk)
        if p_value < significance:
            findings.append(Finding(
                rule=rule, subject=subject, p_value=p_value,
                message=(f"{what} {subject}: {k / n:.0%} of its {n} tickets {verb}, against {desk:.0%} for the desk "
                         f"({k / n / desk if desk else math.inf:.1f}×, p={p_value:.3g}); {advice}"),
                figures={"rate": round(k / n, 4), "desk_rate": round(desk, 4), "tickets": n, "hits": k},
            ))  # fmt: skip
    return findings


def last_holder(tickets: Sequence[Observed], config: ProcessConfig) -> list[Finding]:
    """A group that is the last to hold breached tickets far more often than its share of tickets."""
    holders: dict[str, int] = {}
    breached: dict[str, int] = {}
    for ticket in tickets:
        group = ticket.trace.last_group
        if group is None:
            continue
        holders[group] = holders.get(group, 0) + 1
        if ticket.breached:
            breached[group] = breached.get(group, 0) + 1
    all_held, all_breached = sum(holders.values()), sum(breached.values())
    findings = []
    for group, k in sorted(breached.items()):
        share = holders[group] / all_held
        if k < config.last_holder.min_breached or k / all_breached < config.last_holder.factor * share:
            continue
        p_value = _excess_p(k, all_breached, share)
        if p_value < config.significance:
            findings.append(Finding(
                rule="last_holder", subject=group, p_value=p_value,
                message=(f"group {group} last held {k} of {all_breached} breached tickets ({k / all_breached:.1%}) "
                         f"but only {share:.1%} of all tickets (p={p_value:.3g}); tickets may reach it too late, "
                         "or it lacks capacity"),
                figures={"breached_last_held": k, "breached_total": all_breached,
                         "share_of_breached": round(k / all_breached, 4), "share_of_tickets": round(share, 4)},
            ))  # fmt: skip
    return findings


def rising_waits(tickets: Sequence[Observed], config: ProcessConfig, as_of: datetime) -> list[Finding]:
    """A state whose weekly median stay keeps growing (stays counted in the week they end)."""
    starts = week_starts(as_of, config.weeks)
    stays: dict[str, list[list[float]]] = {}
    for ticket in tickets:
        spans = ticket.trace.states
        for index, span in enumerate(spans[:-1]):  # the last span has not ended (or is final)
            week = _week_of(span.end, starts)
            if week is None or span.name not in WAITING_STATES or spans[index + 1].name == "cancelled":
                continue
            stays.setdefault(span.name, [[] for _ in starts])[week].append(span.seconds / 3600)
    findings = []
    for state, weeks in sorted(stays.items()):
        usable = [median(hours) for hours in weeks if len(hours) >= config.waiting.min_stays_per_week]
        trend = rising(usable, config.significance)
        if trend is not None:
            tau, p_value, slope = trend
            findings.append(Finding(
                rule="rising_wait", subject=state, p_value=p_value,
                message=(f"state {state}: the median stay grew from {usable[0]:.1f} h to {usable[-1]:.1f} h over "
                         f"{len(usable)} weeks (+{slope:.1f} h a week, p={p_value:.3f}); the queue before it is "
                         "growing"),
                figures={"weekly_median_hours": [round(h, 2) for h in usable], "tau": round(tau, 3),
                         "slope_hours_per_week": round(slope, 3)},
            ))  # fmt: skip
    return findings


def arrivals_out_of_band(daily: Sequence[float], config: ProcessConfig) -> list[Finding]:
    """Last week's arrivals outside the forecast band (new demand, or demand gone somewhere else).

    `daily` is arrivals per day, oldest first, ending with the last whole week. The forecast is the mean
    of the same weekday over the four weeks before (the planning baseline); the band is ± k standard
    deviations of the same forecast's weekly errors over the `backtest_weeks` before that.
    """
    from deskops.core.planning.forecast import same_slot_mean_4w

    need = 7 * (4 + config.arrivals.backtest_weeks + 1)
    if len(daily) < need:
        return []
    errors = []
    for back in range(config.arrivals.backtest_weeks, 0, -1):
        cut = len(daily) - 7 * back
        errors.append(sum(daily[cut - 7 : cut]) - sum(same_slot_mean_4w(daily[: cut - 7], 7, 7)))
    expected = sum(same_slot_mean_4w(daily[:-7], 7, 7))
    actual = sum(daily[-7:])
    sigma = math.sqrt(sum(e * e for e in errors) / len(errors))
    half = config.arrivals.band_sigmas * max(sigma, math.sqrt(max(expected, 1.0)))  # never tighter than Poisson
    if abs(actual - expected) <= half:
        return []
    direction = "above" if actual > expected else "below"
    return [Finding(
        rule="arrivals_band", subject="arrivals", p_value=None,
        message=(f"last week {actual:.0f} tickets arrived, {direction} the forecast band {expected - half:.0f}–"
                 f"{expected + half:.0f} (forecast {expected:.0f}); "
                 + ("new demand: check staffing and what the new tickets are about" if direction == "above"
                    else "demand dropped: check whether people reach the desk another way")),
        figures={"actual": actual, "forecast": round(expected, 1), "band_low": round(expected - half, 1),
                 "band_high": round(expected + half, 1), "backtest_errors": [round(e, 1) for e in errors]},
    )]  # fmt: skip


def findings(
    tickets: Sequence[Observed], daily_arrivals: Sequence[float], config: ProcessConfig, as_of: datetime
) -> list[Finding]:
    """Every rule over the observed tickets, most certain first; at most `max_per_rule` findings per rule."""
    found = (
        breach_trend(tickets, config, as_of)
        + category_rates(tickets, config)
        + rising_waits(tickets, config, as_of)
        + arrivals_out_of_band(daily_arrivals, config)
        + pending_by_group(tickets, config)
        + last_holder(tickets, config)
    )
    order = {rule: i for i, rule in enumerate(dict.fromkeys(f.rule for f in found))}
    ranked = sorted(found, key=lambda f: (order[f.rule], f.p_value if f.p_value is not None else 0.0, f.subject))
    kept: dict[str, int] = {}
    result = []
    for finding in ranked:  # the strongest few per rule: a manager acts on a short list
        kept[finding.rule] = kept.get(finding.rule, 0) + 1
        if kept[finding.rule] <= config.max_per_rule:
            result.append(finding)
    return result


def daily_arrivals(opened: Iterable[datetime], *, start: datetime, end: datetime) -> list[float]:
    """Tickets opened per day in `[start, end)` (days of 24 h counted from `start`), oldest first."""
    days = max(int((end - start) / timedelta(days=1)), 0)
    counts = [0.0] * days
    for at in opened:
        if start <= at < end:
            index = int((at - start) / timedelta(days=1))
            if index < days:
                counts[index] += 1
    return counts


def observation_start(config: ProcessConfig, as_of: datetime) -> datetime:
    """From when tickets must be loaded: the window, four weeks before it (late decisions), and the arrivals history."""
    weeks = max(config.weeks + 4, 4 + config.arrivals.backtest_weeks + 1)
    return as_of - WEEK * weeks
