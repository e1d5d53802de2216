"""Training needs from the event log: where the 1st level loses tickets, and where a person is much slower.

Per 1st-level group and category: the share escalated (left the 1st level), first-contact resolution
(GLOSSARY: resolved by the 1st level with no reassignment, escalation or reopen), ping-pong and reopen
shares. A category becomes a training need when a figure is over 5 points worse than the group's own
average; needs rank by the expected gain: the tickets that would have stayed at the 1st level had the
category been escalated at the group's average rate (escalated − tickets × group share). Per person:
in a (group, category) where they resolved enough tickets, a median time to resolve `slow_factor` × the group's.

When the desk's 1st-level groups are not known (imported history), the group that took each ticket
first counts as its 1st level, and "escalated" means the ticket left that group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from statistics import median

from pydantic import BaseModel

from deskops.core.people.outcomes import TicketOutcome

NO_CATEGORY = "(none)"


class CategoryFigures(BaseModel):
    """How one category fares at the 1st level (of one group, or the whole desk)."""

    category: str
    tickets: int
    escalated: int
    escalated_share: float
    first_contact_resolution: float | None
    """Share of the resolved tickets resolved at first contact; None when none was resolved."""
    reassigned_share: float
    reassignments_mean: float
    ping_pong_share: float
    reopen_share: float
    median_hours_to_resolve: float | None


class TrainingNeed(BaseModel):
    """One thing a group should learn: the category, why (with figures), and what it would gain."""

    rank: int
    group: str
    category: str
    learn: str
    reasons: list[str]
    figures: CategoryFigures
    expected_gain_tickets: int
    """Tickets of the period that would have been resolved at the 1st level at the group's average."""


class PersonNeed(BaseModel):
    """A person much slower than their group in a category: a candidate for coaching (private figures)."""

    person: str
    group: str
    category: str
    learn: str
    tickets: int
    median_hours: float
    group_median_hours: float
    expected_gain_hours: float
    """Hours saved over the period had these tickets taken the group's median."""


class GroupTraining(BaseModel):
    """A 1st-level group's figures and its ranked training needs (no names: fit for the whole group)."""

    group: str
    tickets: int
    escalated_share: float
    first_contact_resolution: float | None
    needs: list[TrainingNeed]


class TrainingReport(BaseModel):
    """Training needs per group and per person, with the desk-wide figures per category."""

    first_level: str
    tickets: int
    groups: list[GroupTraining]
    people: list[PersonNeed]
    categories: list[CategoryFigures]


def _figures(category: str, tickets: list[TicketOutcome], first_level: frozenset[str] | None) -> CategoryFigures:
    n = len(tickets)
    escalated = sum(_escalated(t, first_level) for t in tickets)
    resolved = [t for t in tickets if t.resolved_at is not None]
    fcr = sum(_first_contact(t, first_level) for t in resolved)
    hours = [h for t in tickets if (h := t.hours_to_resolve) is not None]
    return CategoryFigures(
        category=category,
        tickets=n,
        escalated=escalated,
        escalated_share=escalated / n,
        first_contact_resolution=fcr / len(resolved) if resolved else None,
        reassigned_share=sum(t.hops > 0 for t in tickets) / n,
        reassignments_mean=sum(t.hops for t in tickets) / n,
        ping_pong_share=sum(t.ping_pong for t in tickets) / n,
        reopen_share=sum(t.reopens > 0 for t in tickets) / n,
        median_hours_to_resolve=median(hours) if hours else None,
    )


def _levels(ticket: TicketOutcome, first_level: frozenset[str] | None) -> frozenset[str]:
    return first_level if first_level is not None else frozenset(ticket.group_path[:1])


def _escalated(ticket: TicketOutcome, first_level: frozenset[str] | None) -> bool:
    """The ticket left the 1st level (functionally escalated, or handed to a group beyond it)."""
    levels = _levels(ticket, first_level)
    return ticket.functional_escalations > 0 or any(group not in levels for group in ticket.group_path)


def _first_contact(ticket: TicketOutcome, first_level: frozenset[str] | None) -> bool:
    return (ticket.resolver_group in _levels(ticket, first_level) and ticket.hops == 0
            and ticket.functional_escalations == 0 and ticket.reopens == 0)


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %"


MARGIN = 0.05
"""How much worse than the group's average (in share points) a figure must be to count as a reason."""


def _reasons(cell: CategoryFigures, base: CategoryFigures) -> list[str]:
    """Why the category needs training: each figure clearly worse than the group's average, side by side."""
    reasons = []
    if cell.escalated_share > base.escalated_share + MARGIN:
        reasons.append(f"escalated {_pct(cell.escalated_share)} ({cell.escalated} of {cell.tickets}) "
                       f"vs {_pct(base.escalated_share)} for the group")
    if cell.first_contact_resolution is not None and base.first_contact_resolution is not None \
            and cell.first_contact_resolution < base.first_contact_resolution - MARGIN:
        reasons.append(f"first-contact resolution {_pct(cell.first_contact_resolution)} "
                       f"vs {_pct(base.first_contact_resolution)}")
    if cell.ping_pong_share > base.ping_pong_share + MARGIN:
        reasons.append(f"ping-pong {_pct(cell.ping_pong_share)} vs {_pct(base.ping_pong_share)}")
    if cell.reopen_share > base.reopen_share + MARGIN:
        reasons.append(f"reopened {_pct(cell.reopen_share)} vs {_pct(base.reopen_share)}")
    return reasons


def training_needs(
    outcomes: Iterable[TicketOutcome],
    *,
    first_level: frozenset[str] | None = None,
    min_tickets: int = 10,
    min_person_tickets: int = 3,
    slow_factor: float = 1.5,
) -> TrainingReport:
    """Rank training needs per 1st-level group (categories) and per person (slow categories)."""
    tickets = [t for t in outcomes if t.first_group is not None]
    by_group: dict[str, list[TicketOutcome]] = defaultdict(list)
    for ticket in tickets:
        if first_level is None or ticket.first_group in first_level:
            by_group[ticket.first_group or ""].append(ticket)
    groups = [_group_training(name, items, first_level, min_tickets) for name, items in sorted(by_group.items())]
    groups.sort(key=lambda g: -sum(n.expected_gain_tickets for n in g.needs))
    by_category: dict[str, list[TicketOutcome]] = defaultdict(list)
    for group_items in by_group.values():
        for ticket in group_items:
            by_category[ticket.category or NO_CATEGORY].append(ticket)
    categories = [_figures(name, items, first_level) for name, items in by_category.items()]
    categories.sort(key=lambda c: (-c.escalated_share, -c.tickets))
    return TrainingReport(
        first_level="desk file level-1 groups" if first_level is not None else "the group that took each ticket",
        tickets=sum(len(items) for items in by_group.values()),
        groups=groups,
        people=_person_needs(tickets, min_person_tickets, slow_factor),
        categories=categories,
    )


def _group_training(group: str, items: list[TicketOutcome], first_level: frozenset[str] | None,
                    min_tickets: int) -> GroupTraining:
    base = _figures("(all)", items, first_level)
    cells: dict[str, list[TicketOutcome]] = defaultdict(list)
    for ticket in items:
        cells[ticket.category or NO_CATEGORY].append(ticket)
    needs = []
    for category, cell_items in cells.items():
        if len(cell_items) < min_tickets:
            continue  # too few tickets to tell a need from chance
        cell = _figures(category, cell_items, first_level)
        reasons = _reasons(cell, base)
        if not reasons:
            continue
        gain = max(0, round(cell.escalated - cell.tickets * base.escalated_share))
        needs.append(TrainingNeed(rank=0, group=group, category=category, reasons=reasons, figures=cell,
                                  expected_gain_tickets=gain,
                                  learn=f"resolve {category} tickets at the 1st level (known fixes, diagnosis, "
                                        f"when a hand-off is really needed)"))
    needs.sort(key=lambda n: (-n.expected_gain_tickets, -n.figures.escalated_share, n.category))
    ranked = [need.model_copy(update={"rank": index}) for index, need in enumerate(needs, 1)]
    return GroupTraining(group=group, tickets=base.tickets, escalated_share=base.escalated_share,
                         first_contact_resolution=base.first_contact_resolution, needs=ranked)


def _person_needs(tickets: list[TicketOutcome], min_person: int, slow_factor: float) -> list[PersonNeed]:
    cells: dict[tuple[str, str], list[TicketOutcome]] = defaultdict(list)
    for ticket in tickets:
        if ticket.resolver_group is not None and ticket.hours_to_resolve is not None:
            cells[(ticket.resolver_group, ticket.category or NO_CATEGORY)].append(ticket)
    needs = []
    for (group, category), items in cells.items():
        group_median = median(t.hours_to_resolve or 0.0 for t in items)
        by_person: dict[str, list[float]] = defaultdict(list)
        for ticket in items:
            if ticket.resolver is not None:
                by_person[ticket.resolver].append(ticket.hours_to_resolve or 0.0)
        if len(by_person) < 2 or group_median <= 0:
            continue  # nobody to compare with
        for person, hours in by_person.items():
            mine = median(hours)
            if len(hours) >= min_person and mine >= slow_factor * group_median:
                needs.append(PersonNeed(person=person, group=group, category=category, tickets=len(hours),
                                        median_hours=mine, group_median_hours=group_median,
                                        expected_gain_hours=sum(max(0.0, h - group_median) for h in hours),
                                        learn=f"{category}: work alongside a colleague who resolves these faster"))
    needs.sort(key=lambda n: -n.expected_gain_hours)
    return needs
