"""Feed a roster into an on-call schedule: one person at a time, as overrides `[start, end)`.

An on-call schedule answers "who do we page now": one person. From the people rostered (optionally
only those working a given skill), keep the current person until their shift ends, then hand over
to whoever on shift stays longest, so there are as few handoffs as the roster allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from deskops.core.planning.roster import Assignment


@dataclass(frozen=True)
class OnCallSpan:
    """One person on call for `[start, end)`, and why (their rostered shift)."""

    who: str
    start: datetime
    end: datetime
    reason: str


def oncall_spans(assignments: Sequence[Assignment], skill: str | None = None) -> tuple[OnCallSpan, ...]:
    """Non-overlapping on-call spans from rostered shifts (only those worked as `skill`, when given)."""
    shifts = sorted((a for a in assignments if skill is None or a.skill == skill), key=lambda a: a.shift.start)
    spans: list[OnCallSpan] = []
    if not shifts:
        return ()
    at = shifts[0].shift.start
    while True:
        on_shift = [a for a in shifts if a.shift.start <= at < a.shift.end]
        if not on_shift:
            later = [a.shift.start for a in shifts if a.shift.start > at]
            if not later:
                return tuple(spans)
            at = min(later)
            continue
        chosen = max(on_shift, key=lambda a: (a.shift.end, a.person))
        last = spans[-1] if spans else None
        if last is not None and last.who == chosen.person and last.end == at:
            spans[-1] = OnCallSpan(last.who, last.start, chosen.shift.end, last.reason)
        else:
            spans.append(OnCallSpan(chosen.person, at, chosen.shift.end, f"rostered {chosen.shift.key}"))
        at = chosen.shift.end
