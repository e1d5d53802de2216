"""Export an on-call schedule as iCalendar (RFC 5545), so people see their shifts in their calendar.

Events are written in the schedule's zone with a VTIMEZONE (calendar apps then show the handoff at
the local time it was planned for); UIDs are stable across exports so re-importing updates events.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from deskops.core.escalation.oncall import OVERRIDE, Schedule


def schedule_to_ical(schedule: Schedule, start: datetime, end: datetime, *, stamp: datetime) -> bytes:
    """The final schedule over `[start, end)` as an .ics document; gaps without anyone are left out."""
    # start at the beginning of the shift in progress, so an export's first event (and its UID) does
    # not depend on the instant the export was made
    start = schedule.who(start).start
    calendar = Calendar()
    calendar.add("prodid", "-//DeskOps//on-call schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"On call: {schedule.name}")
    calendar.add("x-wr-timezone", str(schedule.zone))
    for assignment in schedule.timeline(start, end):
        if not assignment.people:
            continue
        people = ", ".join(assignment.people)
        event = Event()
        event.add("uid", f"{schedule.name}-{assignment.start.astimezone(UTC):%Y%m%dT%H%M%SZ}-{people}@deskops")
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", assignment.start.astimezone(schedule.zone))
        event.add("dtend", assignment.end.astimezone(schedule.zone))
        event.add("summary", f"On call ({schedule.name}): {people}")
        how = "override" if assignment.source == OVERRIDE else f"layer {assignment.source}"
        event.add("description", f"{people} on call for {schedule.name} ({how}).")
        event.add("categories", ["on-call"])
        calendar.add_component(event)
    margin = timedelta(days=1)
    calendar.add_missing_timezones(first_date=start.date() - margin, last_date=end.date() + margin)
    document: bytes = calendar.to_ical()
    return document
