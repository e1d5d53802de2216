"""Who may see a person's figures: that person, their team lead and the desk's managers; peers see none.

Team leads are the managers of the groups a person is a member of and the person's line manager;
managers are people with the `manager` or `duty_manager` role. Group lists (the training needs of a
group) carry no names and stay visible to the group's members.
"""

from __future__ import annotations

from deskops.core.config.desk import DeskConfig
from deskops.core.people.training import TrainingReport

MANAGER_ROLES = frozenset({"manager", "duty_manager"})


def is_desk_manager(desk: DeskConfig, viewer: str) -> bool:
    """True for people whose desk role lets them see everyone's figures."""
    person = desk.people.get(viewer)
    return person is not None and bool(MANAGER_ROLES.intersection(person.roles))


def leads(desk: DeskConfig, person: str) -> frozenset[str]:
    """The person's team leads: the managers of their groups and their line manager."""
    found = {group.manager for group in desk.groups.values() if person in group.members and group.manager}
    entry = desk.people.get(person)
    if entry is not None and entry.manager is not None:
        found.add(entry.manager)
    return frozenset(found)


def may_see_person(desk: DeskConfig, viewer: str, person: str) -> bool:
    """Whether `viewer` may see `person`'s individual figures."""
    return viewer == person or viewer in leads(desk, person) or is_desk_manager(desk, viewer)


def may_see_group(desk: DeskConfig, viewer: str, group: str) -> bool:
    """Whether `viewer` may see a group's (nameless) training list: its members, its lead, managers."""
    entry = desk.groups.get(group)
    if entry is None:
        return is_desk_manager(desk, viewer)
    return viewer in entry.members or viewer == entry.manager or is_desk_manager(desk, viewer)


def for_viewer(report: TrainingReport, desk: DeskConfig, viewer: str) -> TrainingReport:
    """The report as `viewer` may see it: the groups they belong to or lead, and only permitted people."""
    return report.model_copy(update={
        "groups": [g for g in report.groups if may_see_group(desk, viewer, g.group)],
        "people": [p for p in report.people if may_see_person(desk, viewer, p.person)],
    })
