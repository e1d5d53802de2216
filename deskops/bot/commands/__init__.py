"""Platform-neutral commands: a parsed `Command` (intent + actor) in, a `Reply` out.

Every adapter (console, Slack, Discord) calls one `CommandDispatcher` (dispatcher.py), which
implements the `Dispatcher` protocol of model.py:

    reply = dispatcher.dispatch_text('/ticket open "VPN drops" --urgency high', actor)  # a chat line
    reply = dispatcher.dispatch(Command(name="ticket.assign", actor=actor, args={...}))   # a button

Adding commands from another area (SLA, escalation, planning, reports) — no edit of these files:

1. Create a module in this package, e.g. `deskops/bot/commands/sla.py`.
2. Define `register(registry: CommandRegistry) -> None` and add your commands in it:

       def register(registry: CommandRegistry) -> None:
           registry.command(
               "ticket.at-risk", "List tickets whose SLA clock is at risk",
               options=(Param("group", "only this group's queue", kind="choice", choices="group"),),
               examples=("/ticket at-risk --group network",),
           )(at_risk)

       def at_risk(ctx: CommandContext, command: Command) -> Reply:
           with ctx.unit_of_work() as uow:
               ...  # call your use case with uow, now=ctx.now(), actor=command.actor.person
           return Reply(text=..., fields=(...), actions=(Action("Show", "ticket.show", {"ref": ...}),))

   The command name's words are what users type (`ticket.at-risk` → `/ticket at-risk`); `Param`
   kinds (text, word, ref, choice, person, flag, int, duration), `choices` (a tuple, or a desk-file
   vocabulary: group, person, category, urgency, impact, priority), `greedy` and `max_length` are
   checked by the parser before your handler runs, and feed `/help`.
3. Periodic work (SLA sweep, escalation sweep, digests): also define
   `register_jobs(jobs: JobRegistry) -> None` and call `jobs.add("sla.sweep", timedelta(minutes=1), run)`
   with `run(ctx, now)`; the runtime schedules it (real clock: APScheduler; `--clock`: each due
   simulated instant when `/time` moves the clock).

`registry.build_registry()` imports every module here (names not starting with `_`) and calls
these functions. Handlers raise `deskops.core.errors.DeskError` (or `parser.UsageError`) to refuse;
the dispatcher turns that into `Reply(ok=False)` with the hint. They never commit outside their
unit of work and never read the wall clock (`ctx.now()`).
"""

from deskops.bot.commands.model import Action, Actor, Command, Dispatcher, Field, Origin, Reply

__all__ = ["Action", "Actor", "Command", "Dispatcher", "Field", "Origin", "Reply"]
