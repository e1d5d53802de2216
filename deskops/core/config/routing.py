"""The `routing` section of the desk file: which group a new ticket (incident or request) goes to.

```yaml
routing:
  locations: {zurich: [alice, dave], geneva: [erin]}      # where people sit
  departments: {finance: [erin], engineering: [bob]}      # which department they belong to
  rules:                                                  # first match wins (file order)
    - {categories: [network], locations: [geneva], group: network}
    - {services: [laptops], departments: [engineering], group: workplace}
    - {departments: [finance], kinds: [incident], group: applications}
```

Every field a rule lists must match (each list is "any of"); a rule without conditions matches all.
An explicit group (an agent's `--group`) wins over the rules; a ticket no rule matches goes to its
category's default group (incidents) or its catalog entry's group (requests).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from deskops.core.config.base import StrictModel


class RoutingRule(StrictModel):
    """Conditions on a new ticket and its requester, and the group it then goes to."""

    kinds: tuple[Literal["incident", "service_request"], ...] = ()
    categories: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    group: str


class RoutingConfig(StrictModel):
    """Where people sit, their departments, and the rules."""

    locations: dict[str, tuple[str, ...]] = {}
    departments: dict[str, tuple[str, ...]] = {}
    rules: tuple[RoutingRule, ...] = Field(default=())


def routing_reference_problems(
    routing: RoutingConfig, *, groups: set[str], people: set[str], categories: set[str]
) -> list[str]:
    """List unknown groups, people, categories, locations and departments, with their paths."""
    problems: list[str] = []
    for section in ("locations", "departments"):
        for name, members in getattr(routing, section).items():
            problems += [f"routing.{section}.{name}: unknown person {p!r}" for p in members if p not in people]
    for index, rule in enumerate(routing.rules):
        where = f"routing.rules[{index}]"
        if rule.group not in groups:
            problems.append(f"{where}.group: unknown group {rule.group!r} (known: {', '.join(sorted(groups))})")
        problems += [f"{where}.categories: unknown category {c!r}" for c in rule.categories if c not in categories]
        problems += [f"{where}.locations: unknown location {x!r} (add it under routing.locations)"
                     for x in rule.locations if x not in routing.locations]  # fmt: skip
        problems += [f"{where}.departments: unknown department {x!r} (add it under routing.departments)"
                     for x in rule.departments if x not in routing.departments]  # fmt: skip
    return problems
