"""Erlang C staffing: textbook reference values, large loads, overload, shrinkage, caps."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskops.core.planning.erlang import (
    Target,
    apply_shrinkage,
    chat_required_agents,
    erlang_b,
    erlang_c,
    performance,
    required_agents,
    traffic_erlangs,
)

EIGHTY_TWENTY = Target(service_level=Fraction(8, 10), answer_within_seconds=20)


def _erlang_c_by_logs(agents: int, traffic: float) -> float:
    """Independent textbook form of Erlang C, summed in log space to avoid overflow."""
    log_terms = [k * math.log(traffic) - math.lgamma(k + 1) for k in range(agents)]
    log_top = agents * math.log(traffic) - math.lgamma(agents + 1) + math.log(agents / (agents - traffic))
    peak = max([*log_terms, log_top])
    total = sum(math.exp(t - peak) for t in log_terms) + math.exp(log_top - peak)
    return math.exp(log_top - peak) / total


def test_reference_case_100_calls_in_30_minutes() -> None:
    traffic = traffic_erlangs(volume=100, interval_seconds=1800, aht_seconds=180)
    staffing = required_agents(traffic, 180, EIGHTY_TWENTY, shrinkage=Fraction(3, 10))
    assert traffic == pytest.approx(10.0)
    assert staffing.agents == 14
    assert staffing.performance.service_level == pytest.approx(0.8884, abs=5e-5)
    assert staffing.performance.asa_seconds == pytest.approx(7.84, abs=5e-3)
    assert staffing.performance.occupancy == pytest.approx(0.714, abs=5e-4)
    assert staffing.agents_with_shrinkage == 20


def test_one_agent_fewer_misses_the_reference_target() -> None:
    result = performance(13, 10.0, 180, 20)
    assert result.service_level < 0.8


def test_thousand_erlangs_is_finite_and_matches_the_log_space_formula() -> None:
    staffing = required_agents(1000.0, 180, EIGHTY_TWENTY)
    p = staffing.performance
    assert 1000 < staffing.agents < 1100
    assert p.service_level >= 0.8
    assert performance(staffing.agents - 1, 1000.0, 180, 20).service_level < 0.8
    assert p.p_wait == pytest.approx(_erlang_c_by_logs(staffing.agents, 1000.0), rel=1e-9)
    assert all(math.isfinite(v) for v in (p.p_wait, p.service_level, p.asa_seconds, p.occupancy))


def test_ten_thousand_erlangs_does_not_overflow() -> None:
    assert 0.0 < erlang_c(10_100, 10_000.0) < 1.0


@pytest.mark.parametrize("agents", [0, 1, 5, 10])
def test_fewer_agents_than_load_waits_with_certainty(agents: int) -> None:
    result = performance(agents, 10.0, 180, 20)
    assert result.p_wait == 1.0
    assert result.service_level == 0.0
    assert result.asa_seconds == math.inf
    assert result.occupancy == 1.0


def test_shrinkage_is_exact_where_floats_round_up() -> None:
    assert 21 / 0.7 > 30  # the float trap this guards against
    assert apply_shrinkage(21, 0.3) == 30
    assert apply_shrinkage(21, "0.3") == 30
    assert apply_shrinkage(21, Fraction(3, 10)) == 30
    assert apply_shrinkage(14, 0) == 14
    with pytest.raises(ValueError, match="below 100"):
        apply_shrinkage(10, 1)


def test_occupancy_cap_raises_the_agent_count_exactly() -> None:
    # 17 erlangs at an 85 % cap need exactly 20 agents; 17 / 0.85 in floats is above 20.
    capped = Target(service_level=Fraction(1, 100), answer_within_seconds=0, max_occupancy=Fraction(85, 100))
    staffing = required_agents(17.0, 180, capped)
    assert staffing.agents == 20
    assert staffing.performance.occupancy <= 0.85


def test_asa_target_alone() -> None:
    staffing = required_agents(10.0, 180, Target(max_asa_seconds=30))
    assert staffing.performance.asa_seconds <= 30
    assert performance(staffing.agents - 1, 10.0, 180, 20).asa_seconds > 30


def test_zero_volume_needs_nobody() -> None:
    staffing = required_agents(0.0, 180, EIGHTY_TWENTY, shrinkage=0.3)
    assert (staffing.agents, staffing.agents_with_shrinkage) == (0, 0)


def test_chat_concurrency_divides_the_slots() -> None:
    single = required_agents(10.0, 600, EIGHTY_TWENTY)
    triple = chat_required_agents(10.0, 600, EIGHTY_TWENTY, concurrency=3)
    assert triple.agents == math.ceil(single.agents / 3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "service-level target"),
        ({"service_level": Fraction(1)}, "between"),
        ({"max_asa_seconds": 0}, "ASA"),
        ({"service_level": Fraction(8, 10), "max_occupancy": Fraction(0)}, "occupancy"),
    ],
)
def test_bad_targets_are_refused_with_a_hint(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Target(**kwargs)  # type: ignore[arg-type]


@given(
    traffic=st.floats(min_value=0.1, max_value=300),
    aht=st.floats(min_value=10, max_value=1200),
)
def test_the_answer_is_the_smallest_staffing_that_meets_the_target(traffic: float, aht: float) -> None:
    staffing = required_agents(traffic, aht, EIGHTY_TWENTY)
    assert staffing.performance.service_level >= 0.8
    assert performance(staffing.agents - 1, traffic, aht, 20).service_level < 0.8


@given(agents=st.integers(min_value=0, max_value=400), traffic=st.floats(min_value=0, max_value=500))
def test_erlang_b_stays_a_probability(agents: int, traffic: float) -> None:
    assert 0.0 <= erlang_b(agents, traffic) <= 1.0
