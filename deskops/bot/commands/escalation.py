"""Escalation and on-call in chat, and the `escalation.sweep` job.

Commands: `/oncall who [SCHEDULE] [--at ISO]`, `/page ack REF`, `/ticket escalate REF [--to GROUP]
[--reason TEXT]`, `/ticket major REF [--reason TEXT]`, `/ticket escalation REF`. The job runs on the
desk's clock (so `/time +5m` in the console fires the steps that came due): it starts escalations
for tickets opened or changed since its last run, then sweeps due steps until none is left.
Pages and notifications reach people through the outbox like every other message.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from deskops.bot.commands.jobs import JobRegistry
from deskops.bot.commands.model import Action, Command, Field, Reply
from deskops.bot.commands.registry import CommandContext, CommandRegistry, Param
from deskops.bot.commands.sla import engine_for
from deskops.bot.commands.ticket_replies import when
from deskops.core.access import require_see
from deskops.core.clock import ensure_utc
from deskops.core.errors import InvalidInput, NotFound
from deskops.core.escalation.oncall import OVERRIDE, Schedule
from deskops.core.persistence.escalation import SqlEscalationUnitOfWork
from deskops.core.services.escalation import SweepReport, declare_major_incident, escalate, start_due, sweep
from deskops.core.services.paging import acknowledge

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(seconds=15)
"""How often due steps are looked for: a page goes out at most this late."""
START_LOOKBACK = timedelta(days=1)
"""After a (re)start, tickets changed this far back are checked for an escalation to start."""
SWEEP_BATCH = 100

_ENDED = {"resolved": "the ticket was resolved", "exhausted": "every step has run", "stopped": "stopped by hand"}

_watermarks: dict[int, datetime] = {}  # per desk context: the end of the last `start_due` window


def register(registry: CommandRegistry) -> None:
    """Add the on-call, paging and escalation commands."""
    ref = Param("ref", "the ticket, e.g. INC-12", kind="ref", required=True)
    reason = Param("reason", "why, for the ticket's history", kind="text", max_length=500)
    registry.command(
        "oncall.who", "Who is on call now (or at --at) for a schedule, or for every schedule",
        positionals=(Param("schedule", "a schedule from the desk file", metavar="SCHEDULE"),),
        options=(Param("at", "an instant, ISO 8601 with offset, e.g. 2026-12-24T20:00+01:00"),),
        examples=("/oncall who", "/oncall who network-oncall --at 2026-12-25T12:00+01:00"),
    )(oncall_who)
    registry.command(
        "page.ack", "Acknowledge a page: you answer for it, every remaining escalation step stops",
        positionals=(ref,), examples=("/page ack INC-12",),
    )(page_ack)
    registry.command(
        "ticket.escalate",
        "Escalate: page the next step now while paging runs, else move the ticket up a support level",
        positionals=(ref,),
        options=(Param("to", "move it to this group (functional escalation)", kind="choice", choices="group"),
                 reason),
        examples=("/ticket escalate INC-12", '/ticket escalate INC-12 --to infrastructure --reason "storage"'),
    )(ticket_escalate)
    registry.command(
        "ticket.major", "Declare a major incident: page the owning group's on-call at once, open its conversation",
        positionals=(ref,), options=(reason,), examples=('/ticket major INC-12 --reason "site offline"',),
    )(ticket_major)
    registry.command(
        "ticket.escalation", "Show a ticket's escalation: policy, status, next step, pages and who acknowledged",
        positionals=(ref,), examples=("/ticket escalation INC-12",),
    )(ticket_escalation)


def register_jobs(jobs: JobRegistry) -> None:
    """Schedule the escalation sweep."""
    jobs.add("escalation.sweep", SWEEP_EVERY, run_sweep, "start escalations and fire due escalation steps")


def _uow(ctx: CommandContext) -> SqlEscalationUnitOfWork:
    return SqlEscalationUnitOfWork.like(ctx.unit_of_work())


def run_sweep(ctx: CommandContext, now: datetime) -> SweepReport:
    """The periodic job: start escalations for recently changed tickets, then fire every due step."""
    now = ensure_utc(now)
    sla_due = engine_for(ctx.config).sla_due
    since = _watermarks.get(id(ctx), now - START_LOOKBACK)
    total = start_due(uow=_uow(ctx), desk=ctx.desk, since=since, now=now, sla_due=sla_due)
    _watermarks[id(ctx)] = now
    while True:  # batches until nothing is due: a backlog after downtime drains in one run
        report = sweep(uow=_uow(ctx), desk=ctx.desk, now=now, limit=SWEEP_BATCH, sla_due=sla_due)
        total.fired.extend(report.fired)
        total.ended.extend(report.ended)
        total.claimed += report.claimed
        if report.claimed < SWEEP_BATCH:
            break
    for ref, key, action, reached in total.fired:
        log.info("escalation %s %s %s -> %s", ref, key, action, ", ".join(reached) or "nobody")
    return total


def _fired_text(ctx: CommandContext, report: SweepReport) -> str:
    names = ctx.desk.directory.display_name
    parts = [f"{'paged' if action == 'page' else 'told' if action == 'notify' else 'moved to'} "
             f"{', '.join(n.removeprefix('group:') if n.startswith('group:') else names(n) for n in reached)}"
             for _, _, action, reached in report.fired if reached]
    return "; ".join(parts) or "nobody was reached"


def _fired_json(report: SweepReport) -> list[dict[str, Any]]:
    return [{"ticket": ref, "step": key, "action": action, "reached": list(reached)}
            for ref, key, action, reached in report.fired]


def oncall_who(ctx: CommandContext, command: Command) -> Reply:
    """`/oncall who [SCHEDULE] [--at ISO]`."""
    schedules = ctx.config.schedules
    name = command.args.get("schedule")
    if not schedules:
        raise InvalidInput("This desk has no on-call schedules.", hint="Add a `schedules:` section to the desk file.")
    if name is not None and name not in schedules:
        raise NotFound(f"There is no schedule {name!r}.", hint=f"Schedules: {', '.join(sorted(schedules))}.")
    at = ctx.now()
    if command.args.get("at"):
        try:
            at = ensure_utc(datetime.fromisoformat(str(command.args["at"])))
        except ValueError as exc:
            raise InvalidInput(f"Bad --at {command.args['at']!r}: {exc}.",
                               hint="Write an instant with an offset, e.g. 2026-12-24T20:00+01:00.") from None
    fields, data = [], []
    for schedule_name in [name] if name else sorted(schedules):
        plan = Schedule.from_config(schedule_name, schedules[schedule_name])
        current = plan.who(at)
        people = ", ".join(ctx.desk.directory.display_name(p) for p in current.people) or "nobody"
        how = " (override)" if current.source == OVERRIDE else ""
        until = current.end.astimezone(plan.zone)
        fields.append(Field(schedule_name, f"{people}{how} until {until:%a %d %b %H:%M %Z}", inline=False))
        data.append({"schedule": schedule_name, "on_call": list(current.people), "source": current.source or None,
                     "until": until.isoformat()})
    text = f"On call at {when(at)}" if command.args.get("at") else "On call now"
    return Reply(text=text, title="On call", fields=tuple(fields), data={"schedules": data})


def page_ack(ctx: CommandContext, command: Command) -> Reply:
    """`/page ack REF` — the first acknowledgement wins; a later one is told who and when."""
    actor = command.actor.person
    result = acknowledge(uow=_uow(ctx), desk=ctx.desk, actor=actor, ref=command.args["ref"], now=ctx.now())
    data: dict[str, Any] = {"ticket": result.ticket, "acknowledged": result.won, "by": result.by,
                            "at": result.at.isoformat() if result.at else None, "status": result.status}
    if not result.won:
        who = ctx.desk.directory.display_name(result.by) if result.by else "someone"
        text = (f"{result.ticket} was already taken: {who} acknowledged it at {when(result.at)}."
                if result.status == "acknowledged" else
                f"Paging for {result.ticket} had already ended ({_ENDED.get(result.status, result.status)}) "
                f"at {when(result.at)}; there is nothing left to stop.")
        return Reply(text=text, title="Already acknowledged" if result.status == "acknowledged" else "Paging ended",
                     ticket_ref=result.ticket, data=data,
                     actions=(Action("Show ticket", "ticket.show", {"ref": result.ticket}),))
    withdrawn = f" {result.withdrawn} page(s) not yet delivered were withdrawn." if result.withdrawn else ""
    text = f"You acknowledged {result.ticket}: paging stopped. Assign it to yourself if you take it over."
    return Reply(text=text + withdrawn,
                 title="Acknowledged", visibility="public", ticket_ref=result.ticket, data=data,
                 actions=(Action("Assign to me", "ticket.assign", {"ref": result.ticket, "who": "me"}, style="primary"),
                          Action("Show ticket", "ticket.show", {"ref": result.ticket})))


def ticket_escalate(ctx: CommandContext, command: Command) -> Reply:
    """`/ticket escalate REF [--to GROUP] [--reason TEXT]`."""
    ref = command.args["ref"]
    report = escalate(uow=_uow(ctx), desk=ctx.desk, actor=command.actor.person, ref=ref, now=ctx.now(),
                      to_group=command.args.get("to"), reason=command.args.get("reason") or "",
                      sla_due=engine_for(ctx.config).sla_due)
    return Reply(text=f"Escalated {ref.upper()}: {_fired_text(ctx, report)}.", title="Escalated",
                 visibility="public", ticket_ref=ref.upper(),
                 data={"ticket": ref.upper(), "fired": _fired_json(report)},
                 actions=(Action("Show escalation", "ticket.escalation", {"ref": ref}),))


def ticket_major(ctx: CommandContext, command: Command) -> Reply:
    """`/ticket major REF [--reason TEXT]`."""
    ref = command.args["ref"]
    report = declare_major_incident(uow=_uow(ctx), desk=ctx.desk, actor=command.actor.person, ref=ref,
                                    now=ctx.now(), reason=command.args.get("reason") or "",
                                    sla_due=engine_for(ctx.config).sla_due)
    return Reply(text=f"{ref.upper()} is a major incident: {_fired_text(ctx, report)}.",
                 title="Major incident declared", visibility="public", ticket_ref=ref.upper(),
                 data={"ticket": ref.upper(), "fired": _fired_json(report)},
                 actions=(Action("Acknowledge", "page.ack", {"ref": ref}, style="primary"),
                          Action("Show escalation", "ticket.escalation", {"ref": ref})))


def ticket_escalation(ctx: CommandContext, command: Command) -> Reply:
    """`/ticket escalation REF`."""
    uow = _uow(ctx)
    with uow:
        ticket = uow.tickets.get(command.args["ref"])
        if ticket is None or ticket.id is None:
            raise NotFound(f"There is no ticket {command.args['ref']}.", hint="Check the reference, e.g. INC-12.")
        require_see(ctx.desk.directory, command.actor.person, ticket)
        record = uow.escalations.get(ticket.id)
        pages = uow.escalations.pages(ticket.id, record.generation) if record else []
    if record is None:
        return Reply(text=f"{ticket.ref} is not escalating.", title=f"{ticket.ref} · escalation",
                     ticket_ref=ticket.ref, data={"ticket": ticket.ref, "status": None},
                     actions=(Action("Escalate", "ticket.escalate", {"ref": ticket.ref}),))
    names = ctx.desk.directory.display_name
    fields = [Field("Policy", record.snapshot.name + (" (major incident)" if record.snapshot.major else "")),
              Field("Status", str(record.state.status)),
              Field("Started", when(record.snapshot.started_at))]
    if record.next_due_at is not None:
        fields.append(Field("Next step", when(record.next_due_at)))
    if record.ended_by:
        fields.append(Field("Ended by", f"{names(record.ended_by)} at {when(record.ended_at)}"))
    fields.extend(Field(f"Page {p.step}", f"{names(p.recipient)} at {when(p.sent_at)} · {p.status}", inline=False)
                  for p in pages)
    return Reply(text=f"{ticket.ref}: escalation {record.state.status} under policy {record.snapshot.name}.",
                 title=f"{ticket.ref} · escalation", fields=tuple(fields), ticket_ref=ticket.ref,
                 data={"ticket": ticket.ref, "policy": record.snapshot.name, "status": str(record.state.status),
                       "next_due_at": record.next_due_at.isoformat() if record.next_due_at else None,
                       "pages": [{"to": p.recipient, "step": p.step, "at": p.sent_at.isoformat(),
                                  "status": p.status} for p in pages]})
