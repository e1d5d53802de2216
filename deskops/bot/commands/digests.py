"""Scheduled KPI digests (job `digests.post`) and `/report` on demand in chat.

The job runs every 5 minutes. For each digest of the desk file it finds the fire times up to
`now` (cron in the digest's zone, DST-safe: deskops/core/digest_schedule.py) and queues the
digest of each period ending then, under the outbox key `digest:{name}:{period_start}`. The key is
the only memory: a second instance, a re-run or a restart finds the row and does nothing, so each
period is posted exactly once, and a desk that was down at the fire time posts on its next run
(unless the fire is older than `LATE_LIMIT`: a stale digest is noise).

Payload of a digest row (kind `digest`): `text` (plain text, the console prints it), `title`,
`summary`, `fields` [{label, value}], `at_risk` [lines], `charts` [PNG paths], `audience`,
`period` {from, to}.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from deskops.bot.commands.jobs import JobRegistry
from deskops.bot.commands.model import Command, Field, Reply
from deskops.bot.commands.registry import CommandContext, CommandRegistry, Param
from deskops.core.config.digests import DigestConfig
from deskops.core.errors import Conflict, Forbidden, InvalidInput
from deskops.core.kpi.audience import Audience
from deskops.core.ports import OutboxMessage

JOB_EVERY = timedelta(minutes=5)
"""A digest goes out at most this late; also lets a simulated `/time` jump of ~3 days run the job at every step."""
LATE_LIMIT = timedelta(hours=12)
"""A digest whose fire time is older than this when the desk first gets to it is skipped."""
REPORT_DEFAULT_DAYS = 7
REPORT_MAX_DAYS = 400


def register(registry: CommandRegistry) -> None:
    """Add `/report`."""
    registry.command(
        "report",
        "The desk's KPIs for a period, as your audience's digest",
        options=(
            Param("audience", "agent, lead, manager or customer (default: yours)",
                  kind="choice", choices=tuple(a.value for a in Audience)),
            Param("from", "first day, YYYY-MM-DD (default: 7 days ago)", kind="word"),
            Param("to", "last day, included, YYYY-MM-DD (default: today)", kind="word"),
            Param("group", "only this group", kind="choice", choices="group"),
            Param("priority", "only this priority", kind="choice", choices="priority"),
        ),
        examples=("/report", "/report --audience lead --from 2026-11-01 --to 2026-11-07"),
        details="Lead and manager figures go to team leads and managers only; days are in the desk's time zone.",
    )(report_command)


def register_jobs(jobs: JobRegistry) -> None:
    """Schedule the digest poster."""
    jobs.add("digests.post", JOB_EVERY, run_digests, "post each scheduled KPI digest once per period")


def run_digests(ctx: CommandContext, now: datetime) -> int:
    """Queue every digest that is due at `now` and not yet queued for its period; return how many."""
    from deskops.core.digest_schedule import CronSpec, fire_times

    written = 0
    for name, digest in ctx.config.digests.items():
        # Every fire time still fresh, oldest first: a desk down over two fires of an hourly digest posts both.
        for fired in fire_times(CronSpec.parse(digest.cron), digest.timezone, now - LATE_LIMIT, now):
            added = _post_once(ctx, name, digest, fired, now)
            if added is None:
                return written  # digests read the SQL store; an in-memory desk has none
            written += int(added)
    return written


def _post_once(ctx: CommandContext, name: str, digest: DigestConfig, fired: datetime, now: datetime) -> bool | None:
    """Queue digest `name` for the period ending at `fired` unless it is queued already; None without a SQL store."""
    from sqlalchemy import select
    from sqlmodel import col

    from deskops.bot.digest_service import Filter, build_digest
    from deskops.core.digest_schedule import period_start
    from deskops.core.kpi.period import Period
    from deskops.core.persistence.tables import OutboxRow

    period = Period(period_start(fired, digest.period, digest.timezone), fired)
    assert period.start is not None
    key = f"digest:{name}:{period.start.isoformat()}"
    with ctx.unit_of_work() as uow:
        session = getattr(uow, "session", None)
        if session is None:
            return None
        if session.execute(select(col(OutboxRow.id)).where(col(OutboxRow.idempotency_key) == key)).first():
            return False  # posted (or being posted) for this period already: the common case, kept cheap
        engine = session.get_bind()
    built = build_digest(ctx, engine, name=name, period=period, where=Filter(**digest.filter.model_dump()),
                         audience=Audience(digest.audience), viewer=_viewer(ctx, digest.to), charts=digest.charts,
                         zone=digest.timezone)
    try:
        with ctx.unit_of_work() as uow:
            # Two instances may both get here; the unique key lets one row in and the other add nothing.
            added = uow.outbox.add(OutboxMessage(key=key, kind="digest", recipient=digest.to, ticket_id=None,
                                                 created_at=now, payload=_payload(built, name, period)))
            uow.commit()
    except Conflict:
        return False  # the other instance's insert won the race on the unique key: it posts it
    return bool(added)


def _viewer(ctx: CommandContext, recipient: str) -> str | None:
    """Whose rights the at-risk list is read with: the person, or the group's team lead (else a member)."""
    if not recipient.startswith("group:"):
        return recipient
    group = ctx.config.groups.get(recipient.removeprefix("group:"))
    if group is None:
        return None
    return group.manager or (group.members[0] if group.members else None)


def _payload(built: Any, name: str, period: Any) -> dict[str, Any]:
    digest = built.digest
    text = digest.text()
    if built.charts:
        text += "\nCharts: " + ", ".join(built.charts)
    return {
        "text": text, "title": digest.title, "summary": digest.summary, "digest": name,
        "audience": str(digest.audience), "fields": [{"label": k, "value": v} for k, v in digest.figures],
        "at_risk": list(digest.at_risk), "findings": list(digest.findings), "charts": built.charts,
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
    }  # fmt: skip


def _day(text: str, what: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--{what} {text!r} is not a date", hint="write it like 2026-11-01") from None


def report_command(ctx: CommandContext, command: Command) -> Reply:
    """`/report [--audience A] [--from DAY] [--to DAY] [--group G] [--priority P]`."""
    from zoneinfo import ZoneInfo

    from deskops.bot.digest_service import Filter, build_digest
    from deskops.core.kpi.period import Period

    person, directory = command.actor.person, ctx.desk.directory
    default = Audience.MANAGER if directory.is_manager(person) else \
        Audience.AGENT if directory.is_agent(person) else Audience.CUSTOMER
    audience = Audience(str(command.args.get("audience") or default))
    if audience in (Audience.LEAD, Audience.MANAGER) and not directory.is_manager(person):
        raise Forbidden(f"The {audience} report is for team leads and managers.",
                        hint="Ask for /report --audience agent or --audience customer.")
    if audience is Audience.AGENT and not directory.is_agent(person):
        raise Forbidden("The agent report is for the desk's agents.", hint="Ask for /report --audience customer.")
    zone = ZoneInfo(ctx.config.timezone)
    today = ctx.now().astimezone(zone).date()
    last = _day(str(command.args["to"]), "to") if command.args.get("to") else today
    first = _day(str(command.args["from"]), "from") if command.args.get("from") else \
        last - timedelta(days=REPORT_DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidInput(f"--from {first} is after --to {last}", hint="give the earlier day first")
    if (last - first).days >= REPORT_MAX_DAYS:
        raise InvalidInput(f"{(last - first).days + 1} days is too long for chat (at most {REPORT_MAX_DAYS})",
                           hint="use `deskops report` on the command line for longer periods")
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    end = min(datetime(last.year, last.month, last.day, tzinfo=zone) + timedelta(days=1), ctx.now())
    if end <= start:
        raise InvalidInput("that period has not started yet", hint="give a --from of today or earlier")
    where = Filter(priority=command.args.get("priority"), group=command.args.get("group"))
    with ctx.unit_of_work() as uow:
        session = getattr(uow, "session", None)
        if session is None:
            raise InvalidInput("reports read the desk's SQL event log", hint="run the desk on SQLite or PostgreSQL")
        engine = session.get_bind()
    built = build_digest(ctx, engine, name=f"{first}..{last}", period=Period(start, end), where=where,
                         audience=audience, viewer=person, charts=False, zone=ctx.config.timezone)  # fmt: skip
    digest = built.digest
    fields = tuple(Field(label=k, value=v, inline=False) for k, v in digest.figures)
    fields += tuple(Field(label="At risk", value=line, inline=False) for line in digest.at_risk)
    return Reply(text=digest.summary, title=digest.title, fields=fields, data=built.document)
