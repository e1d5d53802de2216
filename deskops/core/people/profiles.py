"""Role profiles as job descriptions a manager can hand out: Markdown or HTML from the desk file."""

from __future__ import annotations

import html

from deskops.core.config.desk import DeskConfig
from deskops.core.config.people import LEVELS, RoleProfileConfig
from deskops.core.errors import NotFound


def require_profile(desk: DeskConfig, role: str) -> RoleProfileConfig:
    """Return the role profile, or refuse naming the profiles the desk file defines."""
    profile = desk.people_profiles.get(role)
    if profile is None:
        known = ", ".join(desk.people_profiles) or "none (add a people_profiles section to the desk file)"
        raise NotFound(f"There is no role profile called {role!r}.", hint=f"Role profiles: {known}.")
    return profile


def _sections(desk: DeskConfig, profile: RoleProfileConfig) -> list[tuple[str, list[str]]]:
    """The profile's sections as (heading, lines), the same for every output format."""
    def levels(required: dict[str, int]) -> list[str]:
        return [f"{name}: at least {level} ({LEVELS[level]})" for name, level in sorted(required.items())]

    technical = []
    for name, level in sorted(profile.skills.items()):
        category = desk.categories.get(name)
        about = f" — {category.description}" if category is not None and category.description else ""
        technical.append(f"{name}{about}: at least {level} ({LEVELS[level]})")
    hours = []
    if profile.service_hours is not None:
        zone = desk.calendars[profile.service_hours].timezone if profile.service_hours in desk.calendars else ""
        hours.append(f"Covers the {profile.service_hours} service hours" + (f" ({zone})" if zone else ""))
    if profile.groups:
        hours.append("Staffs the group(s): " + ", ".join(profile.groups))
    return [
        ("Mission", [profile.mission] if profile.mission else []),
        ("Responsibilities", list(profile.responsibilities)),
        ("Technical skills", technical),
        ("Languages", levels(profile.languages)),
        ("Soft skills", levels(profile.soft_skills)),
        ("Certifications", list(profile.certifications)),
        ("Service hours", hours),
    ]


def profile_markdown(desk: DeskConfig, role: str) -> str:
    """The role's job description in Markdown."""
    profile = require_profile(desk, role)
    lines = [f"# {profile.title}", "", f"Role `{role}` at {desk.name}.", ""]
    for heading, items in _sections(desk, profile):
        if items:
            body = items if heading == "Mission" else [f"- {item}" for item in items]
            lines += [f"## {heading}", "", *body, ""]
    lines.append("Levels: " + ", ".join(f"{level} {meaning}" for level, meaning in LEVELS.items()) + ".")
    return "\n".join(lines) + "\n"


def profile_html(desk: DeskConfig, role: str) -> str:
    """The role's job description as a standalone HTML page."""
    profile = require_profile(desk, role)
    title = html.escape(profile.title)
    parts = [f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>",
             f"<h1>{title}</h1>", f"<p>Role <code>{html.escape(role)}</code> at {html.escape(desk.name)}.</p>"]
    for heading, items in _sections(desk, profile):
        if items and heading == "Mission":
            parts.append(f"<h2>Mission</h2><p>{html.escape(items[0])}</p>")
        elif items:
            parts.append(f"<h2>{html.escape(heading)}</h2><ul>")
            parts += [f"<li>{html.escape(item)}</li>" for item in items]
            parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
