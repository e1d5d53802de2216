"""Paging: whom a step reaches, the messages it writes, and acknowledgement (the first one wins).

A page is a direct message with Acknowledge / Escalate buttons (outbox kind `escalation.page`,
key `page:{ticket_id}:g{generation}:{step}:{person}`); a notify step writes `escalation.notify`.
Acknowledging ends the ticket's escalation with a conditional update, so of two people pressing
Acknowledge at once exactly one wins; the other is told who acknowledged and when. Pages already
written to the outbox but not delivered are withdrawn in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from deskops.core.access import require_work
from deskops.core.clock import ensure_utc
from deskops.core.config.escalation import TargetConfig
from deskops.core.errors import InvalidInput, NotFound
from deskops.core.escalation.engine import EscalationStatus
from deskops.core.escalation.oncall import Schedule
from deskops.core.escalation.records import PAGE_KIND, EscalationUnitOfWork
from deskops.core.events import EventType
from deskops.core.ports import OutboxMessage
from deskops.core.services.context import Desk
from deskops.core.services.timeline import register_summary
from deskops.core.tickets import Ticket

NOTIFY_KIND = "escalation.notify"
ACK_KIND = "escalation.acknowledged"
SYSTEM_ACTOR = "deskops"
"""The actor of steps the desk takes by itself."""


@dataclass(frozen=True)
class AckResult:
    """The outcome of an acknowledgement: `won` is False when someone else was first (or paging had ended).

    `status` is how the escalation ended: acknowledged (by `by`, at `at`), resolved, exhausted or stopped.
    """

    ticket: str
    won: bool
    by: str | None
    at: datetime | None
    withdrawn: int = 0
    status: str = "acknowledged"


def record_event(ticket: Ticket, type: EventType, actor: str, at: datetime, **payload: Any) -> None:
    """Append an event of another area to the ticket's log (kept for the SLA sweep; same as `Ticket.record`)."""
    ticket.record(type, actor, at, **payload)


def owning_group(desk: Desk, ticket: Ticket) -> str | None:
    """The ticket's group, or the first 1st-level group for a ticket nobody has routed yet."""
    groups = desk.config.groups
    if ticket.group in groups:
        return ticket.group
    return next((name for name, group in groups.items() if group.level == 1), None)


def resolve_target(target: TargetConfig, *, desk: Desk, ticket: Ticket, at: datetime) -> list[str]:
    """The people a target reaches at `at` (schedules answer who is on call then); may be empty."""
    config = desk.config
    if target.schedule is not None:
        return list(Schedule.from_config(target.schedule, config.schedules[target.schedule]).who(at).people)
    if target.user is not None:
        return [target.user]
    if target.role == "assignee":
        return [ticket.assignee] if ticket.assignee else []
    group_name = target.group or owning_group(desk, ticket)
    if target.role == "oncall" and group_name in config.escalation.oncall:
        schedule = config.escalation.oncall[group_name]
        on_call = Schedule.from_config(schedule, config.schedules[schedule]).who(at).people
        if on_call:
            return list(on_call)
    group = config.groups.get(group_name) if group_name else None
    if group is None:
        return []
    if target.role == "manager":
        return [group.manager] if group.manager else []
    return list(group.members)  # role group or oncall without a schedule (or a gap in it): the members


def page_actions(ticket: Ticket) -> list[dict[str, Any]]:
    """The buttons of a page: Acknowledge and Escalate (as Reply actions: label, command, args)."""
    return [
        {"label": "Acknowledge", "command": "page.ack", "args": {"ref": ticket.ref}, "style": "primary"},
        {"label": "Escalate", "command": "ticket.escalate", "args": {"ref": ticket.ref}, "style": "danger"},
    ]


def page_message(
    ticket: Ticket, *, person: str, generation: int, step: str, text: str, now: datetime, kind: str = PAGE_KIND
) -> OutboxMessage:
    """The direct message of one page (or notification) to one person."""
    assert ticket.id is not None
    payload: dict[str, Any] = {
        "ticket": ticket.ref,
        "title": ticket.title,
        "priority": ticket.priority,
        "step": step,
        "text": text,
    }
    if kind == PAGE_KIND:
        payload["actions"] = page_actions(ticket)
    return OutboxMessage(
        key=f"{kind.removeprefix('escalation.')}:{ticket.id}:g{generation}:{step}:{person}",
        kind=kind,
        recipient=person,
        ticket_id=ticket.id,
        payload=payload,
        created_at=now,
    )


def acknowledge(*, uow: EscalationUnitOfWork, desk: Desk, actor: str, ref: str, now: datetime) -> AckResult:
    """Acknowledge the page on a ticket: the first acknowledgement stops every remaining step."""
    now = ensure_utc(now)
    with uow:
        ticket = uow.tickets.get(ref)
        if ticket is None or ticket.id is None:
            raise NotFound(f"There is no ticket {ref}.", hint="Check the reference, e.g. INC-12.")
        # checked before the escalation row is ended: a refused acknowledgement must change nothing
        require_work(desk.directory, actor, ticket, "acknowledge pages")
        ended = uow.escalations.end(ticket.id, EscalationStatus.ACKNOWLEDGED, by=actor, at=now)
        # read the ticket again now that its escalation row is ours: a sweep may have just added events
        ticket = uow.tickets.get(ticket.ref, for_update=True) or ticket
        assert ticket.id is not None
        if ended is None:
            record = uow.escalations.get(ticket.id)
            if record is None:
                raise InvalidInput(f"{ticket.ref} has no escalation to acknowledge.",
                                   hint="Only paged tickets can be acknowledged; use /ticket start to take it.")
            return AckResult(ticket.ref, False, record.ended_by, record.ended_at, status=str(record.state.status))
        withdrawn = uow.escalations.settle_pages(ticket.id, ended.generation, acknowledged_by=actor, at=now)
        pages = uow.escalations.pages(ticket.id, ended.generation)
        mine = [p for p in pages if p.recipient == actor]
        ticket.record(EventType.PAGE_ACKNOWLEDGED, actor, now,
                      step=mine[-1].step if mine else None,
                      page_sent_at=mine[-1].sent_at.isoformat() if mine else None)
        ticket.record(EventType.ESCALATION_STOPPED, actor, now, reason="acknowledged", by=actor)
        uow.tickets.save(ticket)
        name = desk.directory.display_name(actor)
        for person in sorted({p.recipient for p in pages} - {actor}):
            uow.outbox.add(page_message(
                ticket, person=person, generation=ended.generation, step="ack", kind=ACK_KIND, now=now,
                text=f"{ticket.ref}: {name} acknowledged the page; no further steps will run.",
            ))
        uow.commit()
        return AckResult(ticket.ref, True, actor, now, withdrawn)


def _names(people: object, desk: Desk) -> str:
    listed = [str(p) for p in people] if isinstance(people, list) else []
    shown = [p.removeprefix("group:") + " queue" if p.startswith("group:") else desk.directory.display_name(p)
             for p in listed]
    return ", ".join(shown) or "nobody"


# how /ticket history and notifications word the escalation events (see services/timeline.py)
register_summary(EventType.ESCALATION_STARTED, lambda p, _d: f"started escalation policy {p.get('policy')}"
                 + (" (major incident)" if p.get("major") else ""))
register_summary(EventType.PAGE_SENT, lambda p, d: f"paged {_names(p.get('recipients'), d)} "
                 f"({p.get('target')}, step {p.get('step')})")
register_summary(EventType.PAGE_ACKNOWLEDGED, lambda p, _d: "acknowledged the page")
register_summary(EventType.ESCALATION_STOPPED, lambda p, _d: f"ended the escalation ({p.get('reason')})")
register_summary(EventType.MAJOR_INCIDENT_DECLARED,
                 lambda p, _d: "declared a major incident" + (f": {p['reason']}" if p.get("reason") else ""))
