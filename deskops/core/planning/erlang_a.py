"""Erlang A (M/M/N+M): staffing when waiting contacts give up after an exponential patience.

The queue is a birth-death chain (arrivals λ; departures min(n, N)·μ + max(n − N, 0)·θ with θ = 1/patience),
solved in log space and truncated where the remaining probability is negligible, so large loads stay finite.
Service level is the share of *all* offered contacts answered within the target time (an abandoned
contact counts as not answered); it is computed exactly by following a tagged contact through the
queue (uniformisation of its phase-type waiting time). ASA is the mean wait of all offered contacts
(Little's law: E[queue] ÷ λ). With agents fewer than the load, abandonment keeps the queue finite,
so every figure is still defined.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from deskops.core.planning.erlang import Number, Performance, Staffing, Target, apply_shrinkage, required_agents

_NEGLIGIBLE = -46.0  # log of ~1e-20: states below this share of the peak are dropped


@dataclass(frozen=True)
class ErlangAPerformance:
    """Erlang A figures for one staffing level (ASA is the mean wait of all offered contacts)."""

    performance: Performance
    p_abandon: float


def _state_logs(agents: int, traffic: float, patience_ratio: float) -> list[float]:
    """Unnormalised log-probabilities of n = 0, 1, … contacts in the system (time unit: one AHT)."""
    logs = [0.0]
    peak = 0.0
    n = 0
    while True:
        n += 1
        departures = min(n, agents) + max(n - agents, 0) * patience_ratio
        if departures <= 0:
            raise ValueError("with no agents, contacts must abandon: give a finite patience")
        logs.append(logs[-1] + math.log(traffic / departures))
        peak = max(peak, logs[-1])
        if n > agents and logs[-1] - peak < _NEGLIGIBLE and traffic < departures:
            return logs


def _answered_within(agents: int, patience_ratio: float, start: list[float], within: float) -> float:
    """P(a contact that finds k others queued ahead, weights `start[k]`, is answered within `within` AHTs).

    The tagged contact moves from k ahead to k − 1 at rate N + k·θ/μ (an agent frees up or someone ahead
    gives up) and is answered from k = 0 at rate N; it gives up at rate θ/μ. Uniformisation turns this
    into Poisson-weighted steps of a discrete chain (vectorised: one array operation per step).
    """
    import numpy as np

    size = len(start)
    advance = agents + patience_ratio * np.arange(size, dtype=float)
    uniform = float(advance[-1] + patience_ratio)
    if uniform <= 0 or within <= 0:
        return 0.0
    move = advance / uniform
    stay = 1.0 - (advance + patience_ratio) / uniform
    state = np.asarray(start, dtype=float)
    served = 0.0
    total = 0.0
    steps_mean = uniform * within
    weight = math.exp(-steps_mean)  # Poisson(steps_mean) weights, summed until the tail is negligible
    cumulative = weight
    step = 0
    limit = steps_mean + 12 * math.sqrt(steps_mean) + 50
    while True:
        total += weight * served
        if 1 - cumulative < 1e-12 or step > limit:
            return total + (1 - cumulative) * served
        served += float(state[0] * move[0])
        nxt = state * stay
        nxt[:-1] += state[1:] * move[1:]
        state = nxt
        step += 1
        weight *= steps_mean / step
        cumulative += weight


def erlang_a_performance(agents: int, traffic: float, aht_seconds: float, patience_seconds: float,
                         answer_within_seconds: float) -> ErlangAPerformance:
    """P(wait), P(abandon), service level, mean wait and occupancy of Erlang A for `agents` agents."""
    if agents < 0 or traffic < 0:
        raise ValueError("agents and traffic cannot be negative")
    if aht_seconds <= 0 or patience_seconds <= 0:
        raise ValueError("the handling time and the mean patience must be longer than zero")
    if traffic == 0:
        return ErlangAPerformance(Performance(agents, 0.0, 0.0, 1.0, 0.0, 0.0), 0.0)
    ratio = aht_seconds / patience_seconds  # θ/μ
    logs = _state_logs(agents, traffic, ratio)
    top = max(logs)
    weights = [math.exp(v - top) for v in logs]
    norm = sum(weights)
    probs = [w / norm for w in weights]
    p_wait = sum(probs[agents:])
    queued = sum((n - agents) * p for n, p in enumerate(probs) if n > agents)
    rate = traffic / aht_seconds  # λ per second
    p_abandon = queued / patience_seconds / rate
    busy = sum(min(n, agents) * p for n, p in enumerate(probs))
    immediate = 1 - p_wait
    answered_later = _answered_within(agents, ratio, probs[agents:], answer_within_seconds / aht_seconds)
    result = Performance(
        agents=agents,
        traffic_erlangs=traffic,
        p_wait=p_wait,
        service_level=immediate + answered_later,
        asa_seconds=queued / rate,
        occupancy=busy / agents if agents else 1.0,
    )
    return ErlangAPerformance(result, p_abandon)


def erlang_a_required_agents(traffic: float, aht_seconds: float, patience_seconds: float, target: Target,
                             shrinkage: Number = 0) -> tuple[Staffing, float]:
    """The fewest agents meeting `target` under Erlang A, and the abandonment rate they give.

    Abandonment only lowers the need, so the Erlang C answer bounds a binary search from above.
    """
    upper = required_agents(traffic, aht_seconds, target).agents
    lower = 0

    def meets(agents: int) -> bool:
        figures = erlang_a_performance(agents, traffic, aht_seconds, patience_seconds, target.answer_within_seconds)
        occupancy_ok = target.max_occupancy is None or figures.performance.occupancy <= float(target.max_occupancy)
        return occupancy_ok and target.met_by(figures.performance)

    while not meets(upper):  # guard: the bound holds in practice, but the search must never return a miss
        upper += 1
    while lower < upper:
        middle = (lower + upper) // 2
        if meets(middle):
            upper = middle
        else:
            lower = middle + 1
    figures = erlang_a_performance(upper, traffic, aht_seconds, patience_seconds, target.answer_within_seconds)
    return Staffing(upper, apply_shrinkage(upper, shrinkage), figures.performance), figures.p_abandon
