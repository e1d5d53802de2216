"""Desk-file sections for tickets: the priority matrix, support groups, categories and people.

```yaml
priorities:
  urgency: [high, medium, low]          # most urgent first
  impact: [high, medium, low]
  levels: {P1: critical, P2: high, P3: moderate, P4: low}   # most urgent first, with labels
  matrix:                               # urgency → impact → priority; every cell must be filled
    high:   {high: P1, medium: P2, low: P3}
    medium: {high: P2, medium: P3, low: P4}
    low:    {high: P3, medium: P4, low: P4}
  default_urgency: low                  # used when a ticket is opened without them
  default_impact: low
groups:
  service-desk: {level: 1, members: [alice, bob], manager: carol, calendar: office-zurich}
categories:
  network: {default_group: network, confidential: false}
people:
  alice: {name: Alice Meier, email: alice@example.com, roles: [agent], slack: U0ALICE, discord: "1234"}
```
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from deskops.core.config.base import StrictModel

Role = Literal["requester", "agent", "manager", "duty_manager", "service_owner", "admin"]
"""Roles a person may hold; agents are also everyone who is a member of a group."""


class PrioritiesConfig(StrictModel):
    """The urgency × impact → priority matrix, with the priority labels; every cell filled."""

    urgency: tuple[str, ...] = ("high", "medium", "low")
    impact: tuple[str, ...] = ("high", "medium", "low")
    levels: dict[str, str] = {"P1": "critical", "P2": "high", "P3": "moderate", "P4": "low"}
    matrix: dict[str, dict[str, str]] = {
        "high": {"high": "P1", "medium": "P2", "low": "P3"},
        "medium": {"high": "P2", "medium": "P3", "low": "P4"},
        "low": {"high": "P3", "medium": "P4", "low": "P4"},
    }
    default_urgency: str | None = None
    default_impact: str | None = None

    @model_validator(mode="after")
    def _matrix_complete(self) -> Self:
        problems = matrix_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def matrix_problems(config: PrioritiesConfig) -> list[str]:
    """List every gap, unknown value or unknown priority in the matrix, each with its path."""
    problems: list[str] = []
    for name, values in (("urgency", config.urgency), ("impact", config.impact)):
        if not values:
            problems.append(f"priorities.{name}: list at least one value")
        if len(set(values)) != len(values):
            problems.append(f"priorities.{name}: a value is listed twice")
    if not config.levels:
        problems.append("priorities.levels: list at least one priority, e.g. {P1: critical}")
    for urgency in config.matrix:
        if urgency not in config.urgency:
            problems.append(f"priorities.matrix.{urgency}: unknown urgency (valid: {', '.join(config.urgency)})")
    for urgency in config.urgency:
        row = config.matrix.get(urgency, {})
        for impact in row:
            if impact not in config.impact:
                problems.append(
                    f"priorities.matrix.{urgency}.{impact}: unknown impact (valid: {', '.join(config.impact)})"
                )
        for impact in config.impact:
            cell = row.get(impact)
            if cell is None:
                problems.append(f"priorities.matrix.{urgency}.{impact}: gap in the matrix; give a priority")
            elif cell not in config.levels:
                problems.append(
                    f"priorities.matrix.{urgency}.{impact}: unknown priority {cell!r} "
                    f"(valid: {', '.join(config.levels)})"
                )
    for name, value, valid in (
        ("default_urgency", config.default_urgency, config.urgency),
        ("default_impact", config.default_impact, config.impact),
    ):
        if value is not None and value not in valid:
            problems.append(f"priorities.{name}: unknown value {value!r} (valid: {', '.join(valid)})")
    return problems


class GroupConfig(StrictModel):
    """A support group: its level (1 service desk, 2 and 3 specialists), members and manager."""

    level: Literal[1, 2, 3] = 1
    description: str = ""
    members: tuple[str, ...] = ()
    manager: str | None = None
    calendar: str | None = None


class CategoryConfig(StrictModel):
    """A ticket category: where its tickets go first, and whether only its group may see them."""

    description: str = ""
    default_group: str | None = None
    confidential: bool = False


class PersonConfig(StrictModel):
    """Someone the desk knows: name, e-mail, roles, chat identities and line manager."""

    name: str
    email: str | None = None
    roles: tuple[Role, ...] = ()
    slack: str | None = Field(default=None, description="Slack user id, e.g. U012ABCDEF")
    discord: str | None = Field(default=None, description="Discord user id (a snowflake, as text)")
    manager: str | None = None


def ticket_reference_problems(
    *,
    groups: dict[str, GroupConfig],
    categories: dict[str, CategoryConfig],
    people: dict[str, PersonConfig],
    calendars: set[str],
) -> list[str]:
    """List every name the ticket sections use that is not defined, each with its path in the file."""
    problems: list[str] = []
    known_people = ", ".join(people) or "none defined; add a people section"
    for name, group in groups.items():
        for index, member in enumerate(group.members):
            if member not in people:
                problems.append(f"groups.{name}.members[{index}]: unknown person {member!r} (known: {known_people})")
        if group.manager is not None and group.manager not in people:
            problems.append(f"groups.{name}.manager: unknown person {group.manager!r} (known: {known_people})")
        if group.calendar is not None and group.calendar not in calendars:
            known = ", ".join(sorted(calendars)) or "none defined"
            problems.append(f"groups.{name}.calendar: unknown calendar {group.calendar!r} (known: {known})")
    for name, category in categories.items():
        if category.default_group is not None and category.default_group not in groups:
            known = ", ".join(groups) or "none defined"
            problems.append(
                f"categories.{name}.default_group: unknown group {category.default_group!r} (known: {known})"
            )
    for name, person in people.items():
        if person.manager is not None and person.manager not in people:
            problems.append(f"people.{name}.manager: unknown person {person.manager!r} (known: {known_people})")
    for platform in ("slack", "discord"):
        seen: dict[str, str] = {}
        for name, person in people.items():
            ident = getattr(person, platform)
            if ident is None:
                continue
            if ident in seen:
                problems.append(f"people.{name}.{platform}: id {ident!r} is already used by {seen[ident]!r}")
            seen[ident] = name
    return problems
