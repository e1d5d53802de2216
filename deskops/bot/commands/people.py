"""The desk's people in chat: `/people training [GROUP]` — what should my group learn next.

The answer comes from the desk's own event log (the tickets opened over the last `--days`, default a
quarter), ranked by the tickets the group would keep at the 1st level. Privacy: a group's list (no
names) goes to its members, its team lead and managers; per-person figures only to that person,
their team lead and managers (deskops/core/people/privacy.py).
"""

from __future__ import annotations

from datetime import timedelta

from deskops.bot.commands.model import Command, Reply
from deskops.bot.commands.registry import CommandContext, CommandRegistry, Param
from deskops.core.errors import Forbidden, InvalidInput

DEFAULT_DAYS = 91
"""A quarter: long enough for the categories to have tickets, short enough to show this season's needs."""


def register(registry: CommandRegistry) -> None:
    """Add `/people training`."""
    registry.command(
        "people.training",
        "What your group should learn next, ranked from the desk's own tickets",
        positionals=(Param("group", "the group (default: the groups you lead or belong to)", kind="choice",
                           choices="group"),),
        options=(Param("days", f"how many days back to look (default {DEFAULT_DAYS})", kind="int", minimum=7),),
        examples=("/people training", "/people training service-desk --days 30"),
        details="Per 1st-level group: the categories escalated most, lowest first-contact resolution, "
                "ping-pong and reopens, each with its figures and the tickets it would keep at the 1st level. "
                "Names appear only to the person, their team lead and managers.",
    )(people_training)


def people_training(ctx: CommandContext, command: Command) -> Reply:
    """Rank the training needs of the groups the asker may see."""
    from deskops.bot.cli.people import load_training, training_text
    from deskops.core.kpi.period import Period
    from deskops.core.people.privacy import for_viewer, may_see_group

    config, viewer = ctx.config, command.actor.person
    group = command.args.get("group")
    if group is not None and not may_see_group(config, viewer, str(group)):
        raise Forbidden(f"The training list of {group} is for its members, its team lead and managers.",
                        hint="Ask without a group to see your own groups' lists.")
    days = int(command.args.get("days") or DEFAULT_DAYS)
    now = ctx.now()
    with ctx.unit_of_work() as uow:
        session = getattr(uow, "session", None)
        if session is None:
            raise InvalidInput("training needs read the desk's SQL event log",
                               hint="run the desk on SQLite or PostgreSQL")
        report = load_training(session.get_bind(), config, Period(now - timedelta(days=days), now))
    report = for_viewer(report, config, viewer)
    if group is not None:
        report = report.model_copy(update={
            "groups": [g for g in report.groups if g.group == group],
            "people": [p for p in report.people if p.group == group],
        })
    if not report.groups:
        return Reply(text=f"No 1st-level tickets you may see in the last {days} days"
                          + (f" for {group}." if group else "; name a group you belong to or lead."),
                     title="Training needs")
    return Reply(text=training_text(report, limit=3), title=f"Training needs, last {days} days",
                 data=report.model_dump(mode="json"))
