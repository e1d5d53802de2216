"""Routing: the group a new ticket goes to, from the desk file's rules (see config/routing.py)."""

from __future__ import annotations

from deskops.core.config.routing import RoutingConfig


def route(
    routing: RoutingConfig,
    *,
    kind: str,
    requester: str,
    category: str | None,
    service: str | None,
) -> str | None:
    """The group of the first rule matching the ticket and its requester, or None when none does."""
    locations = {name for name, members in routing.locations.items() if requester in members}
    departments = {name for name, members in routing.departments.items() if requester in members}
    for rule in routing.rules:
        if rule.kinds and kind not in rule.kinds:
            continue
        if rule.categories and category not in rule.categories:
            continue
        if rule.services and service not in rule.services:
            continue
        if rule.locations and not locations.intersection(rule.locations):
            continue
        if rule.departments and not departments.intersection(rule.departments):
            continue
        return rule.group
    return None
