"""Slack user → desk person: the desk file's Slack ids first, then the email `users.info` gives."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from deskops.bot.commands.model import Actor

UNLISTED_PREFIX = "slack:"
"""Person ids of Slack users not in the desk file: `slack:U012ABCDEF`."""


@dataclass(frozen=True)
class Person:
    """A desk person as the adapter needs them: id, name and (when known) their Slack id."""

    id: str
    name: str | None = None
    email: str | None = None
    slack_id: str | None = None


class SlackPeople:
    """Maps Slack user ids to desk people; `users.info` answers are cached (Slack rate-limits it)."""

    def __init__(self, client: WebClient, people: list[Person], *, cache_seconds: float = 600.0) -> None:
        self._client = client
        self._by_slack: Mapping[str, Person] = {p.slack_id: p for p in people if p.slack_id}
        self._by_email: Mapping[str, Person] = {p.email.lower(): p for p in people if p.email}
        self._by_id: Mapping[str, Person] = {p.id: p for p in people}
        self._cache: dict[str, tuple[float, Person | None]] = {}
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()

    def actor(self, slack_user_id: str) -> Actor | None:
        """The Actor for a Slack user; someone not in the desk file is `slack:<id>` (a requester only).

        Every employee may report a problem, so unlisted people can open and follow their own
        tickets; the desk refuses them anything that needs a role. None only for an empty id.
        """
        if not slack_user_id:
            return None
        person = self.lookup(slack_user_id)
        if person is None:
            return Actor(person=UNLISTED_PREFIX + slack_user_id, platform="slack",
                         platform_user_id=slack_user_id, display_name=None)
        return Actor(person=person.id, platform="slack", platform_user_id=slack_user_id,
                     display_name=person.name)

    def lookup(self, slack_user_id: str) -> Person | None:
        """The desk person behind a Slack user id (desk file id first, then email)."""
        known = self._by_slack.get(slack_user_id)
        if known is not None:
            return known
        with self._lock:
            cached = self._cache.get(slack_user_id)
        if cached is not None and time.monotonic() - cached[0] < self._cache_seconds:
            return cached[1]
        person = self._by_email_lookup(slack_user_id)
        with self._lock:
            self._cache[slack_user_id] = (time.monotonic(), person)
        return person

    def slack_id(self, person_id: str) -> str | None:
        """The Slack user id of a desk person (or `slack:<id>` requester), from the desk file or a lookup."""
        if person_id.startswith(UNLISTED_PREFIX):
            return person_id.removeprefix(UNLISTED_PREFIX) or None
        person = self._by_id.get(person_id)
        if person is not None and person.slack_id:
            return person.slack_id
        with self._lock:
            for slack_id, (_, found) in self._cache.items():
                if found is not None and found.id == person_id:
                    return slack_id
        return None

    def reachable_id(self, person_id: str) -> str | None:
        """The Slack id to message a desk person: the desk file, an earlier lookup, or their email."""
        known = self.slack_id(person_id)
        if known is not None:
            return known
        person = self._by_id.get(person_id)
        if person is None or not person.email:
            return None
        try:
            found = self._client.users_lookupByEmail(email=person.email)
        except SlackApiError:
            return None
        slack_id = (found.get("user") or {}).get("id")
        if not isinstance(slack_id, str):
            return None
        with self._lock:
            self._cache[slack_id] = (time.monotonic(), Person(person.id, person.name, person.email, slack_id))
        return slack_id

    def knows_person(self, person_id: str) -> bool:
        """Whether `person_id` is someone this adapter could try to reach (listed, or `slack:<id>`)."""
        if person_id.startswith(UNLISTED_PREFIX):
            return True
        person = self._by_id.get(person_id)
        return person is not None and bool(person.slack_id or person.email)

    def unknown_user_text(self, slack_user_id: str) -> str:
        """What to tell a Slack user the desk cannot map, and what to do about it."""
        return (
            f"The desk does not know your Slack account ({slack_user_id}) as one of its people, so you can "
            f"open and follow your own tickets only. To work tickets, ask a desk admin to add "
            f"`slack: {slack_user_id}` (or your email) to your entry under `people` in the desk file."
        )

    def _by_email_lookup(self, slack_user_id: str) -> Person | None:
        try:
            info = self._client.users_info(user=slack_user_id)
        except SlackApiError:
            return None
        user = info.get("user") or {}
        email = ((user.get("profile") or {}).get("email") or "").lower()
        person = self._by_email.get(email) if email else None
        if person is None:
            return None
        return Person(id=person.id, name=person.name, email=person.email, slack_id=slack_user_id)
