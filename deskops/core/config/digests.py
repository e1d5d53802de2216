"""Scheduled KPI digests (`digests:` in the desk file): when, to whom, for which audience and slice.

    digests:
      managers-weekly: {cron: "0 8 * * mon", timezone: America/New_York, to: "group:service-desk",
                        audience: manager, period: week, charts: true}
      leads-daily:     {cron: "0 17 * * mon-fri", timezone: Europe/Zurich, to: carol, audience: lead,
                        period: day, filter: {group: service-desk}}
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator

from deskops.core.config.base import StrictModel
from deskops.core.config.calendars import known_zone
from deskops.core.digest_schedule import CronSpec


def _cron(value: str) -> str:
    CronSpec.parse(value)  # raises ValueError naming the bad field
    return value


class DigestFilter(StrictModel):
    """Which tickets a digest counts (all when empty)."""

    priority: str | None = None
    group: str | None = None
    category: str | None = None


class DigestConfig(StrictModel):
    """One digest: a cron in a zone, a recipient, the audience whose figures it shows, and its period."""

    cron: Annotated[str, AfterValidator(_cron)]
    """Five fields, local wall time of `timezone`: minute hour day-of-month month day-of-week."""
    timezone: Annotated[str, AfterValidator(known_zone)] = "UTC"
    to: str
    """A person id or `group:NAME` (the group's channel)."""
    audience: Literal["agent", "lead", "manager", "customer"]
    period: Literal["day", "week", "month"] = "day"
    """The digest covers the day, week or month (local calendar) ending when it fires."""
    filter: DigestFilter = DigestFilter()
    charts: bool = False


def digest_reference_problems(digests: dict[str, DigestConfig], *, people: set[str], groups: set[str]) -> list[str]:
    """What is wrong with the digests' recipients and filters (unknown people or groups)."""
    problems = []
    for name, digest in digests.items():
        group = digest.to.removeprefix("group:") if digest.to.startswith("group:") else None
        if group is not None and group not in groups:
            known = ", ".join(sorted(groups)) or "none"
            problems.append(f"digests.{name}.to: unknown group {group!r} (known: {known})")
        elif group is None and digest.to not in people:
            problems.append(f"digests.{name}.to: unknown person {digest.to!r}; write a person id or group:NAME")
        if digest.filter.group is not None and digest.filter.group not in groups:
            problems.append(f"digests.{name}.filter.group: unknown group {digest.filter.group!r}")
    return problems
