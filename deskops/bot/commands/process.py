"""`/process findings` in chat: the findings that say where the process should change, for managers.

The same rules and thresholds (the desk file's `process` section) as `deskops process findings`,
evaluated as of the desk's clock over the event log in the desk's SQL store.
"""

from __future__ import annotations

from deskops.bot.commands.model import Command, Field, Reply
from deskops.bot.commands.registry import CommandContext, CommandRegistry
from deskops.core.errors import Forbidden, InvalidInput

SHOWN = 10
"""Findings listed in one reply (the rest are counted; the command line shows them all)."""


def register(registry: CommandRegistry) -> None:
    """Add `/process findings`."""
    registry.command(
        "process.findings",
        "Managers: findings that say where the process should change (trends, outliers, new demand)",
        examples=("/process findings",),
    )(process_findings)


def process_findings(ctx: CommandContext, command: Command) -> Reply:
    """Run the process signals over the store as of now and list the findings with their figures."""
    from deskops.bot.process_service import gather_findings

    person = command.actor.person
    if not ctx.desk.directory.is_manager(person):
        raise Forbidden("Process findings are for managers.",
                        hint="ask a desk manager, or get a manager role in the desk file (people: roles)")  # fmt: skip
    with ctx.unit_of_work() as uow:
        session = getattr(uow, "session", None)
        if session is None:
            raise InvalidInput(
                "process findings need the desk's SQL event log", hint="run the desk on SQLite or PostgreSQL"
            )
        engine = session.get_bind()
    found = gather_findings(engine, ctx.config, ctx.now())
    weeks = ctx.config.process.weeks
    if not found:
        return Reply(
            title="Process findings", text=f"No findings over the last {weeks} weeks: no signal crossed its threshold."
        )
    fields = tuple(Field(finding.rule.replace("_", " "), finding.message, inline=False) for finding in found[:SHOWN])
    more = f" ({len(found) - SHOWN} more: `deskops process findings`)" if len(found) > SHOWN else ""
    return Reply(
        title="Process findings",
        text=f"{len(found)} findings over the last {weeks} weeks{more}.",
        fields=fields,
        data={"findings": [finding.model_dump(mode="json") for finding in found]},
    )
