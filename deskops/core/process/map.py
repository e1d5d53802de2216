"""The process map: variants, where the time goes and the loops, for the tickets opened in a period."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict

from deskops.core.business_calendar import BusinessCalendar
from deskops.core.process.loops import LoopFigures, loops
from deskops.core.process.timing import StayFigures, group_times, state_times
from deskops.core.process.trace import Trace
from deskops.core.process.variants import Variant, group_variants, state_variants

AWAITING_CLOSURE = frozenset({"resolved"})
"""States shown in the time table but never named the bottleneck: the work is done, the ticket waits to close."""


class ProcessMap(BaseModel):
    """Everything `deskops process map` shows, in one document."""

    model_config = ConfigDict(frozen=True)

    tickets: int
    business_calendar: str | None
    state_variants: list[Variant]
    group_variants: list[Variant]
    states: list[StayFigures]
    groups: list[StayFigures]
    bottleneck_state: str | None
    bottleneck_group: str | None
    loops: LoopFigures


def matches(trace: Trace, filters: Mapping[str, str]) -> bool:
    """Whether a trace has every `key=value` of the filter (`group` matches any group that held it)."""
    for key, value in filters.items():
        if key == "group":
            if value not in trace.group_path:
                return False
        elif trace.attributes.get(key) != value:
            return False
    return True


def process_map(traces: Iterable[Trace], *, calendar: BusinessCalendar | None = None, top: int = 10) -> ProcessMap:
    """Build the map from traces (already chosen by period and filter); `top` variants of each kind."""
    chosen = list(traces)
    states = state_times(chosen, calendar=calendar)
    groups = group_times(chosen, calendar=calendar)
    return ProcessMap(
        tickets=len(chosen),
        business_calendar=calendar.name if calendar is not None else None,
        state_variants=state_variants(chosen, top=top),
        group_variants=group_variants(chosen, top=top),
        states=states,
        groups=groups,
        bottleneck_state=next((figure.name for figure in states if figure.name not in AWAITING_CLOSURE), None),
        bottleneck_group=groups[0].name if groups else None,
        loops=loops(chosen),
    )
