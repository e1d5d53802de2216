"""Urgency × impact → priority, from the desk file's matrix (pure; no store, no clock)."""

from __future__ import annotations

from dataclasses import dataclass

from deskops.core.config.tickets import PrioritiesConfig
from deskops.core.errors import InvalidInput


@dataclass(frozen=True)
class Classification:
    """An urgency, an impact and the priority the matrix gives them."""

    urgency: str
    impact: str
    priority: str


class PriorityMatrix:
    """Looks up priorities in a validated `PrioritiesConfig` and orders them (P1 first)."""

    def __init__(self, config: PrioritiesConfig) -> None:
        self._config = config
        self._rank = {name: index for index, name in enumerate(config.levels)}

    @property
    def urgencies(self) -> tuple[str, ...]:
        """Valid urgency values, most urgent first."""
        return self._config.urgency

    @property
    def impacts(self) -> tuple[str, ...]:
        """Valid impact values, widest first."""
        return self._config.impact

    @property
    def priorities(self) -> tuple[str, ...]:
        """Priority names, most urgent first (the order queues are sorted in)."""
        return tuple(self._config.levels)

    def label(self, priority: str | None) -> str:
        """Return e.g. `P1 critical` for `P1` (the bare name if it has no label, `-` for none)."""
        if priority is None:
            return "-"
        text = self._config.levels.get(priority)
        return f"{priority} {text}" if text else priority

    def rank(self, priority: str | None) -> int:
        """Return the position of `priority` in the order (unknown or none sort last)."""
        if priority is None:
            return len(self._rank) + 1
        return self._rank.get(priority, len(self._rank))

    def check_urgency(self, value: str) -> str:
        """Return the urgency as configured, or refuse it naming the valid values."""
        return _check("urgency", value, self._config.urgency)

    def check_impact(self, value: str) -> str:
        """Return the impact as configured, or refuse it naming the valid values."""
        return _check("impact", value, self._config.impact)

    def check_priority(self, value: str) -> str:
        """Return the priority as configured (case-insensitive), or refuse it naming the valid ones."""
        return _check("priority", value, tuple(self._config.levels))

    def classify(self, urgency: str | None, impact: str | None) -> Classification:
        """Give the priority for urgency × impact; missing values take the desk's defaults."""
        u = self.check_urgency(urgency) if urgency is not None else self.default_urgency
        i = self.check_impact(impact) if impact is not None else self.default_impact
        return Classification(urgency=u, impact=i, priority=self._config.matrix[u][i])

    @property
    def default_urgency(self) -> str:
        """Urgency of a ticket opened without one: the configured default, else the least urgent."""
        return self._config.default_urgency or self._config.urgency[-1]

    @property
    def default_impact(self) -> str:
        """Impact of a ticket opened without one: the configured default, else the narrowest."""
        return self._config.default_impact or self._config.impact[-1]


def _check(name: str, value: str, valid: tuple[str, ...]) -> str:
    wanted = value.strip().lower()
    for candidate in valid:
        if candidate.lower() == wanted:
            return candidate
    raise InvalidInput(f"Unknown {name} {value!r}.", hint=f"Use one of: {', '.join(valid)}.")
