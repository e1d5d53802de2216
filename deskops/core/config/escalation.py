"""The `escalation` section of the desk file: policies, their steps, and which tickets they apply to.

```yaml
escalation:
  major_incident: {policy: major-incident, priorities: [P1]}   # P1 or /ticket major → this policy
  oncall: {network: network-oncall}   # `role: oncall` pages this schedule for the network group
  policies:                         # the first policy whose `match` fits a ticket applies
    major-incident:
      repeat: 2                     # run the timed chain twice more while nobody acknowledges
      repeat_after: 10m             # pause after the last timed step before the chain starts again
      steps:
        - {after: 0m, page: {schedule: network-oncall}}            # paging: needs an acknowledgement
        - {after: 5m, page: {user: bob}}
        - {after: 15m, notify: {role: manager}, reason: "P1 not acknowledged in 15 minutes"}
    standard:
      match: {priorities: [P2, P3]}
      steps:
        - {sla: {clock: resolution, percent: 75}, notify: {role: manager}}   # hierarchical
        - {sla: {clock: resolution, percent: 100}, reassign: next-level}     # functional
        - {after: 1h, page: {group: network}, window: {timezone: Europe/Zurich, hours: {mon-fri: "08:00-18:00"}}}
```

A step fires `after` a delay from the start of escalation, or when an SLA clock reaches a share of its
target (`sla`, 100 = breach). Its action is exactly one of `page` (a schedule's on-call, a user or a
group's members; they get Acknowledge / Escalate buttons), `notify` (tell someone, no answer needed:
hierarchical escalation) or `reassign` (move the ticket to a named group, or `next-level`: functional
escalation). A `window` holds a step until the window opens in its zone.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from deskops.core.config.base import Duration, StrictModel
from deskops.core.config.calendars import known_zone, weekly_windows, window_lists

TargetRole = Literal["oncall", "manager", "assignee", "group"]
"""oncall: who is on call for the ticket's group (`escalation.oncall`), else its members; manager: the
group's manager; assignee: the person holding the ticket; group: the group's members. A ticket
without a group counts as the first 1st-level group's."""

DEFAULT_REPEAT_AFTER = timedelta(minutes=10)
"""Pause after the last timed step before a repeating chain starts again, unless `repeat_after` says."""

NEXT_LEVEL = "next-level"
"""`reassign: next-level` moves the ticket to a group one support level up (2nd → 3rd)."""


class TargetConfig(StrictModel):
    """Whom a step reaches: exactly one of a schedule's on-call, a user, a named group, or a role."""

    schedule: str | None = None
    user: str | None = None
    group: str | None = None
    role: TargetRole | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [name for name in ("schedule", "user", "group", "role") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "name exactly one target: {schedule: NAME}, {user: PERSON}, {group: GROUP} "
                f"or {{role: oncall|manager|assignee|group}} (got {', '.join(given) or 'none'})"
            )
        return self

    def describe(self) -> str:
        """A short human label, e.g. `schedule network-oncall` or `the group's manager`."""
        if self.schedule:
            return f"on-call of {self.schedule}"
        if self.user:
            return self.user
        if self.group:
            return f"group {self.group}"
        return {"oncall": "the group's on-call", "manager": "the group's manager", "assignee": "the assignee",
                "group": "the ticket's group"}[self.role or "group"]


class SlaThreshold(StrictModel):
    """An SLA clock reaching a share of its target (`percent: 100` is the breach)."""

    clock: Literal["response", "resolution"] = "resolution"
    percent: int = Field(ge=1, le=1000)


class WindowConfig(StrictModel):
    """Local weekly hours in a named zone; a step outside them waits until they open."""

    timezone: str
    hours: dict[str, tuple[str, ...]]

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return known_zone(value)

    @field_validator("hours", mode="before")
    @classmethod
    def _single_window(cls, value: object) -> object:
        return window_lists(value)

    @field_validator("hours")
    @classmethod
    def _some_hours(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        if not any(weekly_windows(value)):
            raise ValueError("a window with no hours never opens; e.g. hours: {mon-fri: '08:00-18:00'}")
        return value


class StepConfig(StrictModel):
    """One step of a policy: when it fires and what it does."""

    after: Duration | None = None
    sla: SlaThreshold | None = None
    page: TargetConfig | None = None
    notify: TargetConfig | None = None
    reassign: str | None = None
    window: WindowConfig | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _one_trigger_one_action(self) -> Self:
        if self.after is not None and self.sla is not None:
            raise ValueError("a step fires either `after` a delay or at an `sla` threshold, not both")
        if self.after is not None and self.after.total_seconds() < 0:
            raise ValueError("`after` cannot be negative; 0m fires at once")
        actions = [name for name in ("page", "notify", "reassign") if getattr(self, name) is not None]
        if len(actions) != 1:
            raise ValueError(
                "give a step exactly one action: page: {...}, notify: {...} or reassign: GROUP|next-level "
                f"(got {', '.join(actions) or 'none'})"
            )
        return self

    @property
    def action(self) -> Literal["page", "notify", "reassign"]:
        """Which of the three actions this step takes."""
        if self.page is not None:
            return "page"
        return "notify" if self.notify is not None else "reassign"

    @property
    def delay(self) -> timedelta:
        """How long after escalation starts a timed step fires (no `after` and no `sla`: at once)."""
        return self.after if self.after is not None else timedelta(0)

    @property
    def timed(self) -> bool:
        """True for steps that fire after a delay (the chain that repeats), False for SLA-threshold steps."""
        return self.sla is None

    def target(self) -> TargetConfig | None:
        """Whom a page or notify step reaches (None for reassign)."""
        return self.page or self.notify


class MatchConfig(StrictModel):
    """Which tickets a policy applies to; every list given must contain the ticket's value."""

    priorities: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None
    kinds: tuple[Literal["incident", "service_request"], ...] | None = None
    categories: tuple[str, ...] | None = None

    def fits(self, *, priority: str | None, group: str | None, kind: str | None, category: str | None) -> bool:
        """True when the ticket's values are in every list given."""
        checks = ((self.priorities, priority), (self.groups, group), (self.kinds, kind), (self.categories, category))
        return all(allowed is None or value in allowed for allowed, value in checks)


class PolicyConfig(StrictModel):
    """An escalation policy: steps, how often the timed chain repeats, which tickets it is for."""

    description: str = ""
    match: MatchConfig = MatchConfig()
    steps: tuple[StepConfig, ...]
    repeat: int = Field(default=0, ge=0, le=20)
    repeat_after: Duration = DEFAULT_REPEAT_AFTER

    @field_validator("steps")
    @classmethod
    def _steps(cls, value: tuple[StepConfig, ...]) -> tuple[StepConfig, ...]:
        if not value:
            raise ValueError("a policy needs at least one step, e.g. - {after: 0m, page: {schedule: NAME}}")
        delays = [step.delay for step in value if step.timed]
        if delays != sorted(delays):
            raise ValueError("list timed steps in the order they fire (`after` must not decrease)")
        return value

    @model_validator(mode="after")
    def _repeat_needs_timed_steps(self) -> Self:
        if self.repeat and not any(step.timed for step in self.steps):
            raise ValueError("`repeat` repeats the timed steps, but this policy has only SLA-threshold steps")
        return self


class MajorIncidentConfig(StrictModel):
    """The policy for major incidents: declared by hand, or every ticket of the listed priorities."""

    policy: str
    priorities: tuple[str, ...] = ("P1",)


class EscalationConfig(StrictModel):
    """The escalation section: named policies (first match wins), the major-incident policy, and which
    schedule is each group's on-call (`role: oncall`)."""

    policies: dict[str, PolicyConfig] = {}
    major_incident: MajorIncidentConfig | None = None
    oncall: dict[str, str] = {}

    @model_validator(mode="after")
    def _major_policy_exists(self) -> Self:
        if self.major_incident is not None and self.major_incident.policy not in self.policies:
            known = ", ".join(self.policies) or "none"
            raise ValueError(f"major_incident.policy: unknown policy {self.major_incident.policy!r} (known: {known})")
        return self


def escalation_reference_problems(
    escalation: EscalationConfig, *, schedules: set[str], groups: set[str], people: set[str]
) -> list[str]:
    """Every schedule, person and group a policy names must exist; each problem starts with its path."""
    problems: list[str] = []
    for group, schedule in escalation.oncall.items():
        if group not in groups:
            problems.append(f"escalation.oncall.{group}: unknown group {group!r} (known: {', '.join(sorted(groups))})")
        if schedule not in schedules:
            listed = ", ".join(sorted(schedules)) or "none defined"
            problems.append(f"escalation.oncall.{group}: unknown schedule {schedule!r} (known: {listed})")
    for name, policy in escalation.policies.items():
        for i, step in enumerate(policy.steps):
            path = f"escalation.policies.{name}.steps[{i}]"
            target = step.target()
            if target is not None:
                kind = step.action
                for value, known, what in (
                    (target.schedule, schedules, "schedule"),
                    (target.user, people, "person"),
                    (target.group, groups, "group"),
                ):
                    if value is not None and value not in known:
                        listed = ", ".join(sorted(known)) or "none defined"
                        problems.append(f"{path}.{kind}: unknown {what} {value!r} (known: {listed})")
            if step.reassign is not None and step.reassign != NEXT_LEVEL and step.reassign not in groups:
                listed = ", ".join(sorted(groups)) or "none defined"
                problems.append(f"{path}.reassign: unknown group {step.reassign!r} (known: {listed}, or next-level)")
    return problems
