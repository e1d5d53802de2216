"""Use cases of service requests: order from the catalog, approve or reject, finish tasks, show.

Each runs in one unit of work; approvers are told through the outbox in the same transaction
(kind `request.approval`, key `<ticket id>:approval:<step>:<person>`, so a retry writes it once).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from deskops.core import requests as rules
from deskops.core.access import require_see
from deskops.core.catalog import check_form, require_type, snapshot
from deskops.core.clock import ensure_utc
from deskops.core.durations import format_duration
from deskops.core.errors import Conflict, Forbidden, InvalidInput
from deskops.core.events import EventType
from deskops.core.ports import OutboxMessage, TicketQuery, UnitOfWork
from deskops.core.routing import route
from deskops.core.services._support import (
    CONFLICT_RETRIES,
    SHORT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    clean_text,
    finish,
    load,
    to_view,
)
from deskops.core.services.context import Desk
from deskops.core.services.notifications import messages_for
from deskops.core.services.timeline import register_summary
from deskops.core.services.views import TicketView
from deskops.core.tickets import OPEN_STATES, Ticket, TicketKind

APPROVAL_KIND = "request.approval"
"""The outbox kind telling an approver a request waits for them."""
APPROVED_KIND = "request.approved"
"""The outbox kind telling the requester their request is approved."""


@dataclass(frozen=True)
class RequestResult:
    """A request's ticket, the request rebuilt from its log, and its phase."""

    ticket: TicketView
    request: rules.RequestView
    phase: rules.RequestPhase


def submit_request(
    *,
    uow: UnitOfWork,
    desk: Desk,
    actor: str,
    request_type: str,
    values: Mapping[str, str],
    now: datetime,
    title: str | None = None,
    channel: str | None = None,
) -> RequestResult:
    """Order `request_type` from the catalog with its form filled in; it waits for approval if it needs one."""
    at = ensure_utc(now)
    entry = require_type(desk.config.catalog, request_type)
    name = next(k for k, v in desk.config.catalog.items() if v is entry)
    form = check_form(entry, values, desk.directory)
    kept = snapshot(name, entry, actor, desk.directory)
    priority = desk.priorities.classify(None, None)  # the desk's defaults; an agent may reclassify
    ticket = Ticket.open(
        kind=TicketKind.SERVICE_REQUEST,
        title=clean_text("title", title or entry.title, limit=TITLE_MAX, required=True),
        description=_describe_form(form),
        requester=clean_text("requester", actor, limit=SHORT_MAX, required=True),
        actor=actor,
        at=at,
        urgency=priority.urgency,
        impact=priority.impact,
        priority=priority.priority,
        category=entry.category,
        service=entry.service_name(name),
        group=route(desk.config.routing, kind=TicketKind.SERVICE_REQUEST.value, requester=actor,
                    category=entry.category, service=entry.service_name(name)) or entry.group,
        channel=clean_text("channel", channel, limit=32) or None,
    )
    rules.submit(ticket, kept, form, actor=actor, at=at)
    with uow:
        recorded = uow.tickets.add(ticket)
        for message in messages_for(ticket, recorded, desk, at):
            uow.outbox.add(message)
        _tell_approvers(uow, ticket, kept["approvals"], 0, at)
        uow.commit()
        return _result(uow, desk, ticket)


def decide_request(
    *, uow: UnitOfWork, desk: Desk, actor: str, ref: str, approve: bool, now: datetime, reason: str = ""
) -> RequestResult:
    """Approve or reject the request's current approval step as one of its approvers."""
    at = ensure_utc(now)
    why = clean_text("reason", reason, limit=TEXT_MAX)

    def change(uow: UnitOfWork, ticket: Ticket, view: rules.RequestView) -> None:
        before = view.current_step
        rules.decide(ticket, view, approve=approve, reason=why, actor=actor, at=at)
        after = view.current_step
        if approve and after is not None and after != before:
            steps: list[dict[str, object]] = [{"name": s.name, "approvers": s.approvers} for s in view.steps]
            _tell_approvers(uow, ticket, steps, after, at)
        elif approve and after is None:
            # Rejections reach the requester as the cancellation (with the reason); approval needs its own word.
            uow.outbox.add(OutboxMessage(
                key=f"{ticket.id}:approved", kind=APPROVED_KIND, recipient=ticket.requester, ticket_id=ticket.id,
                created_at=at, payload={"ticket": ticket.ref, "title": ticket.title,
                                        "text": f"{ticket.ref} ({ticket.title}) is approved; {ticket.group} is on it."},
            ))  # fmt: skip

    return _change_request(uow, desk, ref, change)


def complete_task(
    *, uow: UnitOfWork, desk: Desk, actor: str, ref: str, number: int, now: datetime, note: str = ""
) -> RequestResult:
    """Mark a fulfilment task done (a member of the task's group, or its manager); the last fulfils it."""
    at = ensure_utc(now)
    text = clean_text("note", note, limit=TEXT_MAX)

    def change(_uow: UnitOfWork, ticket: Ticket, view: rules.RequestView) -> None:
        if 1 <= number <= len(view.tasks):
            group = view.tasks[number - 1].group
            config = desk.directory.group(group)
            if not desk.directory.is_member(actor, group) and (config is None or config.manager != actor):
                raise Forbidden(f"Task {number} of {ticket.ref} belongs to {group}; you are not in that group.",
                                hint=f"Ask a member of {group} to do it.")  # fmt: skip
        rules.complete_task(ticket, view, number, note=text, actor=actor, at=at)

    return _change_request(uow, desk, ref, change)


def show_request(*, uow: UnitOfWork, desk: Desk, actor: str, ref: str) -> RequestResult:
    """The request with its form, approvals and tasks (its requester, approvers and the desk may see it)."""
    with uow:
        ticket = load(uow, ref, for_update=False)
        view = _maybe_request(uow, ticket)
        if view is None or actor not in {p for s in view.steps for p in s.approvers}:
            require_see(desk.directory, actor, ticket)  # first, so "not a request" never confirms others' refs
        view = view or _request_of(uow, ticket)
        return RequestResult(ticket=to_view(ticket, desk), request=view, phase=view.phase(ticket.state))


def awaiting_my_approval(*, uow: UnitOfWork, desk: Desk, actor: str, limit: int = 200) -> list[RequestResult]:
    """The open requests whose current approval step waits for `actor`."""
    with uow:
        query = TicketQuery(kind=TicketKind.SERVICE_REQUEST, states=tuple(OPEN_STATES), sort="opened", limit=limit)
        tickets, _ = uow.tickets.find(query)
        found = []
        for ticket in tickets:
            view = _maybe_request(uow, ticket)
            step = view.current_step if view is not None else None
            if view is not None and step is not None and actor in view.steps[step].waiting_for:
                found.append(RequestResult(ticket=to_view(ticket, desk), request=view, phase=view.phase(ticket.state)))
        return found


def remind_approvers(*, uow: UnitOfWork, desk: Desk, now: datetime, after: timedelta) -> int:
    """Remind the approvers of each step waiting `after` or longer, once per `after`; return how many were told."""
    at = ensure_utc(now)
    written = 0
    with uow:
        query = TicketQuery(kind=TicketKind.SERVICE_REQUEST, states=tuple(OPEN_STATES), sort="opened", limit=1000)
        for ticket in uow.tickets.find(query)[0]:
            view = _maybe_request(uow, ticket)
            index = view.current_step if view is not None else None
            if view is None or index is None or view.step_since is None or at - view.step_since < after:
                continue
            rounds = int((at - view.step_since) / after)
            step = view.steps[index]
            for person in step.waiting_for:
                written += uow.outbox.add(OutboxMessage(
                    key=f"{ticket.id}:approval-reminder:{index}:{person}:{rounds}", kind=APPROVAL_KIND,
                    recipient=person, ticket_id=ticket.id, created_at=at,
                    payload={"ticket": ticket.ref, "title": ticket.title, "step": step.name, "reminder": rounds,
                             "text": f"Reminder: {ticket.ref} ({ticket.title}) has waited "
                                     f"{format_duration(at - view.step_since)} for your approval ({step.name}): "
                                     f"/request approve {ticket.ref} or /request reject {ticket.ref} --reason WHY"},
                ))  # fmt: skip
        uow.commit()
    return written


# ----- helpers ----------------------------------------------------------------------------------


def _describe_form(form: Mapping[str, object]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in form.items())


def _maybe_request(uow: UnitOfWork, ticket: Ticket) -> rules.RequestView | None:
    return rules.RequestView.from_events(uow.tickets.events(ticket.id)) if ticket.id is not None else None


def _request_of(uow: UnitOfWork, ticket: Ticket) -> rules.RequestView:
    view = _maybe_request(uow, ticket)
    if view is None:
        raise InvalidInput(f"{ticket.ref} is not a catalog request.",
                           hint="Use the /ticket commands for it; /request lists what can be ordered.")  # fmt: skip
    return view


def _result(uow: UnitOfWork, desk: Desk, ticket: Ticket) -> RequestResult:
    view = _request_of(uow, ticket)
    return RequestResult(ticket=to_view(ticket, desk), request=view, phase=view.phase(ticket.state))


_Change = Callable[[UnitOfWork, Ticket, rules.RequestView], None]


def _change_request(uow: UnitOfWork, desk: Desk, ref: str, change: _Change) -> RequestResult:
    """Load the request's ticket locked, apply `change(uow, ticket, view)`, save; retry a lost race."""
    for attempt in range(1, CONFLICT_RETRIES + 1):
        try:
            with uow:
                ticket = load(uow, ref)
                view = _request_of(uow, ticket)
                change(uow, ticket, view)
                finish(uow, desk, ticket)
                return _result(uow, desk, ticket)
        except Conflict:
            if attempt == CONFLICT_RETRIES:
                raise
    raise AssertionError("unreachable")


def _tell_approvers(uow: UnitOfWork, ticket: Ticket, steps: list[dict[str, object]], index: int, at: datetime) -> None:
    if index >= len(steps):
        return
    step = steps[index]
    approvers = step["approvers"]
    assert isinstance(approvers, list)
    for person in approvers:
        uow.outbox.add(OutboxMessage(
            key=f"{ticket.id}:approval:{index}:{person}", kind=APPROVAL_KIND, recipient=str(person),
            ticket_id=ticket.id, created_at=at,
            payload={"ticket": ticket.ref, "title": ticket.title, "step": step["name"],
                     "text": f"{ticket.ref} ({ticket.title}) waits for your approval ({step['name']}): "
                             f"/request approve {ticket.ref} or /request reject {ticket.ref} --reason WHY"},
        ))  # fmt: skip


register_summary(EventType.REQUEST_SUBMITTED, lambda p, _d: f"ordered {p.get('request_type')} from the catalog "
                 f"({len(p.get('approvals') or [])} approval step(s), {len(p.get('tasks') or [])} task(s))")
register_summary(EventType.APPROVAL_DECIDED, lambda p, _d: f"{p.get('decision')} step {p.get('step_name')}"
                 + (f": {p['reason']}" if p.get("reason") else ""))
register_summary(EventType.REQUEST_TASK_DONE, lambda p, _d: f"did task {p.get('task')} ({p.get('title')})"
                 + (f": {p['note']}" if p.get("note") else ""))
