"""Escalation policies: which one applies to a ticket, and the snapshot copied onto it when escalation starts.

The snapshot is the policy as it was when escalation started, stored with the ticket's escalation
row as JSON: editing the desk file later changes no escalation in flight.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from deskops.core.clock import ensure_utc
from deskops.core.config.escalation import EscalationConfig, PolicyConfig, StepConfig


class PolicySnapshot(BaseModel):
    """A policy frozen onto one ticket: its name, its steps, and when escalation started."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    policy: PolicyConfig
    started_at: datetime
    major: bool = False

    @classmethod
    def take(cls, name: str, policy: PolicyConfig, *, at: datetime, major: bool = False) -> PolicySnapshot:
        """Copy `policy` as it is now, escalation starting at `at`."""
        return cls(name=name, policy=policy, started_at=ensure_utc(at), major=major)

    def to_json(self) -> dict[str, Any]:
        """The snapshot as JSON-ready data (durations as ISO 8601), for the store."""
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PolicySnapshot:
        """Read a snapshot back from the store."""
        return cls.model_validate(data)

    @property
    def steps(self) -> tuple[StepConfig, ...]:
        """The policy's steps in the order written."""
        return self.policy.steps

    def timed_indices(self) -> tuple[int, ...]:
        """Indices (into `steps`) of the timed steps, in firing order."""
        return tuple(i for i, step in enumerate(self.policy.steps) if step.timed)

    def sla_indices(self) -> tuple[int, ...]:
        """Indices (into `steps`) of the SLA-threshold steps."""
        return tuple(i for i, step in enumerate(self.policy.steps) if not step.timed)

    def timed_positions(self) -> int:
        """How many timed firings the chain has in all, repeats included."""
        return len(self.timed_indices()) * (self.policy.repeat + 1)

    def cycle_length(self) -> timedelta:
        """Time from the start of one run of the timed chain to the start of the next."""
        timed = [self.policy.steps[i].delay for i in self.timed_indices()]
        return (max(timed) if timed else timedelta(0)) + self.policy.repeat_after

    def locate(self, position: int) -> tuple[int, int]:
        """Timed position → (step index, cycle): position 0 is the first timed step of the first run."""
        timed = self.timed_indices()
        cycle, offset = divmod(position, len(timed))
        return timed[offset], cycle

    def nominal_due(self, position: int) -> datetime:
        """When timed position `position` is due, before any window holds it back."""
        index, cycle = self.locate(position)
        return self.started_at + cycle * self.cycle_length() + self.policy.steps[index].delay


def select_policy(
    config: EscalationConfig,
    *,
    priority: str | None,
    group: str | None,
    kind: str | None,
    category: str | None,
    major: bool = False,
) -> tuple[str, PolicyConfig] | None:
    """The policy for a ticket: the major-incident policy for majors, else the first whose `match` fits."""
    major_config = config.major_incident
    if major_config is not None and (major or (priority is not None and priority in major_config.priorities)):
        return major_config.policy, config.policies[major_config.policy]
    for name, policy in config.policies.items():
        if major_config is not None and name == major_config.policy:
            continue  # the major-incident policy is chosen above, never by `match`
        if policy.match.fits(priority=priority, group=group, kind=kind, category=category):
            return name, policy
    return None
