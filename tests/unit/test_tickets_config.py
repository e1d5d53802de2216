"""Desk-file sections for tickets: cross-references are checked at load, with the path named."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from deskops.core.config.desk import DeskConfig
from deskops.core.directory import Directory
from deskops.core.errors import NotFound

PEOPLE = {
    "alice": {"name": "Alice", "slack": "UALICE", "roles": ["agent"]},
    "bob": {"name": "Bob"},
    "carol": {"name": "Carol", "roles": ["manager"]},
    "erin": {"name": "Erin", "discord": "42"},
}


def desk(**sections: Any) -> DeskConfig:
    return DeskConfig.model_validate({"people": PEOPLE, **sections})


def test_a_valid_desk_loads_and_the_directory_answers() -> None:
    config = desk(
        calendars={"always": {"timezone": "UTC", "hours": "24x7"}},
        groups={
            "service-desk": {"level": 1, "members": ["alice"], "manager": "carol", "calendar": "always"},
            "network": {"level": 2, "members": ["bob", "alice"]},
        },
        categories={"network": {"default_group": "network"}, "security": {"confidential": True}},
    )
    directory = Directory(config)
    assert directory.groups_of("alice") == ["service-desk", "network"]
    assert directory.is_agent("bob") and directory.is_agent("carol") and not directory.is_agent("erin")
    assert directory.is_manager("carol") and not directory.is_manager("alice")
    assert directory.person_for_chat_id("slack", "UALICE") == "alice"
    assert directory.person_for_chat_id("discord", "42") == "erin"
    assert directory.is_confidential("security") and not directory.is_confidential("network")
    assert directory.display_name("zed") == "zed"  # unknown people may still be requesters
    with pytest.raises(NotFound) as refused:
        directory.require_group("netwrk")
    assert "service-desk, network" in refused.value.hint


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ({"groups": {"network": {"members": ["bob", "zed"]}}}, "groups.network.members[1]: unknown person 'zed'"),
        ({"groups": {"network": {"manager": "zed"}}}, "groups.network.manager: unknown person 'zed'"),
        ({"groups": {"network": {"calendar": "office"}}}, "groups.network.calendar: unknown calendar 'office'"),
        (
            {"categories": {"network": {"default_group": "net"}}},
            "categories.network.default_group: unknown group 'net'",
        ),
        ({"groups": {"network": {"level": 4}}}, "groups.network.level"),
        ({"groups": {"network": {"membres": ["bob"]}}}, "membres"),
        ({"people": {**PEOPLE, "dave": {"name": "Dave", "slack": "UALICE"}}}, "people.dave.slack: id 'UALICE'"),
        ({"people": {**PEOPLE, "dave": {"name": "Dave", "roles": ["boss"]}}}, "people.dave.roles"),
        ({"people": {**PEOPLE, "dave": {"name": "Dave", "manager": "zed"}}}, "people.dave.manager: unknown person"),
    ],
)
def test_broken_references_name_the_path(sections: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        desk(**sections)
    assert message in str(refused.value)


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(ValidationError) as refused:
        desk(
            groups={"network": {"members": ["zed"], "manager": "yan"}},
            categories={"hardware": {"default_group": "workplace"}},
        )
    text = str(refused.value)
    assert "members[0]" in text and "manager" in text and "categories.hardware" in text
