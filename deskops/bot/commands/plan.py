"""Workforce planning in chat: `/plan week` (team lead: next week's forecast, staffing and roster)
and `/plan shifts [PERSON]` (a person's own shifts next week).

The plan is made from the desk's own event log (ticket arrivals), with the `planning` section of
the desk file. Making it takes seconds (model fits and the roster solver), so the last plan for a
week is kept in memory and reused until the week, the desk file or `--refresh` changes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from deskops.bot.commands.model import Command, Field, Reply
from deskops.bot.commands.registry import CommandContext, CommandRegistry, Param
from deskops.core.errors import Forbidden, InvalidInput, NotFound

LEAD_ROLES = frozenset({"manager", "duty_manager", "service_owner", "admin"})
"""Roles that may see the whole desk's plan (everybody may see their own shifts)."""
MIN_HISTORY_DAYS = 21

_plans: dict[tuple[int, date, int], Any] = {}


def register(registry: CommandRegistry) -> None:
    """Add `/plan week` and `/plan shifts`."""
    registry.command(
        "plan.week",
        "Next week's plan: forecast, staffing per interval and the roster (team leads)",
        options=(
            Param("days", "how many days to plan (default 7)", kind="int", minimum=1),
            Param("refresh", "make the plan again instead of showing the last one", kind="flag"),
        ),
        examples=("/plan week", "/plan week --days 5 --refresh"),
        details="Forecast from the desk's ticket arrivals (Holt-Winters or the baseline that back-tests better), "
                "Erlang C staffing per interval and a CP-SAT roster of the people in the desk file's "
                "planning section. Intervals nobody can cover are listed, not hidden.",
    )(plan_week)
    registry.command(
        "plan.staffing",
        "Agents needed for one interval (Erlang C; Erlang A with --patience)",
        positionals=(Param("volume", "contacts arriving in the interval", kind="int", required=True, minimum=0),),
        options=(
            Param("aht", "average handling time, e.g. 3m", kind="duration", required=True),
            Param("interval", "interval length (default 30m)", kind="duration"),
            Param("target", "service level, e.g. 80/20s (default)"),
            Param("asa", "average speed of answer target, e.g. 30s", kind="duration"),
            Param("shrinkage", "paid time not available, e.g. 30%"),
            Param("max-occupancy", "occupancy cap, e.g. 85%"),
            Param("concurrency", "conversations one agent handles at once (chat work)", kind="int", minimum=1),
            Param("patience", "mean patience of waiting callers, e.g. 2m (Erlang A)", kind="duration"),
        ),
        examples=("/plan staffing 100 --aht 3m --target 80/20s --shrinkage 30%",
                  "/plan staffing 40 --aht 10m --target 80/60s --concurrency 3"),
    )(plan_staffing)
    registry.command(
        "plan.shifts",
        "Your shifts next week (team leads may name someone)",
        positionals=(Param("person", "whose shifts (default: yours)", kind="person"),),
        examples=("/plan shifts", "/plan shifts bob"),
    )(plan_shifts)


def _roles(ctx: CommandContext, person: str) -> frozenset[str]:
    entry = ctx.config.people.get(person)
    return frozenset(entry.roles) if entry is not None else frozenset()


def _next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def _plan(ctx: CommandContext, days: int, refresh: bool) -> Any:
    """The plan for the week starting next Monday, from the event log (cached per desk file and week)."""
    from deskops.bot.planning_io import read_session
    from deskops.bot.planning_service import planning_section, run_plan

    config = ctx.config
    if config.planning is None:
        raise NotFound("this desk has no planning section yet",
                       hint="add `planning:` to the desk file (README: Workforce planning)")
    planning, calendar = planning_section(config)
    today = calendar.local(ctx.now()).date()
    start = _next_monday(today)
    key = (id(config), start, days)
    if key in _plans and not refresh:
        return _plans[key]
    with ctx.unit_of_work() as uow:
        session = getattr(uow, "session", None)
        if session is None:
            raise InvalidInput("planning needs the desk's SQL event log", hint="run the desk on SQLite or PostgreSQL")
        try:
            history = read_session(session, calendar.zone.key, planning.interval, last=today - timedelta(days=1))
        except ValueError as exc:
            raise InvalidInput(str(exc), hint="import history with `deskops import FILE --format uci|csv`") from None
    held = len(history.series.values) // history.series.per_day
    if held < MIN_HISTORY_DAYS:
        raise InvalidInput(f"the event log holds {held} days of arrivals; a plan needs at least {MIN_HISTORY_DAYS}",
                           hint="import older tickets with `deskops import`, or plan on the command line from a CSV")
    try:
        run = run_plan(config, history, days=days, skip_days=(start - today).days)
    except ValueError as exc:
        raise InvalidInput(str(exc), hint="check the planning section with `deskops check-config`") from None
    _plans[key] = run
    return run


def _span(shift: dict[str, Any]) -> str:
    day = date.fromisoformat(shift["day"])
    return f"{day:%a %d %b} {shift['shift']} {shift['start'][11:16]}–{shift['end'][11:16]}"


def _gap_lines(gaps: Sequence[dict[str, Any]], limit: int = 5) -> list[str]:
    lines = [f"• {date.fromisoformat(g['start'][:10]):%a %d %b} {g['start'][11:16]}–{g['end'][11:16]}: "
             f"{g['rostered']} of {g['required']} ({g['skill']})" for g in gaps[:limit]]
    if len(gaps) > limit:
        lines.append(f"• … {len(gaps) - limit} more spans (`deskops plan roster --json`)")
    return lines


def plan_week(ctx: CommandContext, command: Command) -> Reply:
    """`/plan week`: the whole desk's plan, for team leads and managers."""
    from deskops.bot.planning_service import roster_document
    from deskops.core.planning.forecast import BASELINE

    if not _roles(ctx, command.actor.person) & LEAD_ROLES:
        raise Forbidden("only team leads and managers see the desk's whole plan",
                        hint="ask for your own shifts with /plan shifts")
    run = _plan(ctx, int(command.args.get("days") or 7), bool(command.args.get("refresh")))
    document = roster_document(run)
    accuracy = {a.model: a for a in run.forecast.accuracy}
    used, baseline = accuracy[run.forecast.model], accuracy[BASELINE]
    volume = sum(p.volume for p in run.intervals)
    peak = max(run.intervals, key=lambda p: p.required)
    peak_at = run.forecast.history.series.slot_start(peak.index).astimezone(run.calendar.zone)
    coverage = document["coverage"]
    people_lines = [
        f"• {p['name']} ({p['rostered_hours']:g} h): " + ", ".join(_span(s) for s in p["shifts"])
        for p in document["people"] if p["shifts"]
    ]
    idle = [p["name"] for p in document["people"] if not p["shifts"]]
    uncovered = document["uncovered"]
    gaps = ["Uncovered:", *_gap_lines(uncovered)] if uncovered else ["Every interval is covered."]
    text = "\n".join([*people_lines, *([f"• not rostered: {', '.join(idle)}"] if idle else []), *gaps])
    first = date.fromisoformat(document["week"]["first_day"])
    return Reply(
        title=f"Plan for the week of {first:%a %d %b %Y}",
        text=text,
        fields=(
            Field("Forecast", f"{volume:,.0f} contacts ({run.forecast.model})"),
            Field("Forecast error", f"WAPE {used.wape:.1%} vs {baseline.wape:.1%} same slot last week"),
            Field("Peak", f"{peak.required} people {peak_at:%a %H:%M}"),
            Field("Coverage", f"{coverage['under_person_intervals']} person-intervals short, "
                              f"{coverage['over_person_intervals']} surplus ({document['status']})"),
        ),
        data=document,
    )


def plan_shifts(ctx: CommandContext, command: Command) -> Reply:
    """`/plan shifts [PERSON]`: one person's shifts next week."""
    from deskops.bot.planning_service import roster_document

    actor = command.actor.person
    person = command.args.get("person") or actor
    if person != actor and not _roles(ctx, actor) & LEAD_ROLES:
        raise Forbidden("you can see your own shifts; a team lead sees everybody's", hint="type /plan shifts")
    planning = ctx.config.planning
    if planning is not None and person not in planning.people:
        raise NotFound(f"{person} is not in the desk's planning section",
                       hint="a team lead adds people under planning.people in the desk file")
    document = roster_document(_plan(ctx, 7, False))
    entry = next(p for p in document["people"] if p["name"] == person)
    first = date.fromisoformat(document["week"]["first_day"])
    lines = [f"• {_span(s)}" for s in entry["shifts"]] or ["No shifts this week."]
    return Reply(
        title=f"Shifts of {person}, week of {first:%a %d %b}",
        text="\n".join(lines),
        fields=(Field("Hours", f"{entry['rostered_hours']:g} of {entry['contracted_hours']:g} contracted"),),
        data=entry,
    )


def plan_staffing(ctx: CommandContext, command: Command) -> Reply:
    """`/plan staffing VOLUME --aht 3m …`: the same answer as `deskops plan staffing --volume`."""
    from deskops.bot.planning_service import IntervalQuestion, interval_staffing

    args = command.args
    question = IntervalQuestion(
        volume=float(args["volume"]),
        aht=args["aht"],
        interval=args.get("interval") or "30m",
        target=args.get("target"),
        asa=args.get("asa"),
        shrinkage=args.get("shrinkage") or "0%",
        max_occupancy=args.get("max-occupancy"),
        concurrency=int(args.get("concurrency") or 1),
        patience=args.get("patience"),
    )
    try:
        document, within = interval_staffing(question)
    except ValueError as exc:
        raise InvalidInput(str(exc), hint="e.g. /plan staffing 100 --aht 3m --target 80/20s --shrinkage 30%") from None
    asa = "unbounded" if document["asa_seconds"] is None else f"{document['asa_seconds']:.1f} s"
    fields = [
        Field("Agents", f"{document['agents']} ({document['agents_with_shrinkage']} to schedule)"),
        Field("Service level", f"{document['service_level']:.1%} within {within:g} s"),
        Field("Waiting", f"{document['p_wait']:.1%}, ASA {asa}"),
        Field("Occupancy", f"{document['occupancy']:.1%}"),
    ]
    if "p_abandon" in document:
        fields.append(Field("Abandoned", f"{document['p_abandon']:.1%}"))
    return Reply(
        title=f"Staffing for {question.volume:g} contacts in {question.interval}",
        text=f"AHT {question.aht}, shrinkage {question.shrinkage}"
             + (f", {question.concurrency} conversations per agent" if question.concurrency > 1 else ""),
        fields=tuple(fields),
        data=document,
    )
