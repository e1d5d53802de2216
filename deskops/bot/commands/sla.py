"""SLA in chat: `/ticket sla REF` (each clock: due local and UTC, remaining, % used, state),
`/ticket at-risk` (open tickets whose clocks are running out), and the `sla.sweep` job that writes
warnings and breaches (each once) on the desk's clock — so `/time +2h` in the console shows them.

`clock_fields_for(ctx, ref, actor)` renders a ticket's clocks as reply fields, for any view that
wants them (e.g. `/ticket show`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from deskops.bot.commands.jobs import JobRegistry
from deskops.bot.commands.model import Action, Command, Field, Reply
from deskops.bot.commands.registry import CommandContext, CommandRegistry, Param
from deskops.core.business_calendar import format_business_time
from deskops.core.config.desk import DeskConfig
from deskops.core.sla import ClockState, ClockStatus
from deskops.core.sla.service import SlaEngine, TicketClocks, at_risk, sweep, ticket_clocks

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=1)
"""How often the sweep looks for warnings and breaches (they are written at most this late)."""

_engines: dict[int, tuple[DeskConfig, SlaEngine]] = {}

_STATE_TEXT = {
    ClockState.RUNNING: "running",
    ClockState.PAUSED: "paused",
    ClockState.MET: "met",
    ClockState.BREACHED: "BREACHED",
    ClockState.CANCELLED: "stopped (cancelled)",
}


def engine_for(config: DeskConfig) -> SlaEngine:
    """The SLA engine of a loaded desk file, built on first use and kept (its calendars cache days)."""
    cached = _engines.get(id(config))
    if cached is None or cached[0] is not config:
        cached = (config, SlaEngine.from_config(config))
        _engines[id(config)] = cached
    return cached[1]


def register(registry: CommandRegistry) -> None:
    """Add `/ticket sla` and `/ticket at-risk`."""
    registry.command(
        "ticket.sla",
        "Show a ticket's SLA clocks: due (local and UTC), business time left, % used, state",
        positionals=(Param("ref", "the ticket, e.g. INC-12", kind="ref", required=True),),
        examples=("/ticket sla INC-1",),
    )(show_clocks)
    registry.command(
        "ticket.at-risk",
        "List open tickets whose SLA clocks are at risk or breached, least time left first",
        options=(
            Param("group", "only this group's queue", kind="choice", choices="group"),
            Param("percent", "at least this share of the target used (default 75)", kind="int", minimum=1),
            Param("limit", "how many to show (default 20)", kind="int", minimum=1),
        ),
        examples=("/ticket at-risk", "/ticket at-risk --group network --percent 50"),
    )(list_at_risk)


def register_jobs(jobs: JobRegistry) -> None:
    """Schedule the SLA sweep."""
    jobs.add("sla.sweep", SWEEP_EVERY, run_sweep, "write SLA warnings and breaches as they come due")


def run_sweep(ctx: CommandContext, now: datetime) -> object:
    """The periodic job: one sweep at `now` (tickets it could not evaluate are logged, not fatal)."""
    report = sweep(uow=ctx.unit_of_work(), desk=ctx.desk, engine=engine_for(ctx.config), now=now)
    for ref, error in report.failed.items():
        log.warning("SLA sweep skipped %s at %s: %s", ref, now.isoformat(), error)
    return report


def show_clocks(ctx: CommandContext, command: Command) -> Reply:
    """`/ticket sla REF`."""
    desk = ctx.desk
    clocks = ticket_clocks(uow=ctx.unit_of_work(), desk=desk, engine=engine_for(ctx.config),
                           actor=command.actor.person, ref=command.args["ref"], now=ctx.now())  # fmt: skip
    engine = engine_for(ctx.config)
    if not clocks.clocks:
        text = ("No agreement covers this ticket, so no clock runs."
                if engine.agreements else "The desk file has no agreements yet (add an `agreements:` section).")
    else:
        text = _summary(clocks)
    return Reply(
        text=text,
        title=f"{clocks.ref} · SLA clocks",
        fields=clock_fields(clocks, engine),
        actions=(Action("Show ticket", "ticket.show", {"ref": clocks.ref}),),
        ticket_ref=clocks.ref,
        data={"ticket": clocks.ref, "clocks": [clock_json(c, engine) for c in clocks.clocks]},
    )


def list_at_risk(ctx: CommandContext, command: Command) -> Reply:
    """`/ticket at-risk [--group G] [--percent N] [--limit N]`."""
    desk = ctx.desk
    engine = engine_for(ctx.config)
    percent = int(command.args.get("percent", 75))
    entries, total = at_risk(
        uow=ctx.unit_of_work(), desk=desk, engine=engine, actor=command.actor.person, now=ctx.now(),
        group=command.args.get("group"), percent=percent, limit=int(command.args.get("limit", 20)),
    )  # fmt: skip
    where = f" in {command.args['group']}" if command.args.get("group") else ""
    if not entries:
        return Reply(text=f"No open ticket{where} has used {percent}% or more of an SLA target.", title="At risk",
                     data={"tickets": [], "total": 0})  # fmt: skip
    fields = tuple(
        Field(
            label=f"{e.ref} {e.priority or '—'} · {e.clock.agreement} {e.clock.clock}",
            value=" · ".join(
                (_clock_line(e.clock, engine), e.title, e.group or "no group", e.assignee or "unassigned")
            ),
            inline=False,
        )
        for e in entries
    )
    more = f" (showing {len(entries)})" if total > len(entries) else ""
    return Reply(
        text=f"{total} open ticket{'s' if total != 1 else ''}{where} at {percent}% or more of an SLA target{more}.",
        title="At risk",
        fields=fields,
        actions=tuple(Action(f"Show {e.ref}", "ticket.sla", {"ref": e.ref}) for e in entries[:5]),
        data={"tickets": [{"ref": e.ref, "title": e.title, "group": e.group, "assignee": e.assignee,
                           "clock": clock_json(e.clock, engine)} for e in entries], "total": total},
    )  # fmt: skip


def clock_fields_for(ctx: CommandContext, ref: str, actor: str) -> tuple[Field, ...]:
    """The clock fields of one ticket, for another view (e.g. `/ticket show`) to append to its card.

    Empty when the desk has no agreements or none covers the ticket; access is checked as for
    `/ticket sla` (a `DeskError` propagates like any handler's).
    """
    engine = engine_for(ctx.config)
    if not engine.agreements:
        return ()
    clocks = ticket_clocks(uow=ctx.unit_of_work(), desk=ctx.desk, engine=engine, actor=actor, ref=ref, now=ctx.now())
    return clock_fields(clocks, engine)


def clock_fields(clocks: TicketClocks, engine: SlaEngine) -> tuple[Field, ...]:
    """One field per clock: `standard-sla · resolution` → `running · due … · 3h 30m left · 56% used`."""
    return tuple(
        Field(label=f"{c.agreement} ({c.kind.upper()}) · {c.clock}{f' #{c.instance}' if c.instance else ''}",
              value=_clock_line(c, engine), inline=False)
        for c in clocks.clocks
    )  # fmt: skip


def clock_json(status: ClockStatus, engine: SlaEngine) -> dict[str, Any]:
    """A clock as JSON (the `data` of the replies)."""
    calendar = engine.calendar_of(status)
    return {
        "name": status.name,
        "agreement": status.agreement,
        "kind": str(status.kind),
        "clock": str(status.clock),
        "instance": status.instance,
        "state": str(status.state),
        "priority": status.priority,
        "calendar": status.calendar,
        "due": calendar.local(status.due).isoformat(),
        "due_utc": status.due.isoformat(),
        "original_due_utc": status.original_due.isoformat(),
        "target_seconds": int(status.target.total_seconds()),
        "consumed_seconds": int(status.consumed.total_seconds()),
        "remaining_seconds": int(status.remaining.total_seconds()),
        "percent_used": round(status.percent_used, 1),
        "warnings_crossed": list(status.crossed),
        "breached_at": status.breached_at.isoformat() if status.breached_at else None,
        "stopped_at": status.stopped_at.isoformat() if status.stopped_at else None,
        "reopens": status.reopens,
    }


def _clock_line(status: ClockStatus, engine: SlaEngine) -> str:
    calendar = engine.calendar_of(status)
    local = calendar.local(status.due)
    due = f"due {local:%a %d %b %H:%M} {local.tzname()} ({status.due:%H:%M} UTC)"
    if status.original_due != status.due:
        original = calendar.local(status.original_due)
        due += f", first due {original:%a %d %b %H:%M}"
    if status.stopped_at is not None:
        left = f"{format_business_time(status.consumed)} used of {format_business_time(status.target)}"
    elif status.remaining >= timedelta(0):
        left = f"{format_business_time(status.remaining)} left"
    else:
        left = f"{format_business_time(-status.remaining)} over"
    state = _STATE_TEXT[status.state] + (" (due if resumed now)" if status.state == ClockState.PAUSED else "")
    parts = [state, due, left, f"{status.percent_used:.0f}% used"]
    if status.reopens:
        parts.append(f"reopened {status.reopens}×")
    return " · ".join(parts)


def _summary(clocks: TicketClocks) -> str:
    breached = [c.name for c in clocks.clocks if c.state == ClockState.BREACHED]
    running = [c for c in clocks.clocks if c.is_open]
    if breached:
        return f"Breached: {', '.join(breached)}."
    if running:
        nearest = min(running, key=lambda c: c.remaining)
        return f"Next due: {nearest.name}, {format_business_time(nearest.remaining)} of business time left."
    return "Every clock has stopped."
