"""The `/request` commands: list the catalog, order (`/request open TYPE name=value …`), show,
approve or reject, list what waits for my approval, list and finish fulfilment tasks; and the
`requests.remind` job that reminds approvers of requests waiting longer than a day.

Form values are `name=value` words after the type; a value with spaces goes in quotes
(`reason="my old one broke"`). A form that is missing a required field is refused with the list
of fields (a chat modal is the adapters' part: `form_spec(entry)` gives them the fields).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from deskops.bot.commands.jobs import JobRegistry
from deskops.bot.commands.model import Action, Command, Field, Reply
from deskops.bot.commands.parser import UsageError
from deskops.bot.commands.registry import TEXT_LIMIT, CommandContext, CommandRegistry, Param
from deskops.core.catalog import describe_form, require_type
from deskops.core.config.catalog import RequestTypeConfig
from deskops.core.requests import ApprovalStep, RequestPhase
from deskops.core.services.interfaces import hand_off
from deskops.core.services.requests import (
    RequestResult,
    awaiting_my_approval,
    complete_task,
    decide_request,
    remind_approvers,
    show_request,
    submit_request,
)

_REF = Param("ref", "the request, e.g. REQ-12", kind="ref", required=True)
_PAIR = re.compile(r"(?:^|\s)([A-Za-z_][\w-]*)=")
REMIND_EVERY = timedelta(hours=1)
REMIND_AFTER = timedelta(hours=24)
"""Approvers are reminded of a step that has waited this long, then once a day."""


def register(registry: CommandRegistry) -> None:
    """Add the /request commands."""
    add = registry.command
    add("request", "List the service catalog: what you can order, its form and approvals",
        examples=("/request",))(catalog)  # fmt: skip
    add(
        "request.open",
        "Order from the catalog: the type, then the form as name=value words",
        positionals=(
            Param("type", "the request type, from /request", required=True),
            Param("values", "the form: name=value …", kind="text", greedy=True, max_length=TEXT_LIMIT),
        ),
        options=(Param("title", "a title of your own (default: the type's)", kind="text", max_length=300),),
        examples=('/request open new-laptop model=developer needed_by=2026-07-01 reason="old one broke"',),
    )(open_)
    add("request.show", "Show a request: form, approvals, tasks and phase", positionals=(_REF,),
        examples=("/request show REQ-3",))(show)  # fmt: skip
    add("request.approve", "Approve the request's current approval step (approvers)", positionals=(_REF,),
        options=(Param("reason", "a note for the record", kind="text", max_length=TEXT_LIMIT),),
        examples=("/request approve REQ-3",))(approve)  # fmt: skip
    add("request.reject", "Reject the request, with the reason the requester will read (approvers)",
        positionals=(_REF,),
        options=(Param("reason", "why it is rejected", kind="text", required=True, max_length=TEXT_LIMIT),),
        examples=('/request reject REQ-3 --reason "budget frozen until Q3"',))(reject)  # fmt: skip
    add("request.pending", "List the requests waiting for your approval", examples=("/request pending",))(pending)
    add("request.tasks", "List a request's fulfilment tasks and who did them", positionals=(_REF,),
        examples=("/request tasks REQ-3",))(show)  # fmt: skip
    add(
        "request.task-done",
        "Mark a fulfilment task done (its group); the last one fulfils the request",
        positionals=(_REF, Param("number", "the task's number (/request tasks)", kind="int", required=True, minimum=1)),
        options=(Param("note", "what was done", kind="text", max_length=TEXT_LIMIT),),
        examples=("/request task-done REQ-3 2",),
    )(task_done)
    add(
        "ticket.handoff",
        "Hand a ticket to operations, security or a supplier (agents); their agreement's clock starts",
        positionals=(Param("ref", "the ticket, e.g. INC-12", kind="ref", required=True),),
        options=(Param("to", "the interface, from the desk file", required=True),
                 Param("note", "what you ask of them", kind="text", max_length=TEXT_LIMIT)),
        examples=('/ticket handoff INC-7 --to carrier --note "line down since 09:10, CPE rebooted"',),
    )(handoff)


def register_jobs(jobs: JobRegistry) -> None:
    """Schedule the approval reminders."""
    jobs.add("requests.remind", REMIND_EVERY, run_reminders, "remind approvers of requests waiting a day or more")


def run_reminders(ctx: CommandContext, now: datetime) -> object:
    """The periodic job: remind approvers of steps that waited `REMIND_AFTER` (once a day each)."""
    return remind_approvers(uow=ctx.unit_of_work(), desk=ctx.desk, now=now, after=REMIND_AFTER)


# ----- handlers ---------------------------------------------------------------------------------


def catalog(ctx: CommandContext, _command: Command) -> Reply:
    """`/request`: the catalog."""
    entries = ctx.config.catalog
    if not entries:
        return Reply(text="The catalog is empty: the desk file has no `catalog:` section yet.", data={"catalog": []})
    fields = tuple(
        Field(label=f"{name} · {entry.title}", value=_entry_line(entry), inline=False)
        for name, entry in entries.items()
    )
    actions = tuple(Action(f"Order: {entry.title}", "request.open", {"type": name}) for name, entry in entries.items())
    return Reply(
        text=f"{len(entries)} request type(s). Order with /request open TYPE name=value …",
        title="Service catalog",
        fields=fields,
        actions=actions[:5],
        data={"catalog": [form_spec(name, entry) for name, entry in entries.items()]},
    )


def open_(ctx: CommandContext, command: Command) -> Reply:
    """`/request open TYPE name=value …`."""
    entry = require_type(ctx.config.catalog, command.args["type"])
    values = parse_values(command.args.get("values", ""))
    if not values and entry.form:
        missing = [n for n, f in entry.form.items() if f.required]
        if missing:
            raise UsageError(f"{entry.title} needs a form: {describe_form(entry)}.",
                             f"Example: /request open {command.args['type']} " +
                             " ".join(f"{n}=…" for n in missing))  # fmt: skip
    result = submit_request(uow=ctx.unit_of_work(), desk=ctx.desk, actor=command.actor.person,
                            request_type=command.args["type"], values=values, now=ctx.now(),
                            title=command.args.get("title"), channel=command.origin.platform)  # fmt: skip
    return _reply(result, f"{result.ticket.ref} submitted: {_phase_text(result)}")


def show(ctx: CommandContext, command: Command) -> Reply:
    """`/request show REF` and `/request tasks REF`."""
    result = show_request(uow=ctx.unit_of_work(), desk=ctx.desk, actor=command.actor.person, ref=command.args["ref"])
    return _reply(result, _phase_text(result))


def approve(ctx: CommandContext, command: Command) -> Reply:
    """`/request approve REF [--reason …]`."""
    result = decide_request(uow=ctx.unit_of_work(), desk=ctx.desk, actor=command.actor.person,
                            ref=command.args["ref"], approve=True, reason=command.args.get("reason", ""),
                            now=ctx.now())  # fmt: skip
    return _reply(result, _phase_text(result))


def reject(ctx: CommandContext, command: Command) -> Reply:
    """`/request reject REF --reason …`."""
    result = decide_request(uow=ctx.unit_of_work(), desk=ctx.desk, actor=command.actor.person,
                            ref=command.args["ref"], approve=False, reason=command.args["reason"],
                            now=ctx.now())  # fmt: skip
    return _reply(result, _phase_text(result))


def pending(ctx: CommandContext, command: Command) -> Reply:
    """`/request pending`: what waits for my approval."""
    found = awaiting_my_approval(uow=ctx.unit_of_work(), desk=ctx.desk, actor=command.actor.person)
    if not found:
        return Reply(text="Nothing waits for your approval.", data={"requests": []})
    fields = tuple(
        Field(label=f"{r.ticket.ref} · {r.ticket.title}",
              value=f"from {ctx.desk.directory.display_name(r.ticket.requester)} · {r.ticket.description or '-'}")
        for r in found
    )  # fmt: skip
    actions = tuple(a for r in found[:5] for a in _decision_actions(r.ticket.ref))
    return Reply(text=f"{len(found)} request(s) wait for your approval.", title="Waiting for your approval",
                 fields=fields, actions=actions, data={"requests": [r.ticket.ref for r in found]})  # fmt: skip


def task_done(ctx: CommandContext, command: Command) -> Reply:
    """`/request task-done REF N [--note …]`."""
    result = complete_task(uow=ctx.unit_of_work(), desk=ctx.desk, actor=command.actor.person,
                           ref=command.args["ref"], number=int(command.args["number"]),
                           note=command.args.get("note", ""), now=ctx.now())  # fmt: skip
    return _reply(result, f"Task {command.args['number']} done. {_phase_text(result)}")


def handoff(ctx: CommandContext, command: Command) -> Reply:
    """`/ticket handoff REF --to NAME [--note …]`."""
    to = command.args["to"]
    view = hand_off(uow=ctx.unit_of_work(), desk=ctx.desk, actor=command.actor.person, ref=command.args["ref"],
                    to=to, note=command.args.get("note", ""), now=ctx.now())  # fmt: skip
    interface = ctx.config.interfaces[to]
    channel = f"webhook {interface.webhook}" if interface.webhook else "e-mail"
    return Reply(
        text=f"{view.ref} handed to {to} ({interface.kind}, {channel}); it waits as pending:{interface.pending_reason} "
             f"and {interface.agreement} runs. Their updates arrive as internal comments.",
        title=f"{view.ref} · handed off", ticket_ref=view.ref,
        actions=(Action("Show ticket", "ticket.show", {"ref": view.ref}),
                 Action("SLA", "ticket.sla", {"ref": view.ref})),
        data={"ticket": view.ref, "interface": to, "agreement": interface.agreement, "state": str(view.state),
              "pending_reason": view.pending_reason and str(view.pending_reason)},
    )  # fmt: skip


# ----- rendering --------------------------------------------------------------------------------


def parse_values(text: str) -> dict[str, str]:
    """Split `model=developer reason=my old one broke` into fields (a value runs to the next `name=`)."""
    parts = _PAIR.split(" " + text.strip()) if text.strip() else [""]
    if parts[0].strip():
        raise UsageError(f"{parts[0].strip()!r} is not a form value.", "Write the form as name=value words.")
    values: dict[str, str] = {}
    for name, value in zip(parts[1::2], parts[2::2], strict=True):
        if name in values:
            raise UsageError(f"{name} is given twice.", "Give each field once.")
        values[name] = value.strip()
    return values


def form_spec(name: str, entry: RequestTypeConfig) -> dict[str, Any]:
    """The request type as data (for `--json` and for adapters that draw a modal form)."""
    return {
        "type": name,
        "title": entry.title,
        "description": entry.description,
        "fields": [
            {"name": n, "type": f.type, "label": f.label or n, "help": f.help, "required": f.required,
             "choices": list(f.choices), "min": f.min, "max": f.max, "max_length": f.max_length}
            for n, f in entry.form.items()
        ],
        "approvals": [{"name": s.name, "approvers": list(s.approvers), "rule": s.rule} for s in entry.approvals],
        "tasks": [t.title for t in entry.tasks],
    }  # fmt: skip


def _entry_line(entry: RequestTypeConfig) -> str:
    approvals = " → ".join(f"{s.name or 'approval'} ({s.rule} of {', '.join(s.approvers)})" for s in entry.approvals)
    return " · ".join(
        part for part in (entry.description, f"form: {describe_form(entry)}",
                          f"approvals: {approvals}" if approvals else "no approval",
                          f"fulfilled by {entry.group}") if part
    )  # fmt: skip


def _phase_text(result: RequestResult) -> str:
    request = result.request
    step = request.current_step
    if step is not None:
        waiting = ", ".join(request.steps[step].waiting_for)
        return f"awaiting approval ({request.steps[step].name}) from {waiting}."
    if result.phase == RequestPhase.APPROVED:
        return f"Approved; {result.ticket.group or 'the desk'} fulfils it now."
    if result.phase == RequestPhase.REJECTED:
        return f"Rejected: {request.rejected_reason}"
    open_tasks = [t for t in request.tasks if t.done_by is None]
    if result.phase == RequestPhase.IN_FULFILMENT and open_tasks:
        return f"In fulfilment; {len(open_tasks)} of {len(request.tasks)} task(s) still open."
    return f"{result.phase.value.replace('_', ' ').capitalize()}."


def _step_text(step: ApprovalStep) -> str:
    if step.rejected_by:
        return f"rejected by {step.rejected_by}"
    if step.passed:
        return f"approved by {', '.join(step.approved_by)}"
    return f"waiting for {', '.join(step.waiting_for)}"


def _decision_actions(ref: str) -> tuple[Action, ...]:
    return (Action("Approve", "request.approve", {"ref": ref}, style="primary"),
            Action("Reject", "request.reject", {"ref": ref}, style="danger"))  # fmt: skip


def _reply(result: RequestResult, text: str) -> Reply:
    request, ref = result.request, result.ticket.ref
    fields = [Field("Phase", result.phase.value), Field("Type", request.request_type)]
    fields += [Field(name, str(value)) for name, value in request.form.items()]
    for step in request.steps:
        fields.append(Field(f"Approval: {step.name} ({step.rule})", _step_text(step)))
    for task in request.tasks:
        done = f"done by {task.done_by}" if task.done_by else "open"
        fields.append(Field(f"Task {task.number}: {task.title}", f"{task.group} · {done}", inline=False))
    actions: tuple[Action, ...] = ()
    if request.current_step is not None:
        actions = _decision_actions(ref)
    elif result.phase.value in ("approved", "in_fulfilment"):
        actions = tuple(Action(f"Done: task {t.number}", "request.task-done", {"ref": ref, "number": t.number})
                        for t in request.open_tasks()[:5])  # fmt: skip
    return Reply(
        text=text, title=f"{ref} · {result.ticket.title}", fields=tuple(fields), actions=actions, ticket_ref=ref,
        data={"ticket": ref, "phase": result.phase.value, "request_type": request.request_type, "form": request.form,
              "rejected_reason": request.rejected_reason,
              "approvals": [{"name": s.name, "rule": s.rule, "approvers": s.approvers, "approved_by": s.approved_by,
                             "rejected_by": s.rejected_by} for s in request.steps],
              "tasks": [{"number": t.number, "title": t.title, "group": t.group, "done_by": t.done_by}
                        for t in request.tasks]},
    )  # fmt: skip
