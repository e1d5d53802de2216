"""SLA clocks over business calendars: pure clock evaluation (`clocks`) and the use cases (`service`).

`clocks` turns a ticket's event log, its agreements and `now` into one `ClockStatus` per clock;
`service` reads the store through a unit of work: the clocks of a ticket, the tickets at risk, and
the sweep that writes each warning and breach exactly once.
"""

from deskops.core.sla.clocks import (
    ClockState,
    ClockStatus,
    TicketTimeline,
    calendars_from_config,
    evaluate,
    evaluate_events,
    instant_before_due,
    threshold_instant,
    timeline_from_events,
)

__all__ = [
    "ClockState",
    "ClockStatus",
    "TicketTimeline",
    "calendars_from_config",
    "evaluate",
    "evaluate_events",
    "instant_before_due",
    "threshold_instant",
    "timeline_from_events",
]
