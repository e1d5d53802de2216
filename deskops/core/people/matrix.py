"""The skills matrix and its gaps: against the role profiles people hold, and against what each shift needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from deskops.core.clock import ensure_utc
from deskops.core.config.calendars import WeeklyWindows
from deskops.core.config.desk import DeskConfig
from deskops.core.config.people import PersonSkillsConfig

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHIFT_SKILL_LEVEL = 2
"""A matrix level from which someone counts for a shift's need (2: works with help)."""
EXPIRY_HORIZON = timedelta(days=60)
"""Certifications expiring within this long are reported, so renewal can be booked in time."""


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One person's row: their role profiles, groups and every level they have."""

    person: str
    name: str
    roles: tuple[str, ...]
    groups: tuple[str, ...]
    levels: dict[str, int]
    """Technical skills, languages and soft skills in one map (names are distinct in practice)."""
    certifications: dict[str, date | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Gap:
    """Something missing: a person below their role's minimum, an expiring certificate, an uncovered shift."""

    kind: str
    """below_profile, missing_certification, certification_expired, certification_expiring, shift."""
    subject: str
    """The skill or certification concerned."""
    detail: str
    person: str | None = None
    have: int | None = None
    need: int | None = None
    shift: str | None = None
    """For shift gaps: `pattern/Weekday`."""


def _levels(row: PersonSkillsConfig) -> dict[str, int]:
    return {**row.soft_skills, **row.languages, **row.skills}


def matrix(desk: DeskConfig, *, group: str | None = None) -> list[MatrixRow]:
    """The skills matrix of everyone the `skills` section lists (only the group's members with `group`)."""
    members = set(desk.groups[group].members) if group is not None else None
    rows = []
    for person, entry in desk.skills.items():
        if members is not None and person not in members:
            continue
        groups = tuple(name for name, g in desk.groups.items() if person in g.members)
        known = desk.people.get(person)
        rows.append(MatrixRow(person, known.name if known else person, entry.roles, groups, _levels(entry),
                              dict(entry.certifications)))
    return rows


def profile_gaps(desk: DeskConfig, rows: list[MatrixRow], *, now: datetime) -> list[Gap]:
    """Gaps of each person against the role profiles they hold, and certifications expired or expiring soon."""
    today = ensure_utc(now).date()
    gaps: list[Gap] = []
    for row in rows:
        for role in row.roles:
            profile = desk.people_profiles[role]
            required = {**profile.soft_skills, **profile.languages, **profile.skills}
            for skill, need in sorted(required.items()):
                have = row.levels.get(skill, 0)
                if have < need:
                    gaps.append(Gap("below_profile", skill, f"{row.name} has {skill} at {have}; the {role} profile "
                                    f"asks for {need}", row.person, have, need))
            for certificate in profile.certifications:
                if certificate not in row.certifications:
                    gaps.append(Gap("missing_certification", certificate,
                                    f"{row.name} lacks {certificate}, required by the {role} profile", row.person))
        for certificate, expires in sorted(row.certifications.items()):
            if expires is None:
                continue
            if expires < today:
                gaps.append(Gap("certification_expired", certificate,
                                f"{row.name}'s {certificate} expired on {expires.isoformat()}", row.person))
            elif expires - today <= EXPIRY_HORIZON:
                gaps.append(Gap("certification_expiring", certificate, f"{row.name}'s {certificate} expires on "
                                f"{expires.isoformat()} (in {(expires - today).days} days)", row.person))
    return gaps


def shift_gaps(desk: DeskConfig, *, group: str | None = None) -> list[Gap]:
    """Shift × weekday where fewer people who may work it have a needed skill than the need.

    Needs are the planning minimums (on every shift) and `shift_needs`; someone counts when the
    planning lets them work that shift on that weekday and they have the skill in the planning
    section or at level 2 or more in the skills matrix. Leave on given dates is not a weekly gap.
    """
    planning = desk.planning
    if planning is None:
        return []
    members = set(desk.groups[group].members) if group is not None else None
    gaps: list[Gap] = []
    for shift_name, shift in planning.shifts.items():
        needs = {**planning.minimums, **desk.shift_needs.get(shift_name, {})}
        for day in sorted(shift.weekdays()):
            for skill, need in sorted(needs.items()):
                if need <= 0:
                    continue
                able = [person for person, entry in planning.people.items()
                        if (members is None or person in members)
                        and (entry.shifts is None or shift_name in entry.shifts)
                        and _available(entry.weekly(), day)
                        and _has(desk, person, entry.skills, skill)]
                if len(able) < need:
                    gaps.append(Gap("shift", skill, f"{len(able)} of the {need} people with {skill} needed on the "
                                    f"{shift_name} shift on {DAYS[day]}", None, len(able), need,
                                    f"{shift_name}/{DAYS[day]}"))
    return gaps


def _available(weekly: WeeklyWindows | None, day: int) -> bool:
    return weekly is None or bool(weekly[day])


def _has(desk: DeskConfig, person: str, planning_skills: tuple[str, ...], skill: str) -> bool:
    if skill in planning_skills:
        return True
    entry = desk.skills.get(person)
    return entry is not None and _levels(entry).get(skill, 0) >= SHIFT_SKILL_LEVEL


def qualified(desk: DeskConfig, skill: str, *, minimum: int = SHIFT_SKILL_LEVEL,
              among: tuple[str, ...] | None = None) -> list[str]:
    """People with `skill` at `minimum` or more, best first (for routing and on-call to prefer them)."""
    levels = {person: _levels(entry).get(skill, 0) for person, entry in desk.skills.items()
              if among is None or person in among}
    return sorted((p for p, level in levels.items() if level >= minimum), key=lambda p: (-levels[p], p))
