"""The `catalog` section of the desk file: the service requests people can order from chat.

```yaml
catalog:
  new-laptop:
    title: New laptop
    description: A standard laptop for a new or existing employee.
    service: workplace             # the ticket's service (agreements match on it); default: the entry's name
    category: hardware             # optional ticket category
    group: workplace               # the fulfilment group: the request is routed to it on approval
    agreement: workplace-sla       # the agreement that applies (it must cover the request's service)
    sla_from: approval             # approval (default): clocks start at approval | submission
    form:
      model: {type: choice, label: Model, choices: [standard, developer], required: true}
      needed_by: {type: date, label: Needed by}
      for_whom: {type: user, label: For whom}
      quantity: {type: number, label: How many, min: 1, max: 5}
      reason: {type: text, label: Why, max_length: 500}
    approvals:                     # steps in order; each needs one (rule: one) or all (rule: all) approvers
      - {name: manager, approvers: [manager]}            # `manager`: the requester's line manager
      - {name: budget, approvers: [group:finance], rule: one}   # `group:NAME`: its members; else a person
    task_order: parallel           # parallel (default): any task may be done first | sequence
    tasks:
      - {title: Prepare the laptop, group: workplace}
      - {title: Create the accounts, group: identity}
```
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, Self

from pydantic import Field, model_validator

from deskops.core.config.agreements import AgreementConfig, select_agreements
from deskops.core.config.base import StrictModel

FieldType = Literal["text", "choice", "user", "date", "number"]
MANAGER = "manager"
"""The approver word meaning the requester's line manager (people.<id>.manager)."""
GROUP_PREFIX = "group:"
"""An approver `group:NAME` means any member of that group (rule one) or all of them (rule all)."""


class FormFieldConfig(StrictModel):
    """One typed field of a request's form, with its checks."""

    type: FieldType = "text"
    label: str = ""
    help: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    max_length: int = Field(default=500, ge=1, le=4000)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice field needs choices, e.g. choices: [standard, developer]")
        if self.type != "choice" and self.choices:
            raise ValueError(f"only choice fields take choices (this one is {self.type})")
        if (self.min is not None or self.max is not None) and self.type != "number":
            raise ValueError("min and max apply to number fields only")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class ApprovalStepConfig(StrictModel):
    """One approval step: who may approve, and whether one of them or all of them must."""

    name: str = ""
    approvers: tuple[str, ...] = Field(min_length=1)
    rule: Literal["one", "all"] = "one"


class TaskConfig(StrictModel):
    """One fulfilment task (a checklist step) and the group that does it."""

    title: str = Field(min_length=1, max_length=200)
    group: str


class RequestTypeConfig(StrictModel):
    """A request type of the catalog: form, approvals, fulfilment group, agreement and tasks."""

    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    service: str | None = None
    category: str | None = None
    group: str
    agreement: str | None = None
    sla_from: Literal["approval", "submission"] = "approval"
    form: dict[str, FormFieldConfig] = {}
    approvals: tuple[ApprovalStepConfig, ...] = ()
    task_order: Literal["parallel", "sequence"] = "parallel"
    tasks: tuple[TaskConfig, ...] = ()

    def service_name(self, type_name: str) -> str:
        """The ticket service of this request type (its own name unless `service` is set)."""
        return self.service or type_name


def catalog_reference_problems(
    catalog: Mapping[str, RequestTypeConfig],
    *,
    groups: Iterable[str],
    people: Iterable[str],
    categories: Iterable[str],
    agreements: dict[str, AgreementConfig],
) -> list[str]:
    """List every unknown group, person, category or agreement, and agreements that would not apply."""
    groups, people, categories = set(groups), set(people), set(categories)
    problems: list[str] = []
    for name, entry in catalog.items():
        where = f"catalog.{name}"
        for path, group in [("group", entry.group)] + [(f"tasks[{i}].group", t.group) for i, t in
                                                       enumerate(entry.tasks)]:  # fmt: skip
            if group not in groups:
                problems.append(f"{where}.{path}: unknown group {group!r} (known: {', '.join(sorted(groups))})")
        if entry.category is not None and entry.category not in categories:
            problems.append(f"{where}.category: unknown category {entry.category!r}")
        for s, step in enumerate(entry.approvals):
            for a, approver in enumerate(step.approvers):
                problem = _approver_problem(approver, groups=groups, people=people)
                if problem:
                    problems.append(f"{where}.approvals[{s}].approvers[{a}]: {problem}")
        if entry.agreement is not None:
            problems.extend(_agreement_problems(where, name, entry, agreements))
    return problems


def _approver_problem(approver: str, *, groups: set[str], people: set[str]) -> str:
    if approver == MANAGER:
        return ""
    if approver.startswith(GROUP_PREFIX):
        group = approver.removeprefix(GROUP_PREFIX)
        return "" if group in groups else f"unknown group {group!r}"
    return "" if approver in people else f"unknown person {approver!r} (use manager, group:NAME or a person id)"


def _agreement_problems(
    where: str, name: str, entry: RequestTypeConfig, agreements: dict[str, AgreementConfig]
) -> list[str]:
    """The named agreement must exist and be the one the SLA engine picks for this request's tickets."""
    chosen = agreements.get(entry.agreement or "")
    if chosen is None:
        return [f"{where}.agreement: unknown agreement {entry.agreement!r} (known: {', '.join(agreements)})"]
    covering = select_agreements(agreements, service=entry.service_name(name), category=entry.category,
                                 customer=None, group=entry.group)  # fmt: skip
    if any(n == entry.agreement for n, _ in covering):
        return []
    picked = next((n for n, a in covering if a.kind == chosen.kind), None)
    instead = f"{picked!r} applies instead" if picked else "no agreement of that kind applies"
    return [
        f"{where}.agreement: {entry.agreement!r} does not cover this request (service "
        f"{entry.service_name(name)!r}, group {entry.group!r}): {instead}; add the service to its match.services "
        "or list it before the broader agreement"
    ]
