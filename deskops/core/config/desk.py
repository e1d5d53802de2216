"""The whole desk file: one root model whose sections live in their own modules.

Cross-references (every group, calendar, schedule named exists; every priority has targets) are
checked once here at load, so the rest of the code can trust a loaded `DeskConfig`.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AfterValidator, model_validator

from deskops.core.config.agreements import AgreementConfig, agreement_reference_problems
from deskops.core.config.base import StrictModel
from deskops.core.config.calendars import CalendarConfig, known_zone
from deskops.core.config.catalog import RequestTypeConfig, catalog_reference_problems
from deskops.core.config.digests import DigestConfig, digest_reference_problems
from deskops.core.config.escalation import EscalationConfig, escalation_reference_problems
from deskops.core.config.interfaces import AlertsConfig, InterfaceConfig, interface_reference_problems
from deskops.core.config.oncall import ScheduleConfig, schedule_reference_problems
from deskops.core.config.people import PersonSkillsConfig, RoleProfileConfig, people_reference_problems
from deskops.core.config.planning import PlanningConfig
from deskops.core.config.process import ProcessConfig
from deskops.core.config.routing import RoutingConfig, routing_reference_problems
from deskops.core.config.tickets import (
    CategoryConfig,
    GroupConfig,
    PersonConfig,
    PrioritiesConfig,
    ticket_reference_problems,
)


class DeskConfig(StrictModel):
    """The root of `config/desk.yaml`."""

    name: str = "DeskOps"
    timezone: Annotated[str, AfterValidator(known_zone)] = "UTC"
    """The zone chat replies show times in (IANA name); data and the store stay in UTC."""
    calendars: dict[str, CalendarConfig] = {}
    schedules: dict[str, ScheduleConfig] = {}
    escalation: EscalationConfig = EscalationConfig()
    priorities: PrioritiesConfig = PrioritiesConfig()
    groups: dict[str, GroupConfig] = {}
    categories: dict[str, CategoryConfig] = {}
    people: dict[str, PersonConfig] = {}
    planning: PlanningConfig | None = None
    agreements: dict[str, AgreementConfig] = {}
    catalog: dict[str, RequestTypeConfig] = {}
    """Service requests people can order (`/request`); see deskops/core/config/catalog.py."""
    process: ProcessConfig = ProcessConfig()
    """Thresholds of the process signals (`deskops process findings`); see deskops/core/config/process.py."""
    interfaces: dict[str, InterfaceConfig] = {}
    """Operations, security and suppliers tickets are handed to; see deskops/core/config/interfaces.py."""
    alerts: AlertsConfig = AlertsConfig()
    """Monitoring systems that may open incidents (POST /alerts/...)."""
    routing: RoutingConfig = RoutingConfig()
    """Rules routing new tickets to groups by category, service, location, department; config/routing.py."""
    people_profiles: dict[str, RoleProfileConfig] = {}
    """Role profiles (job descriptions with required skills); see deskops/core/config/people.py."""
    skills: dict[str, PersonSkillsConfig] = {}
    """The skills matrix: person id → levels, languages, certifications, role profiles held."""
    shift_needs: dict[str, dict[str, int]] = {}
    """Planning shift pattern → skill → people who must have it on that shift, e.g. {late: {es: 1}}."""
    digests: dict[str, DigestConfig] = {}
    """Scheduled KPI digests per audience (cron + zone + recipient); see deskops/core/config/digests.py."""

    @model_validator(mode="after")
    def _digest_references(self) -> Self:
        problems = digest_reference_problems(self.digests, people=set(self.people), groups=set(self.groups))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _people_references(self) -> Self:
        problems = people_reference_problems(
            self.people_profiles, self.skills, people=set(self.people), groups=set(self.groups),
            calendars=set(self.calendars),
        )  # fmt: skip
        shifts = set(self.planning.shifts) if self.planning is not None else set()
        for name in self.shift_needs:
            if name not in shifts:
                problems.append(f"shift_needs.{name}: unknown shift pattern (known: "
                                f"{', '.join(sorted(shifts)) or 'none; add a planning section'})")
        if problems:
            raise ValueError("; ".join(problems))
        return self


    @model_validator(mode="after")
    def _agreement_references(self) -> Self:
        problems = agreement_reference_problems(
            self.agreements, calendars=self.calendars, priorities=self.priorities.levels,
            groups=self.groups, categories=self.categories,
        )  # fmt: skip
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _ticket_references(self) -> Self:
        problems = ticket_reference_problems(
            groups=self.groups, categories=self.categories, people=self.people, calendars=set(self.calendars)
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _planning_calendar(self) -> Self:
        if self.planning is not None and self.planning.calendar not in self.calendars:
            known = ", ".join(self.calendars) or "none defined"
            raise ValueError(f"planning.calendar: unknown calendar {self.planning.calendar!r}; known: {known}")
        return self

    @model_validator(mode="after")
    def _escalation_references(self) -> Self:
        people, groups = set(self.people), set(self.groups)
        problems = schedule_reference_problems(self.schedules, people=people) + escalation_reference_problems(
            self.escalation, schedules=set(self.schedules), groups=groups, people=people
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _catalog_references(self) -> Self:
        problems = catalog_reference_problems(
            self.catalog, groups=self.groups, people=self.people, categories=self.categories,
            agreements=self.agreements,
        )  # fmt: skip
        problems += interface_reference_problems(self.interfaces, self.alerts, agreements=self.agreements,
                                                 groups=set(self.groups), categories=self.categories)  # fmt: skip
        problems += routing_reference_problems(self.routing, groups=set(self.groups), people=set(self.people),
                                               categories=set(self.categories))  # fmt: skip
        if problems:
            raise ValueError("; ".join(problems))
        return self
