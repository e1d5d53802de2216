"""Desk-file sections for the desk's people: role profiles (`people_profiles`) and the skills matrix (`skills`).

```yaml
people_profiles:
  first-level-agent:
    title: 1st level agent
    mission: Take every contact and resolve what can be resolved at once
    responsibilities: [Log every contact, Resolve or route within 15 minutes]
    groups: [service-desk]                  # the groups this role staffs (privacy and gaps use them)
    skills: {access: 3, network: 2}         # technical areas (categories, services) → minimum level 0–4
    languages: {de: 3, en: 3}               # language → minimum level 0–4
    soft_skills: {communication: 3}
    certifications: [ITIL 4 Foundation]
    service_hours: office-zurich            # a calendar of the desk file
skills:
  alice:
    roles: [first-level-agent]
    skills: {access: 3, network: 1}
    languages: {de: 4, en: 3, es: 2}
    soft_skills: {communication: 4}
    certifications: {ITIL 4 Foundation: 2027-01-15}   # name → expiry date (null: does not expire)
```

Levels follow the usual five-step scale: 0 none, 1 aware, 2 works with help, 3 works alone, 4 teaches.
The existing `people` section (names, chat ids, desk roles) is unchanged; `skills` keys are its ids.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator

from deskops.core.config.base import StrictModel

LEVELS = {0: "none", 1: "aware", 2: "works with help", 3: "works alone", 4: "teaches others"}
"""The meaning of each skill level."""


def _levels(value: dict[str, int]) -> dict[str, int]:
    for name, level in value.items():
        if level not in LEVELS:
            raise ValueError(f"{name}: level {level} is outside 0–4 (0 none … 4 teaches others)")
    return value


Levels = Annotated[dict[str, int], AfterValidator(_levels)]
"""Skill name → level 0–4."""


class RoleProfileConfig(StrictModel):
    """A role of the desk: mission, responsibilities, required skills with minimum levels, service hours."""

    title: str
    mission: str = ""
    responsibilities: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    skills: Levels = {}
    languages: Levels = {}
    soft_skills: Levels = {}
    certifications: tuple[str, ...] = ()
    service_hours: str | None = None


class PersonSkillsConfig(StrictModel):
    """One person's row of the skills matrix: role profiles held, levels, languages, certifications."""

    roles: tuple[str, ...] = ()
    skills: Levels = {}
    languages: Levels = {}
    soft_skills: Levels = {}
    certifications: dict[str, date | None] = {}


def people_reference_problems(
    profiles: dict[str, RoleProfileConfig],
    skills: dict[str, PersonSkillsConfig],
    *,
    people: set[str],
    groups: set[str],
    calendars: set[str],
) -> list[str]:
    """List every person, role, group or calendar the people sections name that is not defined."""
    problems: list[str] = []
    for name, profile in profiles.items():
        for index, group in enumerate(profile.groups):
            if group not in groups:
                problems.append(f"people_profiles.{name}.groups[{index}]: unknown group {group!r} "
                                f"(known: {', '.join(sorted(groups)) or 'none defined'})")
        if profile.service_hours is not None and profile.service_hours not in calendars:
            problems.append(f"people_profiles.{name}.service_hours: unknown calendar {profile.service_hours!r} "
                            f"(known: {', '.join(sorted(calendars)) or 'none defined'})")
    for person, row in skills.items():
        if person not in people:
            problems.append(f"skills.{person}: unknown person (add them to the people section first)")
        for index, role in enumerate(row.roles):
            if role not in profiles:
                problems.append(f"skills.{person}.roles[{index}]: unknown role profile {role!r} "
                                f"(known: {', '.join(profiles) or 'none defined; add people_profiles'})")
    return problems
