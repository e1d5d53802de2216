"""Escalation use cases: start (snapshot the policy), sweep due steps, escalate by hand, declare a major incident.

Each runs in one unit of work with `now` passed in. The sweep claims due rows (see
`deskops.core.persistence.escalation`), advances each escalation one step at a time with the pure
engine, and writes the events, pages and outbox rows in the same transaction as the new position.
Starting is driven by the ticket log: `start_due` looks at the events since a watermark
(TicketOpened, PriorityChanged, TicketReopened), so its cost follows recent changes, not the
number of open tickets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from uuid import uuid4

from deskops.core.access import require_work
from deskops.core.clock import ensure_utc
from deskops.core.config.escalation import NEXT_LEVEL
from deskops.core.errors import InvalidInput, NotFound
from deskops.core.escalation.engine import (
    Decision,
    DueStep,
    EscalationState,
    EscalationStatus,
    SlaKey,
    advance,
)
from deskops.core.escalation.policy import PolicySnapshot, select_policy
from deskops.core.escalation.records import PAGE_KIND, EscalationRecord, EscalationUnitOfWork
from deskops.core.events import EventType, RecordedEvent
from deskops.core.ports import OutboxMessage
from deskops.core.services.context import Desk
from deskops.core.services.notifications import messages_for, shared_title
from deskops.core.services.paging import (
    NOTIFY_KIND,
    SYSTEM_ACTOR,
    owning_group,
    page_message,
    resolve_target,
)
from deskops.core.tickets import CommentVisibility, Ticket

SlaDue = Callable[[Ticket, list[RecordedEvent], datetime], Mapping[SlaKey, datetime]]
"""Given a ticket, its log and `now`: the instant each SLA threshold is (or was) reached, where known."""

SLA_RECHECK = timedelta(minutes=5)
"""How soon to look again at an escalation waiting on an SLA threshold whose instant is not known yet
(e.g. the clock is paused): a resumed clock is noticed within this time."""

MAJOR_KIND = "incident.major"
"""Outbox kind asking the adapters to open the major incident's own conversation (thread or channel)."""

_MAX_STEPS_PER_TICK = 200  # a runaway guard: no policy has this many steps due at once


@dataclass
class SweepReport:
    """What one sweep did: the steps fired (ticket ref, step key, action, recipients) and escalations ended."""

    fired: list[tuple[str, str, str, tuple[str, ...]]] = field(default_factory=list)
    ended: list[tuple[str, str]] = field(default_factory=list)
    claimed: int = 0


def lock_ticket(uow: EscalationUnitOfWork, ref: str) -> Ticket | None:
    """Load a ticket to change it: lock its escalation row, then the ticket row, then read it fresh.

    Always in this order (the sweep's: it claims escalation rows first), so two transactions never
    wait for each other in a circle on PostgreSQL.
    """
    found = uow.tickets.get(ref)
    if found is None or found.id is None:
        return None
    uow.escalations.get(found.id, for_update=True)
    return uow.tickets.get(found.ref, for_update=True)


def _ticket(uow: EscalationUnitOfWork, ref: str) -> Ticket:
    ticket = lock_ticket(uow, ref)
    if ticket is None or ticket.id is None:
        raise NotFound(f"There is no ticket {ref}.", hint="Check the reference, e.g. INC-12.")
    return ticket


def _save(uow: EscalationUnitOfWork, desk: Desk, ticket: Ticket, now: datetime) -> None:
    """Write the ticket's new events, and the notifications they call for, in the open transaction."""
    recorded = uow.tickets.save(ticket)
    for message in messages_for(ticket, recorded, desk, now):
        uow.outbox.add(message)


def _next_level_group(desk: Desk, current: str | None) -> str | None:
    """The first group (in desk-file order) one support level above the ticket's group."""
    groups = desk.config.groups
    level = groups[current].level if current in groups else 1
    return next((name for name, g in groups.items() if g.level == level + 1), None)


def _fire(uow: EscalationUnitOfWork, desk: Desk, ticket: Ticket, record: EscalationRecord,
          due: DueStep, now: datetime, *, reason: str | None = None) -> tuple[str, ...]:
    """Carry out one step: page, notify or reassign; record it on the ticket; return whom it reached."""
    assert ticket.id is not None
    step = due.step
    reason = reason or step.reason or f"step {due.index + 1} of policy {record.snapshot.name}"
    target = step.target()
    if step.action == "reassign":
        group = _next_level_group(desk, ticket.group) if step.reassign == NEXT_LEVEL else step.reassign
        if group is None or group == ticket.group:
            # nothing to move: say so in the history, for whoever wonders why the step did nothing
            ticket.add_comment(visibility=CommentVisibility.INTERNAL, actor=SYSTEM_ACTOR, at=now,
                               text=f"Escalation step {due.key} ({reason}) found no group above "
                                    f"{ticket.group or 'the 1st level'} to move the ticket to.")
            return ()
        ticket.escalate(level="functional", group=group, notified=(f"group:{group}",), reason=reason,
                        actor=SYSTEM_ACTOR, at=now)
        return (f"group:{group}",)
    assert target is not None
    people = tuple(resolve_target(target, desk=desk, ticket=ticket, at=now))
    if step.action == "notify":
        ticket.escalate(level="hierarchical", notified=people, reason=reason, actor=SYSTEM_ACTOR, at=now)
        text = f"{ticket.ref} ({ticket.priority or 'no priority'}) needs attention: {reason}. “{ticket.title}”"
        for person in people:
            uow.escalations.queue(page_message(ticket, person=person, generation=record.generation, step=due.key,
                                               kind=NOTIFY_KIND, now=now, text=text))
        return people
    fallback = owning_group(desk, ticket)
    recipients = people or ((f"group:{fallback}",) if fallback else ())
    ticket.record(EventType.PAGE_SENT, SYSTEM_ACTOR, now, step=due.key, cycle=due.cycle,
                  target=target.describe(), recipients=list(recipients),
                  reason=reason if people else f"{reason}; nobody on call, so the group's queue is paged")
    text = (f"PAGE {ticket.ref} ({ticket.priority or 'no priority'}): “{ticket.title}” — /page ack {ticket.ref} "
            f"to take it, /ticket escalate {ticket.ref} to pass it on.")
    for person in recipients:
        uow.escalations.add_page(ticket_id=ticket.id, generation=record.generation, step=due.key,
                                 recipient=person, at=now)
        uow.escalations.queue(page_message(ticket, person=person, generation=record.generation, step=due.key,
                                           now=now, kind=PAGE_KIND, text=text))
    return recipients


def _stop_closed(uow: EscalationUnitOfWork, ticket: Ticket, now: datetime, report: SweepReport) -> None:
    """A resolved, closed or cancelled ticket pages nobody: end its escalation, withdraw undelivered pages."""
    assert ticket.id is not None
    ended = uow.escalations.end(ticket.id, EscalationStatus.RESOLVED, by=SYSTEM_ACTOR, at=now)
    if ended is None:
        return
    uow.escalations.settle_pages(ticket.id, ended.generation, acknowledged_by=None, at=now)
    ticket.record(EventType.ESCALATION_STOPPED, SYSTEM_ACTOR, now, reason=str(ticket.state), by=None)
    report.ended.append((ticket.ref, str(ticket.state)))


def _run_due(uow: EscalationUnitOfWork, desk: Desk, ticket: Ticket, record: EscalationRecord, now: datetime,
             sla_due: SlaDue | None, report: SweepReport) -> None:
    """Fire every step of this escalation that is due at `now`, in order, and store where it stands."""
    assert ticket.id is not None
    if not ticket.is_open:
        _stop_closed(uow, ticket, now, report)
        return
    thresholds: Mapping[SlaKey, datetime] = {}
    if sla_due is not None and record.snapshot.sla_indices():
        thresholds = sla_due(ticket, uow.tickets.events(ticket.id), now)
    state = record.state
    decision: Decision = advance(record.snapshot, state, now, sla_due=thresholds)
    for _ in range(_MAX_STEPS_PER_TICK):
        if decision.fire is None:
            break
        reached = _fire(uow, desk, ticket, record, decision.fire, now)
        report.fired.append((ticket.ref, decision.fire.key, decision.fire.step.action, reached))
        state = decision.state
        decision = advance(record.snapshot, state, now, sla_due=thresholds)
    if decision.state.status is EscalationStatus.EXHAUSTED:
        ticket.record(EventType.ESCALATION_STOPPED, SYSTEM_ACTOR, now, reason="exhausted", by=None)
        report.ended.append((ticket.ref, "exhausted"))
    next_due = decision.next_due_at
    if next_due is None and decision.waiting_on_sla:
        next_due = now + SLA_RECHECK
    uow.escalations.save(ticket.id, decision.state, next_due, now)


def sweep(*, uow: EscalationUnitOfWork, desk: Desk, now: datetime, limit: int = 100,
          sla_due: SlaDue | None = None) -> SweepReport:
    """Claim up to `limit` due escalations and fire their due steps, all in one transaction."""
    now = ensure_utc(now)
    report = SweepReport()
    with uow:
        claimed = uow.escalations.claim_due(now, limit=limit, claimer=uuid4().hex)
        report.claimed = len(claimed)
        for record in claimed:
            ticket = uow.tickets.get(record.ticket_ref, for_update=True)  # its escalation row is ours already
            if ticket is None:
                continue
            _run_due(uow, desk, ticket, record, now, sla_due, report)
            _save(uow, desk, ticket, now)
        uow.commit()
    return report


def _begin(uow: EscalationUnitOfWork, desk: Desk, ticket: Ticket, *, name: str, now: datetime, major: bool,
           actor: str, reason: str) -> EscalationRecord:
    """Snapshot policy `name` onto the ticket and store the escalation (steps due now fire in `_run_due`)."""
    assert ticket.id is not None
    snapshot = PolicySnapshot.take(name, desk.config.escalation.policies[name], at=now, major=major)
    record = uow.escalations.start(ticket.id, snapshot, EscalationState(), now)
    ticket.record(EventType.ESCALATION_STARTED, actor, now, policy=name, major=major,
                  steps=len(snapshot.steps), reason=reason)
    return record


def start_escalation(*, uow: EscalationUnitOfWork, desk: Desk, ref: str, now: datetime,
                     actor: str = SYSTEM_ACTOR, sla_due: SlaDue | None = None) -> SweepReport:
    """Start escalating a ticket with the policy that fits it (steps due at once fire now)."""
    now = ensure_utc(now)
    report = SweepReport()
    with uow:
        ticket = _ticket(uow, ref)
        _start_if_needed(uow, desk, ticket, now, actor, sla_due, report, force=True)
        _save(uow, desk, ticket, now)
        uow.commit()
    return report


def _start_if_needed(uow: EscalationUnitOfWork, desk: Desk, ticket: Ticket, now: datetime, actor: str,
                     sla_due: SlaDue | None, report: SweepReport, *, force: bool = False) -> bool:
    """Start (or restart with the now-fitting policy) the ticket's escalation; False if nothing to do."""
    assert ticket.id is not None
    if not ticket.is_open:
        return False
    chosen = select_policy(desk.config.escalation, priority=ticket.priority, group=ticket.group,
                           kind=str(ticket.kind), category=ticket.category)
    if chosen is None:
        if force:
            raise InvalidInput(f"No escalation policy fits {ticket.ref} ({ticket.priority or 'no priority'}, "
                               f"{ticket.group or 'no group'}).",
                               hint="Add a policy whose match fits it under escalation.policies in the desk file.")
        return False
    current = uow.escalations.get(ticket.id, for_update=True)
    if current is not None and current.snapshot.name == chosen[0] and not force:
        return False  # already escalating (or done) under the policy that fits
    if current is not None and current.state.status is EscalationStatus.ACTIVE and current.snapshot.major:
        return False  # a major incident keeps its policy until it ends
    record = _begin(uow, desk, ticket, name=chosen[0], now=now, major=False, actor=actor,
                    reason="ticket escalation started" if current is None else "the fitting policy changed")
    _run_due(uow, desk, ticket, record, now, sla_due, report)
    return True


_STARTERS = (EventType.TICKET_OPENED, EventType.PRIORITY_CHANGED, EventType.TICKET_REOPENED,
             EventType.TICKET_ASSIGNED)
_STOPPERS = (EventType.TICKET_RESOLVED, EventType.TICKET_CLOSED, EventType.TICKET_CANCELLED)


def start_due(*, uow: EscalationUnitOfWork, desk: Desk, since: datetime, now: datetime,
              sla_due: SlaDue | None = None, tickets: list[str] | None = None) -> SweepReport:
    """Start escalations where a policy now fits: tickets opened, reprioritised, reassigned or reopened
    in `(since, now]` (or exactly the `tickets` given); end those of tickets resolved, closed or
    cancelled meanwhile. Idempotent: a ticket already escalating under the fitting policy is left alone."""
    now = ensure_utc(now)
    report = SweepReport()
    with uow:
        refs = tickets if tickets is not None else uow.escalations.changed_tickets(
            ensure_utc(since), now, tuple(t.value for t in (*_STARTERS, *_STOPPERS)))
        for ref in refs:
            ticket = lock_ticket(uow, ref)
            if ticket is None or ticket.id is None:
                continue
            if not ticket.is_open:
                _stop_closed(uow, ticket, now, report)  # at once, not at the next step's due time
                _save(uow, desk, ticket, now)
            elif _start_if_needed(uow, desk, ticket, now, SYSTEM_ACTOR, sla_due, report):
                _save(uow, desk, ticket, now)
        uow.commit()
    return report


def escalate(*, uow: EscalationUnitOfWork, desk: Desk, actor: str, ref: str, now: datetime,
             to_group: str | None = None, reason: str = "", sla_due: SlaDue | None = None) -> SweepReport:
    """Escalate by hand: page the next step at once while paging runs, else move the ticket up a level.

    With `to_group`, always a functional escalation to that group.
    """
    now = ensure_utc(now)
    report = SweepReport()
    with uow:
        ticket = _ticket(uow, ref)
        assert ticket.id is not None
        require_work(desk.directory, actor, ticket, "escalate tickets")
        if not ticket.is_open:
            raise InvalidInput(f"{ticket.ref} is {ticket.state}; only open tickets can be escalated.",
                               hint=f"Reopen it first: /ticket reopen {ticket.ref} \"why\".")
        record = uow.escalations.get(ticket.id, for_update=True)
        pending = (
            record is not None
            and record.state.status is EscalationStatus.ACTIVE
            and record.state.position < record.snapshot.timed_positions()
        )
        if to_group is None and record is not None and pending:
            # the paged person passes it on: the next timed step fires now instead of at its time
            _fire_next_now(uow, desk, ticket, record, now, actor, reason, report)
        else:
            group = to_group or _next_level_group(desk, ticket.group)
            if group is None or group not in desk.config.groups:
                known = ", ".join(desk.config.groups) or "none"
                raise InvalidInput(f"There is no group to escalate {ticket.ref} to from {ticket.group or 'here'}.",
                                   hint=f"Name one: /ticket escalate {ticket.ref} --to GROUP (groups: {known}).")
            if group == ticket.group:
                raise InvalidInput(f"{ticket.ref} is already with {group}.", hint="Name another group with --to.")
            ticket.escalate(level="functional", group=group, notified=(f"group:{group}",),
                            reason=reason or "escalated by hand", actor=actor, at=now)
            report.fired.append((ticket.ref, "hand", "reassign", (f"group:{group}",)))
        _save(uow, desk, ticket, now)
        uow.commit()
    return report


def _fire_next_now(uow: EscalationUnitOfWork, desk: Desk, ticket: Ticket, record: EscalationRecord,
                   now: datetime, actor: str, reason: str, report: SweepReport) -> None:
    """Fire the escalation's next timed step at once (someone pressed Escalate) and move on from it."""
    assert ticket.id is not None
    snapshot, state = record.snapshot, record.state
    index, cycle = snapshot.locate(state.position)
    due = DueStep(index, snapshot.steps[index], now, cycle, state.position)
    why = f"escalated by hand by {desk.directory.display_name(actor)}" + (f": {reason}" if reason else "")
    reached = _fire(uow, desk, ticket, record, due, now, reason=why)
    report.fired.append((ticket.ref, due.key, due.step.action, reached))
    after = replace(state, position=state.position + 1)
    decision = advance(snapshot, after, now)
    if decision.fire is not None:
        # a later step is overdue too: leave it due now, the next sweep fires it (one step per action)
        uow.escalations.save(ticket.id, after, now, now)
    else:
        uow.escalations.save(ticket.id, decision.state, decision.next_due_at, now)


def declare_major_incident(*, uow: EscalationUnitOfWork, desk: Desk, actor: str, ref: str, now: datetime,
                           reason: str = "", sla_due: SlaDue | None = None) -> SweepReport:
    """Declare a major incident: page the owning group's on-call at once, open its own conversation."""
    now = ensure_utc(now)
    report = SweepReport()
    major = desk.config.escalation.major_incident
    with uow:
        ticket = _ticket(uow, ref)
        assert ticket.id is not None
        require_work(desk.directory, actor, ticket, "declare major incidents")
        if major is None:
            raise InvalidInput("This desk has no major-incident policy.",
                               hint="Add escalation.major_incident: {policy: NAME} to the desk file.")
        if not ticket.is_open:
            raise InvalidInput(f"{ticket.ref} is {ticket.state}; only an open ticket can be a major incident.",
                               hint=f"Reopen it first: /ticket reopen {ticket.ref} \"why\".")
        current = uow.escalations.get(ticket.id, for_update=True)
        if current is not None and current.snapshot.major and current.state.status is EscalationStatus.ACTIVE:
            raise InvalidInput(f"{ticket.ref} is already a major incident.", hint="Its pages are running.")
        ticket.record(EventType.MAJOR_INCIDENT_DECLARED, actor, now, reason=reason, policy=major.policy)
        record = _begin(uow, desk, ticket, name=major.policy, now=now, major=True, actor=actor,
                        reason=reason or "major incident declared")
        _run_due(uow, desk, ticket, record, now, sla_due, report)
        title = shared_title(ticket, desk) if ticket.group else ticket.title  # a group's channel is shared
        uow.outbox.add(OutboxMessage(
            key=f"major:{ticket.id}:g{record.generation}", kind=MAJOR_KIND,
            recipient=f"group:{ticket.group}" if ticket.group else actor, ticket_id=ticket.id, created_at=now,
            payload={"ticket": ticket.ref, "title": title, "conversation": f"major-{ticket.ref.lower()}",
                     "text": f"MAJOR INCIDENT {ticket.ref}: “{title}” — declared by "
                             f"{desk.directory.display_name(actor)}. {reason}".strip()},
        ))
        _save(uow, desk, ticket, now)
        uow.commit()
    return report
