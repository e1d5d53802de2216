"""Loops: a ticket passed A → B → A between groups (ping-pong), or pending → resumed → pending again."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from deskops.core.process.trace import FINAL_STATES, Trace


class PingPong(BaseModel):
    """A pair of groups a ticket went back to: `first` → `second` → `first`."""

    model_config = ConfigDict(frozen=True)

    first: str
    second: str
    tickets: int
    bounces: int


class LoopFigures(BaseModel):
    """How many tickets looped, and between which groups."""

    model_config = ConfigDict(frozen=True)

    tickets: int
    ping_pong_tickets: int
    ping_pong_rate: float | None
    pending_loop_tickets: int
    pending_loop_rate: float | None
    pairs: list[PingPong]


def ping_pongs(group_path: tuple[str, ...]) -> list[tuple[str, str]]:
    """Every A → B → A in a group path, as (A, B); A → B → A → B gives (A, B) and (B, A)."""
    return [
        (group_path[i], group_path[i + 1]) for i in range(len(group_path) - 2) if group_path[i] == group_path[i + 2]
    ]


def pending_loops(state_path: tuple[str, ...]) -> int:
    """How often a ticket went back to pending after work resumed (pending → other open state → pending)."""
    loops, seen_pending, resumed = 0, False, False
    for state in state_path:
        if state == "pending":
            if seen_pending and resumed:
                loops += 1
            seen_pending, resumed = True, False
        elif state not in FINAL_STATES and state != "resolved" and seen_pending:
            resumed = True
    return loops


def loops(traces: Iterable[Trace], *, top: int = 10) -> LoopFigures:
    """Count ping-pong and pending loops over the traces; the `top` most frequent group pairs."""
    total = ping_tickets = pending_tickets = 0
    pair_tickets: Counter[tuple[str, str]] = Counter()
    pair_bounces: Counter[tuple[str, str]] = Counter()
    for trace in traces:
        total += 1
        found = ping_pongs(trace.group_path)
        if found:
            ping_tickets += 1
            pair_bounces.update(found)
            pair_tickets.update(set(found))
        if pending_loops(trace.state_path):
            pending_tickets += 1
    ranked = sorted(pair_tickets.items(), key=lambda item: (-item[1], item[0]))[:top]
    return LoopFigures(
        tickets=total,
        ping_pong_tickets=ping_tickets,
        ping_pong_rate=ping_tickets / total if total else None,
        pending_loop_tickets=pending_tickets,
        pending_loop_rate=pending_tickets / total if total else None,
        pairs=[PingPong(first=a, second=b, tickets=n, bounces=pair_bounces[(a, b)]) for (a, b), n in ranked],
    )
