"""Erlang C staffing: agents needed per interval for a service-level or ASA target.

Numerically stable for very large loads: the Erlang B value is built with the iterative
recursion B(n) = A·B(n-1) / (n + A·B(n-1)), never with factorials or powers of A, so 1,000+
erlangs stay in floating-point range. Shrinkage and occupancy caps are applied with exact
rational arithmetic (21 agents at 30 % shrinkage need 30, while 21 / 0.7 in floats is 30.000000000000004).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

Number = int | float | Fraction | Decimal | str
"""A rate or share given by a user; floats are read by their shortest decimal form (0.3 → 3/10)."""


def exact(value: Number) -> Fraction:
    """Return `value` as an exact fraction; a float is read as the decimal it prints as (0.7 → 7/10)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a finite number")
        return Fraction(repr(value))
    return Fraction(value)


def ceil_exact(value: Fraction) -> int:
    """Return the smallest integer not below `value` (exact, no float rounding)."""
    return -((-value.numerator) // value.denominator)


def traffic_erlangs(volume: float, interval_seconds: float, aht_seconds: float) -> float:
    """Offered load in erlangs: volume × AHT ÷ interval length."""
    if interval_seconds <= 0:
        raise ValueError("the interval must be longer than zero")
    if aht_seconds <= 0:
        raise ValueError("the average handling time must be longer than zero")
    if volume < 0:
        raise ValueError("the volume cannot be negative")
    return volume * aht_seconds / interval_seconds


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability of an M/M/N/N system, by the stable iterative recursion."""
    if agents < 0 or traffic < 0:
        raise ValueError("agents and traffic cannot be negative")
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def _erlang_c_from_b(agents: int, traffic: float, blocking: float) -> float:
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        # Load at or above capacity: the queue grows without bound, so everybody waits.
        return 1.0
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a contact waits (Erlang C); 1.0 when agents cannot carry the load."""
    return _erlang_c_from_b(agents, traffic, erlang_b(agents, traffic))


@dataclass(frozen=True)
class Performance:
    """What a given number of agents achieves on one interval's load."""

    agents: int
    traffic_erlangs: float
    p_wait: float
    service_level: float
    asa_seconds: float
    """Average speed of answer; `math.inf` when the agents cannot carry the load."""
    occupancy: float


def _performance(agents: int, traffic: float, aht_seconds: float, answer_within_seconds: float,
                 blocking: float) -> Performance:
    p_wait = _erlang_c_from_b(agents, traffic, blocking)
    if traffic <= 0:
        return Performance(agents, traffic, 0.0, 1.0, 0.0, 0.0)
    if agents <= traffic:
        return Performance(agents, traffic, 1.0, 0.0, math.inf, 1.0)
    spare = agents - traffic
    service_level = 1.0 - p_wait * math.exp(-spare * answer_within_seconds / aht_seconds)
    asa = p_wait * aht_seconds / spare
    return Performance(agents, traffic, p_wait, service_level, asa, traffic / agents)


def performance(agents: int, traffic: float, aht_seconds: float, answer_within_seconds: float) -> Performance:
    """P(wait), service level within `answer_within_seconds`, ASA and occupancy for `agents` agents."""
    if agents < 0:
        raise ValueError("the number of agents cannot be negative")
    return _performance(agents, traffic, aht_seconds, answer_within_seconds, erlang_b(agents, traffic))


@dataclass(frozen=True)
class Target:
    """A staffing target: a service level (share answered within a time), an ASA, or both.

    `max_occupancy` caps traffic ÷ agents (e.g. 85 %), so agents are not run at their limit.
    """

    service_level: Fraction | None = None
    answer_within_seconds: float = 20.0
    max_asa_seconds: float | None = None
    max_occupancy: Fraction | None = None

    def __post_init__(self) -> None:
        if self.service_level is None and self.max_asa_seconds is None:
            raise ValueError("give a service-level target (e.g. 80/20s) or an ASA target (e.g. 30s)")
        if self.service_level is not None and not 0 < self.service_level < 1:
            raise ValueError("the service level must be between 0 % and 100 % (exclusive), e.g. 80 %")
        if self.answer_within_seconds < 0:
            raise ValueError("the answer time cannot be negative")
        if self.max_asa_seconds is not None and self.max_asa_seconds <= 0:
            raise ValueError("the ASA target must be longer than zero")
        if self.max_occupancy is not None and not 0 < self.max_occupancy <= 1:
            raise ValueError("the occupancy cap must be above 0 % and at most 100 %, e.g. 85 %")

    def met_by(self, result: Performance) -> bool:
        """True when `result` meets every part of this target."""
        if self.service_level is not None and result.service_level < float(self.service_level):
            return False
        return self.max_asa_seconds is None or result.asa_seconds <= self.max_asa_seconds


@dataclass(frozen=True)
class Staffing:
    """Agents needed for one interval, before and after shrinkage, and what they achieve."""

    agents: int
    """Productive agents needed (before shrinkage)."""
    agents_with_shrinkage: int
    performance: Performance
    """What the staffing achieves (for chat work: per conversation slot)."""


def apply_shrinkage(agents: int, shrinkage: Number) -> int:
    """Agents to schedule so that `agents` are available after `shrinkage` (exact: 21 at 30 % → 30)."""
    share = exact(shrinkage)
    if not 0 <= share < 1:
        raise ValueError("shrinkage must be at least 0 % and below 100 %, e.g. 30 %")
    return ceil_exact(Fraction(agents) / (1 - share))


def _occupancy_floor(traffic: float, max_occupancy: Fraction | None) -> int:
    if max_occupancy is None or traffic <= 0:
        return 0
    return ceil_exact(exact(traffic) / max_occupancy)


def required_agents(traffic: float, aht_seconds: float, target: Target, shrinkage: Number = 0) -> Staffing:
    """The fewest agents meeting `target` on `traffic` erlangs, then grossed up for `shrinkage`."""
    if traffic < 0:
        raise ValueError("traffic cannot be negative")
    if aht_seconds <= 0:
        raise ValueError("the average handling time must be longer than zero")
    if traffic == 0:
        none = Performance(0, 0.0, 0.0, 1.0, 0.0, 0.0)
        return Staffing(0, 0, none)
    floor = max(_occupancy_floor(traffic, target.max_occupancy), math.floor(traffic) + 1)
    # Build Erlang B up to the floor once, then step one agent at a time: O(agents) in total.
    blocking = erlang_b(floor, traffic)
    agents = floor
    while True:
        result = _performance(agents, traffic, aht_seconds, target.answer_within_seconds, blocking)
        if target.met_by(result):
            return Staffing(agents, apply_shrinkage(agents, shrinkage), result)
        agents += 1
        blocking = traffic * blocking / (agents + traffic * blocking)


def chat_required_agents(traffic: float, aht_seconds: float, target: Target, concurrency: int,
                         shrinkage: Number = 0) -> Staffing:
    """Agents for chat/ticket work where each agent handles `concurrency` conversations at once.

    Each agent is modelled as `concurrency` servers for Erlang C (AHT is how long one conversation
    holds a slot) and the target is the first-response time; agents = ceil(slots ÷ concurrency).
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1 conversation per agent")
    slots = required_agents(traffic, aht_seconds, target)
    agents = ceil_exact(Fraction(slots.agents, concurrency))
    return Staffing(agents, apply_shrinkage(agents, shrinkage), slots.performance)
