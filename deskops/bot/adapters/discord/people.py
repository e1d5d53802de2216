"""Discord users ↔ desk people, from the `discord:` ids of the desk file's people."""

from __future__ import annotations

from collections.abc import Mapping

from deskops.bot.commands.model import Actor
from deskops.core.config.desk import DeskConfig

UNKNOWN_PREFIX = "discord:"


class DiscordPeople:
    """Looks up the desk person of a Discord user id and the Discord id of a desk person."""

    def __init__(self, person_by_discord_id: Mapping[str, str]) -> None:
        self._person = dict(person_by_discord_id)
        self._discord = {person: discord_id for discord_id, person in self._person.items()}

    @classmethod
    def from_config(cls, config: DeskConfig) -> DiscordPeople:
        """Everyone in the desk file with a `discord:` id."""
        people = getattr(config, "people", {}) or {}
        return cls({str(p.discord): pid for pid, p in people.items() if getattr(p, "discord", None)})

    def person(self, discord_user_id: int | str) -> str | None:
        """The desk id of a Discord user, or None if the desk file does not list them."""
        return self._person.get(str(discord_user_id))

    def discord_id(self, person: str) -> int | None:
        """The Discord user id of a desk person (also of an unlisted `discord:<id>` requester), or None."""
        value = self._discord.get(person)
        if value is None and person.startswith(UNKNOWN_PREFIX) and person[len(UNKNOWN_PREFIX):].isdigit():
            value = person[len(UNKNOWN_PREFIX):]
        return int(value) if value is not None else None

    def actor(self, discord_user_id: int | str, display_name: str | None = None) -> Actor:
        """The Actor for a Discord user; an unlisted user is `discord:<id>`, which the desk refuses with advice.

        We never guess a person from a Discord username: anyone can pick any name.
        """
        person = self.person(discord_user_id) or f"{UNKNOWN_PREFIX}{discord_user_id}"
        return Actor(person=person, platform="discord", platform_user_id=str(discord_user_id),
                     display_name=display_name)
