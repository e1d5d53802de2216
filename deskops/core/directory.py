"""Who is who on the desk: people, support groups and categories, looked up from the desk file.

Anyone may be a requester, including people the desk file does not list (every employee can
ask for help); agents are the members of a group or people with the `agent` role; managers are
group managers or people with the `manager` role.
"""

from __future__ import annotations

from typing import TypeVar

from deskops.core.config.desk import DeskConfig
from deskops.core.config.tickets import CategoryConfig, GroupConfig, PersonConfig
from deskops.core.errors import InvalidInput, NotFound

_T = TypeVar("_T")

_MANAGER_ROLES = frozenset({"manager", "duty_manager", "service_owner", "admin"})


class Directory:
    """Lookups over the people, groups and categories of a validated desk file."""

    def __init__(self, config: DeskConfig) -> None:
        self._people = config.people
        self._groups = config.groups
        self._categories = config.categories
        self._by_platform: dict[tuple[str, str], str] = {}
        for person_id, person in config.people.items():
            for platform in ("slack", "discord"):
                ident = getattr(person, platform)
                if ident is not None:
                    self._by_platform[(platform, ident)] = person_id
        self._groups_of: dict[str, list[str]] = {}
        for name, group in config.groups.items():
            for member in group.members:
                self._groups_of.setdefault(member, []).append(name)

    # ----- people ---------------------------------------------------------------------------------

    def person(self, person_id: str) -> PersonConfig | None:
        """Return the person's entry, or None for someone the desk file does not list."""
        return self._people.get(person_id)

    def require_person(self, person_id: str) -> PersonConfig:
        """Return the person's entry, or refuse naming the people the desk knows."""
        return _require(self._people, person_id, f"Nobody called {person_id!r} is known to the desk.", "people")

    def display_name(self, person_id: str | None) -> str:
        """Return the person's name for messages (their id if the desk file does not list them)."""
        if person_id is None:
            return "nobody"
        person = self._people.get(person_id)
        return person.name if person is not None else person_id

    def person_for_chat_id(self, platform: str, platform_user_id: str) -> str | None:
        """Return the desk id of the person with this Slack/Discord id, or None if nobody has it."""
        return self._by_platform.get((platform, platform_user_id))

    def chat_id(self, person_id: str, platform: str) -> str | None:
        """Return the person's id on `platform` (slack, discord), or None if the file gives none."""
        person = self._people.get(person_id)
        if person is None or platform not in ("slack", "discord"):
            return None
        ident: str | None = getattr(person, platform)
        return ident

    def groups_of(self, person_id: str) -> list[str]:
        """Return the groups the person is a member of, in desk-file order."""
        return list(self._groups_of.get(person_id, ()))

    def is_agent(self, person_id: str) -> bool:
        """True for members of a group, people with the agent role, and managers."""
        if person_id in self._groups_of or self.is_manager(person_id):
            return True
        person = self._people.get(person_id)
        return person is not None and "agent" in person.roles

    def is_manager(self, person_id: str) -> bool:
        """True for group managers and people with a management role."""
        if any(group.manager == person_id for group in self._groups.values()):
            return True
        person = self._people.get(person_id)
        return person is not None and bool(_MANAGER_ROLES.intersection(person.roles))

    # ----- groups and categories ------------------------------------------------------------------

    @property
    def group_names(self) -> list[str]:
        """Every group, in desk-file order."""
        return list(self._groups)

    def group(self, name: str) -> GroupConfig | None:
        """Return the group's entry, or None."""
        return self._groups.get(name)

    def require_group(self, name: str) -> GroupConfig:
        """Return the group's entry, or refuse naming the groups."""
        return _require(self._groups, name, f"There is no group called {name!r}.", "groups")

    def is_member(self, person_id: str, group: str) -> bool:
        """True if the person is a member of the group."""
        return group in self._groups_of.get(person_id, ())

    def category(self, name: str) -> CategoryConfig | None:
        """Return the category's entry, or None."""
        return self._categories.get(name)

    def require_category(self, name: str) -> CategoryConfig:
        """Return the category's entry, or refuse naming the categories."""
        category = self._categories.get(name)
        if category is None:
            valid = ", ".join(self._categories) or "none (add a categories section to the desk file)"
            raise InvalidInput(f"Unknown category {name!r}.", hint=f"Categories: {valid}.")
        return category

    def is_confidential(self, category: str | None) -> bool:
        """True if tickets of this category are visible only to their group, managers and requester."""
        entry = self._categories.get(category) if category is not None else None
        return entry is not None and entry.confidential


def _require(entries: dict[str, _T], key: str, message: str, section: str) -> _T:
    entry = entries.get(key)
    if entry is None:
        known = ", ".join(entries) or f"none (add a {section} section to the desk file)"
        raise NotFound(message, hint=f"Known {section}: {known}.")
    return entry
