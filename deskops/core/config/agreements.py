"""The `agreements` section of the desk file: SLAs, OLAs and UCs with targets per priority.

```yaml
agreements:
  gold-sla:                      # first matching agreement of each kind applies (file order)
    kind: sla                    # sla (customer) | ola (internal group) | uc (supplier)
    calendar: always             # a calendar named under `calendars`
    match: {customers: [acme]}   # all listed fields must match; each list is "any of"; {} matches all
    targets:                     # every priority level needs targets; update is optional
      P1: {response: 15m, resolution: 4h, update: 1h}
      P2: {response: 30m, resolution: 8h}
    warnings: [50, 75, 90]       # % of the target at which people are told (default 50/75/90)
    pauses: [pending:customer]   # states (state or state:reason) that pause these clocks
```

Clock rules (see README "SLA clocks and business calendars"): resolved, closed and cancelled
always stop the clocks; `pauses` defaults per kind — SLA: `pending:customer`, `pending:approval`
(a service request's clocks start at approval); OLA: those and `pending:supplier` (the supplier's
UC runs then); UC: its clocks run only while the ticket is `pending:supplier` (`runs_only_in`
defaults to that, and `pauses` is unused).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Self

from pydantic import Field, field_validator, model_validator

from deskops.core.config.base import Duration, StrictModel

STATES = ("new", "assigned", "in_progress", "pending", "resolved", "closed", "cancelled")
PENDING_REASONS = ("customer", "supplier", "change", "problem", "other", "approval")


class AgreementKind(StrEnum):
    """SLA with a customer, OLA with an internal group, UC (underpinning contract) with a supplier."""

    SLA = "sla"
    OLA = "ola"
    UC = "uc"


class ClockName(StrEnum):
    """The clocks an agreement can run on a ticket."""

    RESPONSE = "response"
    RESOLUTION = "resolution"
    UPDATE = "update"


DEFAULT_PAUSES: dict[AgreementKind, tuple[str, ...]] = {
    # pending:approval is a service request waiting for its approvers: its clocks start at approval.
    AgreementKind.SLA: ("pending:customer", "pending:approval"),
    AgreementKind.OLA: ("pending:customer", "pending:supplier", "pending:approval"),
    AgreementKind.UC: (),
}
DEFAULT_RUNS_ONLY_IN: dict[AgreementKind, tuple[str, ...]] = {AgreementKind.UC: ("pending:supplier",)}


def check_state_spec(text: str) -> str:
    """Accept `pending`, `pending:customer`, `in_progress`, ...; refuse anything else, listing the valid."""
    state, _, reason = text.partition(":")
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}; use one of {', '.join(STATES)} (pending may add :REASON)")
    if reason and state != "pending":
        raise ValueError(f"bad state {text!r}; only pending takes a reason: pending:{'|'.join(PENDING_REASONS)}")
    if reason and reason not in PENDING_REASONS:
        raise ValueError(f"unknown pending reason {reason!r}; use pending:{'|'.join(PENDING_REASONS)}")
    return text


def state_matches(spec: str, state: str, pending_reason: str | None) -> bool:
    """Tell whether a ticket in `state` (with `pending_reason`) is in the state named by `spec`."""
    spec_state, _, spec_reason = spec.partition(":")
    return spec_state == state and (not spec_reason or spec_reason == pending_reason)


class Targets(StrictModel):
    """The targets of one priority: response and resolution, optionally update."""

    response: Duration | None = None
    resolution: Duration | None = None
    update: Duration | None = None

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.response is None and self.resolution is None and self.update is None:
            raise ValueError("give at least one target: response, resolution or update (e.g. resolution: 8h)")
        for name in ClockName:
            value = getattr(self, name)
            if value is not None and value.total_seconds() <= 0:
                raise ValueError(f"{name}: a target must be longer than zero")
        return self

    def of(self, clock: ClockName) -> Duration | None:
        """The target of `clock`, or None when this priority has none."""
        value: Duration | None = getattr(self, clock)
        return value


class Match(StrictModel):
    """Which tickets an agreement covers: every listed field must match one of its values."""

    services: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()

    def accepts(
        self,
        *,
        service: str | None,
        category: str | None,
        customer: str | None,
        group: str | None,
        priority: str | None = None,
    ) -> bool:
        """Tell whether a ticket with these attributes is covered (an empty match covers all)."""
        pairs = (
            (self.services, service),
            (self.categories, category),
            (self.customers, customer),
            (self.groups, group),
            (self.priorities, priority),
        )
        return all(not allowed or value in allowed for allowed, value in pairs)


class AgreementConfig(StrictModel):
    """One SLA, OLA or UC: its calendar, the tickets it covers, targets, warnings and pause rules."""

    kind: AgreementKind = AgreementKind.SLA
    description: str = ""
    calendar: str
    match: Match = Match()
    targets: dict[str, Targets]
    default_priority: str | None = Field(default=None, description="targets used while a ticket has no priority")
    warnings: tuple[int, ...] = (50, 75, 90)
    pauses: tuple[str, ...] | None = None
    runs_only_in: tuple[str, ...] | None = None

    @field_validator("warnings")
    @classmethod
    def _thresholds(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 0 < p < 100 for p in value):
            raise ValueError("warning thresholds are percentages between 1 and 99, e.g. [50, 75, 90]")
        if len(set(value)) != len(value):
            raise ValueError("a warning threshold is listed twice")
        return tuple(sorted(value))

    @field_validator("pauses", "runs_only_in")
    @classmethod
    def _states(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(check_state_spec(s) for s in value)

    def pause_states(self) -> tuple[str, ...]:
        """The states that pause this agreement's clocks (configured, or the kind's default)."""
        return self.pauses if self.pauses is not None else DEFAULT_PAUSES[self.kind]

    def run_states(self) -> tuple[str, ...]:
        """If not empty, the only states in which this agreement's clocks run (UC default: pending:supplier)."""
        return self.runs_only_in if self.runs_only_in is not None else DEFAULT_RUNS_ONLY_IN.get(self.kind, ())

    def targets_for(self, priority: str | None) -> Targets | None:
        """The targets of `priority` (or of `default_priority` when the ticket has none yet)."""
        key = priority if priority is not None else self.default_priority
        return None if key is None else self.targets.get(key)


def agreement_reference_problems(
    agreements: dict[str, AgreementConfig],
    *,
    calendars: Iterable[str],
    priorities: Iterable[str],
    groups: Iterable[str],
    categories: Iterable[str],
) -> list[str]:
    """List every unknown calendar, priority, group or category, and every priority without targets."""
    calendars, priorities, groups, categories = set(calendars), list(priorities), set(groups), set(categories)
    problems: list[str] = []
    for name, agreement in agreements.items():
        where = f"agreements.{name}"
        if agreement.calendar not in calendars:
            known = ", ".join(sorted(calendars)) or "none defined; add a calendars section"
            problems.append(f"{where}.calendar: unknown calendar {agreement.calendar!r} (known: {known})")
        for level in priorities:
            if level not in agreement.targets:
                problems.append(f"{where}.targets: priority {level} has no targets; add {level}: {{resolution: 8h}}")
        for level in agreement.targets:
            if level not in priorities:
                problems.append(f"{where}.targets.{level}: unknown priority (known: {', '.join(priorities)})")
        if agreement.default_priority is not None and agreement.default_priority not in priorities:
            problems.append(
                f"{where}.default_priority: unknown priority {agreement.default_priority!r} "
                f"(known: {', '.join(priorities)})"
            )
        for field, noun, known_names in (("groups", "group", groups), ("categories", "category", categories)):
            for index, value in enumerate(getattr(agreement.match, field)):
                if value not in known_names:
                    known = ", ".join(sorted(known_names)) or "none defined"
                    problems.append(f"{where}.match.{field}[{index}]: unknown {noun} {value!r} (known: {known})")
        for index, value in enumerate(agreement.match.priorities):
            if value not in priorities:
                problems.append(f"{where}.match.priorities[{index}]: unknown priority {value!r}")
    return problems


def select_agreements(
    agreements: dict[str, AgreementConfig],
    *,
    service: str | None,
    category: str | None,
    customer: str | None,
    group: str | None,
    priority: str | None = None,
) -> list[tuple[str, AgreementConfig]]:
    """The agreements covering a ticket: for each kind, the first in file order whose match accepts it."""
    chosen: dict[AgreementKind, tuple[str, AgreementConfig]] = {}
    for name, agreement in agreements.items():
        if agreement.kind in chosen:
            continue
        if agreement.match.accepts(service=service, category=category, customer=customer, group=group,
                                   priority=priority):
            chosen[agreement.kind] = (name, agreement)
    return [chosen[kind] for kind in AgreementKind if kind in chosen]
