"""Role profiles, the skills matrix with its gaps, training needs on a hand-made log, and privacy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from deskops.core.config.desk import DeskConfig
from deskops.core.events import DomainEvent, EventType
from deskops.core.people.matrix import matrix, profile_gaps, qualified, shift_gaps
from deskops.core.people.outcomes import TicketOutcome, outcome_from_events
from deskops.core.people.privacy import for_viewer, may_see_person
from deskops.core.people.profiles import profile_html, profile_markdown
from deskops.core.people.training import training_needs

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)


def desk(**extra: Any) -> DeskConfig:
    base: dict[str, Any] = {
        "calendars": {"office": {"timezone": "Europe/Zurich", "hours": {"mon-fri": ["08:00-17:00"]}}},
        "groups": {
            "desk": {"level": 1, "members": ["ann", "ben", "cat"], "manager": "lea"},
            "net": {"level": 2, "members": ["dan"], "manager": "max"},
        },
        "categories": {"vpn": {"description": "Remote access"}, "print": {}, "mail": {}},
        "people": {name: {"name": name.title()} for name in ("ann", "ben", "cat", "dan", "lea", "max")}
        | {"boss": {"name": "Boss", "roles": ["manager"]}},
        "people_profiles": {
            "agent": {"title": "1st level agent", "mission": "Resolve at <first> contact", "groups": ["desk"],
                      "skills": {"vpn": 2}, "languages": {"es": 2}, "certifications": ["ITIL 4 Foundation"],
                      "service_hours": "office"},
        },
        "skills": {
            "ann": {"roles": ["agent"], "skills": {"vpn": 3}, "languages": {"es": 3},
                    "certifications": {"ITIL 4 Foundation": "2026-04-10"}},
            "ben": {"roles": ["agent"], "skills": {"vpn": 1}, "languages": {"de": 4}},
        },
        "planning": {
            "calendar": "office", "staffing": {"aht": "5m"},
            "shifts": {"week": {"start": "08:00", "length": "8h", "days": "mon-fri"},
                       "saturday": {"start": "09:00", "length": "6h", "days": "sat"}},
            "people": {"ann": {"skills": ["level-1"], "shifts": ["week"]},
                       "ben": {"skills": ["level-1"], "shifts": ["week", "saturday"]}},
        },
        "shift_needs": {"saturday": {"es": 1}},
    }
    return DeskConfig.model_validate(base | extra)


def test_profile_renders_as_a_job_description() -> None:
    text = profile_markdown(desk(), "agent")
    assert text.startswith("# 1st level agent\n")
    assert "- vpn — Remote access: at least 2 (works with help)" in text
    assert "- es: at least 2 (works with help)" in text
    assert "- ITIL 4 Foundation" in text
    assert "Covers the office service hours (Europe/Zurich)" in text
    page = profile_html(desk(), "agent")
    assert "<h1>1st level agent</h1>" in page and "Resolve at &lt;first&gt; contact" in page


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(Exception, match="no role profile") as caught:
        profile_markdown(desk(), "nurse")
    assert "agent" in str(getattr(caught.value, "hint", ""))


def test_matrix_finds_profile_shift_and_certification_gaps() -> None:
    config = desk()
    rows = matrix(config, group="desk")
    assert [row.person for row in rows] == ["ann", "ben"]
    gaps = profile_gaps(config, rows, now=T0)
    below = {(g.person, g.subject, g.have, g.need) for g in gaps if g.kind == "below_profile"}
    assert below == {("ben", "vpn", 1, 2), ("ben", "es", 0, 2)}
    assert [(g.person, g.subject) for g in gaps if g.kind == "missing_certification"] == [("ben", "ITIL 4 Foundation")]
    expiring = [g for g in gaps if g.kind == "certification_expiring"]
    assert [(g.person, g.subject) for g in expiring] == [("ann", "ITIL 4 Foundation")]
    assert "in 39 days" in expiring[0].detail
    later = profile_gaps(config, rows, now=T0 + timedelta(days=60))
    assert [g.kind for g in later if g.person == "ann"] == ["certification_expired"]
    # Only ben may work Saturdays, and he has no Spanish: the Saturday shift lacks it.
    shifts = shift_gaps(config)
    assert [(g.subject, g.shift, g.have, g.need) for g in shifts] == [("es", "saturday/Saturday", 0, 1)]


def test_bad_people_sections_are_refused_with_the_path() -> None:
    with pytest.raises(ValidationError, match=r"skills\.ann\.roles\[0\]: unknown role profile 'cook'"):
        desk(skills={"ann": {"roles": ["cook"]}})
    with pytest.raises(ValidationError, match="level 5 is outside 0–4"):
        desk(skills={"ann": {"skills": {"vpn": 5}}})
    with pytest.raises(ValidationError, match=r"shift_needs\.sunday: unknown shift pattern"):
        desk(shift_needs={"sunday": {"es": 1}})


def _log(ref: int, category: str, groups: list[str], *, hours: float = 2, resolver: str = "ann",
         reopen: bool = False) -> list[DomainEvent]:
    at = T0 + timedelta(minutes=ref)
    events = [DomainEvent(type=EventType.TICKET_OPENED, occurred_at=at, actor="x",
                          payload={"category": category, "group": groups[0]})]
    for group in groups[1:]:
        events.append(DomainEvent(type=EventType.TICKET_ASSIGNED,
                                  occurred_at=at + timedelta(minutes=5), actor="x", payload={"group": group}))
    events.append(DomainEvent(type=EventType.TICKET_ASSIGNED,
                              occurred_at=at + timedelta(minutes=6), actor="x",
                              payload={"group": groups[-1], "assignee": resolver}))
    events.append(DomainEvent(type=EventType.TICKET_RESOLVED,
                              occurred_at=at + timedelta(hours=hours), actor="y", payload={}))
    if reopen:
        events.append(DomainEvent(type=EventType.TICKET_REOPENED,
                                  occurred_at=at + timedelta(hours=hours + 1), actor="y", payload={}))
    return events


def hand_made_log() -> list[TicketOutcome]:
    """20 vpn tickets escalated 60 % (12), 20 print escalated 10 % (2), 20 mail escalated 0 %, 25 % reopened."""
    logs = []
    for i in range(20):
        logs.append(_log(i, "vpn", ["desk", "net"] if i < 12 else ["desk"], resolver="dan" if i < 12 else "ann"))
        logs.append(_log(100 + i, "print", ["desk", "net", "desk"] if i < 2 else ["desk"]))
        # ben resolves 4 mail tickets in 10 h each; ann and cat take 1 h: ben is much slower.
        logs.append(_log(200 + i, "mail", ["desk"], hours=10 if i < 4 else 1,
                         resolver="ben" if i < 4 else ("ann" if i % 2 else "cat"), reopen=i % 4 == 1))
    outcomes = [outcome_from_events(log) for log in logs]
    return [o for o in outcomes if o is not None]


def test_category_escalated_60_percent_ranks_first_with_its_figures() -> None:
    report = training_needs(hand_made_log(), first_level=frozenset({"desk"}))
    (group,) = report.groups
    assert group.group == "desk" and group.tickets == 60
    assert group.escalated_share == pytest.approx(14 / 60)
    first = group.needs[0]
    assert (first.rank, first.category) == (1, "vpn")
    assert first.figures.escalated == 12 and first.figures.escalated_share == pytest.approx(0.6)
    assert first.figures.first_contact_resolution == pytest.approx(8 / 20)
    # 12 escalated where the group's 23.3 % would have escalated 4.67: 7 more resolved at the 1st level.
    assert first.expected_gain_tickets == 7
    assert "escalated 60 % (12 of 20) vs 23 % for the group" in first.reasons
    categories = {need.category: need for need in group.needs}
    assert "print" not in categories or categories["print"].rank > 1
    # mail: never escalated, but reopened 25 % vs the group's 8 %.
    assert categories["mail"].expected_gain_tickets == 0
    assert any(reason.startswith("reopened 25 %") for reason in categories["mail"].reasons)
    assert report.categories[0].category == "vpn"
    ping = next(c for c in report.categories if c.category == "print")
    assert ping.ping_pong_share == pytest.approx(0.1)


def test_a_person_much_slower_than_the_group_is_named_with_figures() -> None:
    report = training_needs(hand_made_log(), first_level=frozenset({"desk"}))
    (need,) = report.people
    assert (need.person, need.group, need.category, need.tickets) == ("ben", "desk", "mail", 4)
    assert need.median_hours == pytest.approx(10.0) and need.group_median_hours == pytest.approx(1.0)
    assert need.expected_gain_hours == pytest.approx(36.0)


def test_without_desk_levels_the_first_group_is_the_first_level() -> None:
    report = training_needs(hand_made_log())
    assert [g.group for g in report.groups] == ["desk"]
    assert report.groups[0].needs[0].category == "vpn"


def test_privacy_peer_lead_self_and_manager() -> None:
    config = desk()
    report = training_needs(hand_made_log(), first_level=frozenset({"desk"}))
    peer = for_viewer(report, config, "ann")
    assert [g.group for g in peer.groups] == ["desk"]  # her group's list, without names
    assert peer.people == []
    assert "ben" not in peer.model_dump_json()
    assert [p.person for p in for_viewer(report, config, "ben").people] == ["ben"]
    assert [p.person for p in for_viewer(report, config, "lea").people] == ["ben"]
    assert for_viewer(report, config, "max").people == []  # lead of another group
    assert for_viewer(report, config, "max").groups == []
    assert may_see_person(config, "boss", "ben")


def test_qualified_lists_people_with_the_skill_best_first() -> None:
    config = desk()
    assert qualified(config, "vpn") == ["ann"]
    assert qualified(config, "vpn", minimum=1) == ["ann", "ben"]
    assert qualified(config, "vpn", minimum=1, among=("ben", "cat")) == ["ben"]
    assert qualified(config, "klingon", minimum=1) == []
