"""Variants: the distinct paths tickets take (state or group sequences), with their frequency and throughput."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from statistics import median

from pydantic import BaseModel, ConfigDict

from deskops.core.process.trace import Trace


class Variant(BaseModel):
    """One path and the tickets that took it."""

    model_config = ConfigDict(frozen=True)

    path: tuple[str, ...]
    tickets: int
    share: float
    median_hours: float | None
    """Median gross time from opening to the (last) resolution, over the tickets resolved or closed now."""


def variants(
    traces: Iterable[Trace], *, path: Callable[[Trace], tuple[str, ...]], top: int | None = None
) -> list[Variant]:
    """Group traces by their path, most frequent first (ties in path order, so the table is stable)."""
    durations: dict[tuple[str, ...], list[float]] = {}
    counts: dict[tuple[str, ...], int] = {}
    total = 0
    for trace in traces:
        key = path(trace)
        total += 1
        counts[key] = counts.get(key, 0) + 1
        if trace.resolved_at is not None:
            hours = (trace.resolved_at - trace.opened_at).total_seconds() / 3600
            durations.setdefault(key, []).append(hours)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if top is not None:
        ranked = ranked[:top]
    return [
        Variant(
            path=key,
            tickets=count,
            share=count / total,
            median_hours=round(median(durations[key]), 3) if key in durations else None,
        )
        for key, count in ranked
    ]


def state_variants(traces: Iterable[Trace], *, top: int | None = None) -> list[Variant]:
    """Variants of the state sequence (new → assigned → in_progress → resolved → closed …)."""
    return variants(traces, path=lambda trace: trace.state_path, top=top)


def group_variants(traces: Iterable[Trace], *, top: int | None = None) -> list[Variant]:
    """Variants of the group sequence (which groups held the ticket, in order)."""
    return variants(traces, path=lambda trace: trace.group_path, top=top)
