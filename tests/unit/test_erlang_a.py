"""Erlang A (abandonment): agrees with a queue simulation, tends to Erlang C, survives overload."""

from __future__ import annotations

import heapq
import math
import random
from fractions import Fraction

import pytest

from deskops.core.planning.erlang import Target, performance, required_agents
from deskops.core.planning.erlang_a import erlang_a_performance, erlang_a_required_agents

EIGHTY_TWENTY = Target(service_level=Fraction(8, 10), answer_within_seconds=20)


def _simulate(agents: int, traffic: float, aht: float, patience: float, within: float, arrivals: int,
              seed: int) -> dict[str, float]:
    """An independent M/M/N+M simulation: FCFS queue, exponential patience, seeded."""
    rng = random.Random(seed)
    rate = traffic / aht
    free_at: list[float] = [0.0] * agents  # when each agent is next free (a heap)
    now = 0.0
    waited = abandoned = answered_in_time = total_wait = 0
    # FCFS: in arrival order, each contact takes the earliest free agent unless it gives up first.
    for _ in range(arrivals):
        now += rng.expovariate(rate)
        gives_up = now + rng.expovariate(1 / patience)
        earliest = free_at[0]
        if earliest <= now:
            start = now
        else:
            waited += 1
            start = earliest
        if start > gives_up:
            abandoned += 1
            total_wait += gives_up - now
            continue
        total_wait += start - now
        if start - now <= within:
            answered_in_time += 1
        heapq.heapreplace(free_at, start + rng.expovariate(1 / aht))
    return {
        "p_wait": waited / arrivals,
        "p_abandon": abandoned / arrivals,
        "service_level": answered_in_time / arrivals,
        "asa": total_wait / arrivals,
    }


def test_erlang_a_agrees_with_a_queue_simulation() -> None:
    model = erlang_a_performance(12, 10.0, 180, 120, 20)
    sim = _simulate(12, 10.0, 180, 120, 20, arrivals=150_000, seed=3)
    assert model.performance.p_wait == pytest.approx(sim["p_wait"], abs=0.01)
    assert model.p_abandon == pytest.approx(sim["p_abandon"], abs=0.005)
    assert model.performance.service_level == pytest.approx(sim["service_level"], abs=0.01)
    assert model.performance.asa_seconds == pytest.approx(sim["asa"], rel=0.08)


def test_very_patient_callers_give_erlang_c() -> None:
    a = erlang_a_performance(14, 10.0, 180, 1e7, 20).performance
    c = performance(14, 10.0, 180, 20)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-4)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-4)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-3)


def test_abandonment_lowers_the_need_and_the_answer_is_minimal() -> None:
    staffing, p_abandon = erlang_a_required_agents(10.0, 180, 120, EIGHTY_TWENTY)
    assert staffing.agents < required_agents(10.0, 180, EIGHTY_TWENTY).agents
    assert staffing.performance.service_level >= 0.8
    below = erlang_a_performance(staffing.agents - 1, 10.0, 180, 120, 20).performance
    assert below.service_level < 0.8
    assert 0 < p_abandon < 0.2


def test_overload_stays_finite() -> None:
    result = erlang_a_performance(5, 10.0, 180, 60, 20)
    assert 0 < result.performance.p_wait < 1
    assert 0.4 < result.p_abandon < 1
    assert math.isfinite(result.performance.asa_seconds)


def test_thousand_erlangs_is_finite() -> None:
    staffing, p_abandon = erlang_a_required_agents(1000.0, 180, 600, EIGHTY_TWENTY)
    assert 900 < staffing.agents <= required_agents(1000.0, 180, EIGHTY_TWENTY).agents
    assert staffing.performance.service_level >= 0.8
    assert 0 <= p_abandon < 0.2
