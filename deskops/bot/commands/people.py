"""The desk's people in chat: `/people training [GROUP]` — what should my group learn next.

The answer comes from the desk's own event log (the tickets opened over the last `--days`, default a
quarter), ranked by the tickets the group would keep at the 1st level. Privacy: a group's list (no
names) goes to its members, its team lead and managers; per-person figures only to that person,
their team lead and managers (deskops/core/people/privacy.py).

The quarterly digest (job `people.training-digest`): in the first week of each quarter, every team lead
of a 1st-level group gets their group's ranked list for the quarter that ended, once (outbox key per
quarter, group and lead).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from deskops.bot.commands.jobs import JobRegistry
from deskops.bot.commands.model import Command, Reply
from deskops.bot.commands.registry import CommandContext, CommandRegistry, Param
from deskops.core.errors import Forbidden, InvalidInput
from deskops.core.ports import OutboxMessage

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


DIGEST_EVERY = timedelta(hours=6)
DIGEST_WINDOW_DAYS = 7
"""The digest goes out in the first week of a quarter, so a desk down on the 1st still sends it."""
_digests_sent: set[tuple[int, str]] = set()


def register_jobs(jobs: JobRegistry) -> None:
    """Schedule the quarterly training digest to team leads."""
    jobs.add("people.training-digest", DIGEST_EVERY, run_digest,
             "send each 1st-level team lead their group's training needs for the quarter that ended")


def quarter_start(at: datetime) -> datetime:
    """Midnight UTC of the first day of the quarter holding `at`."""
    at = at.astimezone(UTC)
    return datetime(at.year, 3 * ((at.month - 1) // 3) + 1, 1, tzinfo=UTC)


def run_digest(ctx: CommandContext, now: datetime) -> int:
    """Queue the digest of the quarter that ended for every team lead of a 1st-level group; return how many."""
    from sqlalchemy import select
    from sqlmodel import col

    from deskops.bot.cli.people import load_training, training_text
    from deskops.core.kpi.period import Period
    from deskops.core.people.privacy import for_viewer
    from deskops.core.persistence.tables import OutboxRow

    config = ctx.config
    this_quarter = quarter_start(now)
    if now - this_quarter >= timedelta(days=DIGEST_WINDOW_DAYS) or (id(config), this_quarter.isoformat()) in \
            _digests_sent:
        return 0
    last_quarter = quarter_start(this_quarter - timedelta(days=1))
    label = f"{last_quarter.year}-Q{(last_quarter.month - 1) // 3 + 1}"
    leads = {name: group.manager for name, group in config.groups.items() if group.level == 1 and group.manager}
    written = 0
    with ctx.unit_of_work() as uow:
        session = getattr(uow, "session", None)
        if session is None or not leads:
            return 0
        if session.execute(select(col(OutboxRow.id)).where(
                col(OutboxRow.idempotency_key).startswith(f"people.training-digest:{label}:"))).first():
            _digests_sent.add((id(config), this_quarter.isoformat()))
            return 0  # queued already (an earlier run, or before a restart): skip reading a quarter of logs
        report = load_training(session.get_bind(), config, Period(last_quarter, this_quarter),
                               frozenset(leads))
        for group in report.groups:
            lead = leads.get(group.group)
            if lead is None:
                continue
            mine = for_viewer(report.model_copy(update={
                "groups": [group], "people": [p for p in report.people if p.group == group.group]}), config, lead)
            text = f"Training needs of {group.group} for {label}\n" + training_text(mine, limit=3)
            written += uow.outbox.add(OutboxMessage(
                key=f"people.training-digest:{label}:{group.group}:{lead}", kind="people.training_digest",
                recipient=lead, ticket_id=None, created_at=now,
                payload={"text": text, "quarter": label, "group": group.group},
            ))  # fmt: skip
        uow.commit()
    _digests_sent.add((id(config), this_quarter.isoformat()))
    return written
