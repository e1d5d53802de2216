"""Service requests: their life as a fold over the ticket's log, and the rules that move them.

A request is a ticket of kind `service_request` whose log starts with `TicketOpened` and
`RequestSubmitted` (a snapshot of its catalog entry: approval steps with the people who may
decide, fulfilment tasks). Its phases:

    submitted → awaiting_approval → approved (or rejected, with a reason) → in_fulfilment → fulfilled → closed

- Approval steps run in order; a step with rule `one` is passed by one approval, `all` needs every
  approver. One rejection rejects the request (the ticket is cancelled with the reason).
- While it awaits approval a request whose clocks start at approval (`sla_from: approval`, the
  default) is `pending:approval`, which every SLA and OLA pauses by default; approval resumes it
  into its fulfilment group's queue. With `sla_from: submission` it waits in the queue (state new).
- Tasks: `parallel` tasks may be done in any order, `sequence` ones only in order. The last task
  done fulfils the request (the ticket is resolved with code `fulfilled`); a request without tasks
  is resolved by its group like any ticket.

Nothing is stored besides the log: `RequestView.from_events` rebuilds the request at any time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from deskops.core.catalog import FormValue
from deskops.core.errors import Forbidden, InvalidInput, InvalidTransition
from deskops.core.events import DomainEvent, EventType
from deskops.core.tickets import PendingReason, Ticket, TicketState

FULFILLED_CODE = "fulfilled"
"""The resolution code of a request whose last task is done."""


class RequestPhase(StrEnum):
    """Where a service request is in its life."""

    SUBMITTED = "submitted"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    IN_FULFILMENT = "in_fulfilment"
    FULFILLED = "fulfilled"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@dataclass
class ApprovalStep:
    """One approval step as the request snapshotted it, with the decisions so far."""

    name: str
    rule: str
    approvers: list[str]
    approved_by: list[str] = field(default_factory=list)
    rejected_by: str | None = None

    @property
    def passed(self) -> bool:
        """True once one approver (rule one) or every approver (rule all) approved."""
        if self.rule == "all":
            return all(p in self.approved_by for p in self.approvers)
        return bool(self.approved_by)

    @property
    def waiting_for(self) -> list[str]:
        """The approvers who have not decided yet."""
        return [p for p in self.approvers if p not in self.approved_by]


@dataclass
class Task:
    """One fulfilment task and who finished it."""

    number: int
    title: str
    group: str
    done_by: str | None = None
    done_at: datetime | None = None
    note: str = ""


@dataclass
class RequestView:
    """A service request rebuilt from its ticket's log."""

    request_type: str
    form: dict[str, FormValue]
    sla_from: str
    task_order: str
    steps: list[ApprovalStep]
    tasks: list[Task]
    submitted_at: datetime
    approved_at: datetime | None = None
    rejected_reason: str | None = None
    step_since: datetime | None = None
    """When the current approval step began to wait (for reminders)."""

    @classmethod
    def from_events(cls, events: Iterable[DomainEvent]) -> RequestView | None:
        """Fold a ticket's log into its request, or None when the ticket is not a catalog request."""
        view: RequestView | None = None
        for event in events:
            p = event.payload
            if event.type == EventType.REQUEST_SUBMITTED:
                view = cls(
                    request_type=p["request_type"], form=dict(p.get("form") or {}), sla_from=p["sla_from"],
                    task_order=p["task_order"], submitted_at=event.occurred_at,
                    steps=[ApprovalStep(s["name"], s["rule"], list(s["approvers"])) for s in p["approvals"]],
                    tasks=[Task(i + 1, t["title"], t["group"]) for i, t in enumerate(p["tasks"])],
                )  # fmt: skip
                view.step_since = event.occurred_at
                if not view.steps:
                    view.approved_at = event.occurred_at
            elif view is not None:
                view._apply(event)
        return view

    def _apply(self, event: DomainEvent) -> None:
        p = event.payload
        if event.type == EventType.APPROVAL_DECIDED:
            step = self.steps[int(p["step"])]
            if p["decision"] == "approved":
                step.approved_by.append(event.actor)
                if step.passed:
                    self.step_since = event.occurred_at
                if all(s.passed for s in self.steps):
                    self.approved_at = event.occurred_at
            else:
                step.rejected_by = event.actor
                self.rejected_reason = str(p.get("reason") or "")
        elif event.type == EventType.REQUEST_TASK_DONE:
            task = self.tasks[int(p["task"]) - 1]
            task.done_by, task.done_at, task.note = event.actor, event.occurred_at, str(p.get("note") or "")

    # ----- queries --------------------------------------------------------------------------------

    @property
    def current_step(self) -> int | None:
        """The index of the approval step waiting for decisions, or None when none is."""
        if self.rejected_reason is not None:
            return None
        return next((i for i, s in enumerate(self.steps) if not s.passed), None)

    def phase(self, ticket_state: TicketState) -> RequestPhase:
        """The request's phase, from its decisions, tasks and its ticket's state."""
        if self.rejected_reason is not None:
            return RequestPhase.REJECTED
        by_state = {TicketState.CANCELLED: RequestPhase.CANCELLED, TicketState.CLOSED: RequestPhase.CLOSED,
                    TicketState.RESOLVED: RequestPhase.FULFILLED}  # fmt: skip
        if ticket_state in by_state:
            return by_state[ticket_state]
        if self.current_step is not None:
            return RequestPhase.AWAITING_APPROVAL
        if any(t.done_by for t in self.tasks) or ticket_state == TicketState.IN_PROGRESS:
            return RequestPhase.IN_FULFILMENT
        return RequestPhase.APPROVED

    def open_tasks(self) -> list[Task]:
        """The tasks that may be done now (all open ones if parallel, only the next if in sequence)."""
        waiting = [t for t in self.tasks if t.done_by is None]
        return waiting[:1] if self.task_order == "sequence" else waiting


# ----- the rules that move a request ------------------------------------------------------------


def submit(ticket: Ticket, snapshot: dict[str, Any], form: dict[str, FormValue], *, actor: str, at: datetime) -> None:
    """Record the request on its freshly opened ticket; hold it for approval when it needs one."""
    ticket.record(EventType.REQUEST_SUBMITTED, actor, at, form=form, **snapshot)
    steps = snapshot["approvals"]
    if steps and snapshot["sla_from"] == "approval":
        ticket.set_pending(reason=PendingReason.APPROVAL, note=f"awaiting approval: {steps[0]['name']}",
                           actor=actor, at=at)  # fmt: skip


def decide(
    ticket: Ticket, view: RequestView, *, approve: bool, reason: str, actor: str, at: datetime
) -> ApprovalStep:
    """Record one approver's decision on the current step; reject, pass the step, or approve the request."""
    index = view.current_step
    if index is None or view.phase(ticket.state) != RequestPhase.AWAITING_APPROVAL:
        raise InvalidTransition(
            f"{ticket.ref} is {view.phase(ticket.state)}, so there is nothing to approve or reject.",
            hint=f"`/request show {ticket.ref}` shows where it is.",
        )
    step = view.steps[index]
    if actor not in step.approvers:
        raise Forbidden(
            f"You are not an approver of {ticket.ref} at step {step.name!r}.",
            hint=f"Waiting for: {', '.join(step.waiting_for)}.",
        )
    if actor in step.approved_by:
        raise InvalidInput(f"You already approved step {step.name!r} of {ticket.ref}.",
                           hint=f"Still waiting for: {', '.join(step.waiting_for)}.")  # fmt: skip
    if not approve and not reason.strip():
        raise InvalidInput("A rejection needs a reason.", hint=f'/request reject {ticket.ref} --reason "why"')
    decision = "approved" if approve else "rejected"
    ticket.record(EventType.APPROVAL_DECIDED, actor, at, step=index, step_name=step.name, decision=decision,
                  reason=reason)  # fmt: skip
    if not approve:
        step.rejected_by = actor
        ticket.cancel(reason=f"rejected by {actor} at step {step.name}: {reason}", actor=actor, at=at)
        return step
    step.approved_by.append(actor)
    following = view.current_step
    if following is None and ticket.state == TicketState.PENDING:
        ticket.resume(actor=actor, at=at, reason="approved")
    elif following is not None and following != index and ticket.state == TicketState.PENDING:
        ticket.set_pending(reason=PendingReason.APPROVAL, note=f"awaiting approval: {view.steps[following].name}",
                           actor=actor, at=at)  # fmt: skip
    return step


def complete_task(ticket: Ticket, view: RequestView, number: int, *, note: str, actor: str, at: datetime) -> Task:
    """Mark task `number` done; the last one fulfils the request (its ticket is resolved)."""
    phase = view.phase(ticket.state)
    if phase not in (RequestPhase.APPROVED, RequestPhase.IN_FULFILMENT):
        raise InvalidTransition(f"{ticket.ref} is {phase}; tasks are done once it is approved and before it is "
                                "fulfilled.", hint=f"`/request show {ticket.ref}` shows where it is.")  # fmt: skip
    if not 1 <= number <= len(view.tasks):
        raise InvalidInput(f"{ticket.ref} has no task {number}.",
                           hint=f"Its tasks are 1 to {len(view.tasks)}: /request tasks {ticket.ref}")  # fmt: skip
    task = view.tasks[number - 1]
    if task.done_by is not None:
        raise InvalidInput(f"Task {number} of {ticket.ref} is already done (by {task.done_by}).")
    if task not in view.open_tasks():
        first = view.open_tasks()[0]
        raise InvalidInput(f"The tasks of {ticket.ref} are done in order; task {first.number} ({first.title}) "
                           "comes first.", hint=f"/request task-done {ticket.ref} {first.number}")  # fmt: skip
    ticket.record(EventType.REQUEST_TASK_DONE, actor, at, task=number, title=task.title, note=note)
    task.done_by, task.done_at = actor, at
    if all(t.done_by for t in view.tasks):
        ticket.resolve(resolution_code=FULFILLED_CODE, note=f"all {len(view.tasks)} tasks done", actor=actor, at=at)
    return task
