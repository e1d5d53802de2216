"""The service catalog's rules: check a filled-in form, and turn a request type into the snapshot
a request keeps (approvers resolved to people, tasks), so later edits of the desk file do not
change requests already in flight.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from deskops.core.config.catalog import GROUP_PREFIX, MANAGER, FormFieldConfig, RequestTypeConfig
from deskops.core.directory import Directory
from deskops.core.errors import InvalidInput, NotFound

FormValue = str | int | float
"""A checked form value: text, a choice, a person id, an ISO date, or a number."""


def require_type(catalog: Mapping[str, RequestTypeConfig], name: str) -> RequestTypeConfig:
    """Return the catalog entry `name` (case-insensitive), or refuse listing what can be ordered."""
    entry = catalog.get(name.strip().lower()) or catalog.get(name.strip())
    if entry is None:
        known = ", ".join(catalog) or "nothing yet (the desk file has no catalog section)"
        raise NotFound(f"There is no request type {name!r} in the catalog.", hint=f"You can order: {known}.")
    return entry


def check_form(entry: RequestTypeConfig, values: Mapping[str, str], directory: Directory) -> dict[str, FormValue]:
    """Check every value against its field (type, required, choices, range, length); refuse listing all problems."""
    problems: list[str] = []
    unknown = sorted(set(values) - set(entry.form))
    if unknown:
        problems.append(f"unknown field(s) {', '.join(unknown)}")
    checked: dict[str, FormValue] = {}
    for name, spec in entry.form.items():
        raw = (values.get(name) or "").strip()
        if not raw:
            if spec.required:
                problems.append(f"{name} is required")
            continue
        try:
            checked[name] = _check_value(spec, raw, directory)
        except ValueError as error:
            problems.append(f"{name}: {error}")
    if problems:
        raise InvalidInput(f"The form is not complete: {'; '.join(problems)}.", hint=f"Fields: {describe_form(entry)}.")
    return checked


def describe_form(entry: RequestTypeConfig) -> str:
    """One line listing the form's fields, e.g. `model=standard|developer (required), needed_by=DATE`."""
    if not entry.form:
        return "none"
    parts = []
    for name, spec in entry.form.items():
        shape = "|".join(spec.choices) if spec.type == "choice" else spec.type.upper()
        parts.append(f"{name}={shape}" + (" (required)" if spec.required else ""))
    return ", ".join(parts)


def _check_value(spec: FormFieldConfig, raw: str, directory: Directory) -> FormValue:
    if len(raw) > spec.max_length:
        raise ValueError(f"{len(raw)} characters; the limit is {spec.max_length}")
    if spec.type == "choice":
        match = next((c for c in spec.choices if c.lower() == raw.lower()), None)
        if match is None:
            raise ValueError(f"{raw!r} is not one of {', '.join(spec.choices)}")
        return match
    if spec.type == "user":
        if directory.person(raw) is None:
            raise ValueError(f"nobody called {raw!r} is known to the desk")
        return raw
    if spec.type == "date":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValueError(f"{raw!r} is not a date; write it as YYYY-MM-DD") from None
    if spec.type == "number":
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"{raw!r} is not a finite number")
        if spec.min is not None and number < spec.min:
            raise ValueError(f"{raw} is below the minimum {spec.min:g}")
        if spec.max is not None and number > spec.max:
            raise ValueError(f"{raw} is above the maximum {spec.max:g}")
        return int(number) if number.is_integer() else number
    return raw


def resolve_approvers(approvers: tuple[str, ...], requester: str, directory: Directory) -> list[str]:
    """Turn `manager`, `group:NAME` and person ids into the people who may approve (in order, once each)."""
    people: list[str] = []
    for approver in approvers:
        if approver == MANAGER:
            person = directory.person(requester)
            if person is None or person.manager is None:
                raise InvalidInput(
                    f"This request needs the approval of {requester}'s manager, and the desk file names none.",
                    hint=f"Ask an admin to set people.{requester}.manager in the desk file.",
                )
            found = [person.manager]
        elif approver.startswith(GROUP_PREFIX):
            group = directory.require_group(approver.removeprefix(GROUP_PREFIX))
            found = list(group.members) + ([group.manager] if group.manager else [])
        else:
            found = [approver]
        people.extend(p for p in found if p not in people)
    # Nobody approves their own request: four eyes. A step left with nobody cannot be decided.
    return [p for p in people if p != requester]


def snapshot(type_name: str, entry: RequestTypeConfig, requester: str, directory: Directory) -> dict[str, Any]:
    """The request type as the request keeps it: approvers resolved to people, tasks, clock start."""
    steps = []
    for index, step in enumerate(entry.approvals):
        people = resolve_approvers(step.approvers, requester, directory)
        if not people:
            raise InvalidInput(
                f"Approval step {step.name or index + 1} of {type_name} has no approver other than you.",
                hint="Ask an admin to add an approver to this step of the catalog.",
            )
        steps.append({"name": step.name or f"step {index + 1}", "rule": step.rule, "approvers": people})
    return {
        "request_type": type_name,
        "sla_from": entry.sla_from,
        "task_order": entry.task_order,
        "approvals": steps,
        "tasks": [{"title": t.title, "group": t.group} for t in entry.tasks],
    }
