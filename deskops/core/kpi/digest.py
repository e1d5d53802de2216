"""What a digest says to each audience: the few figures it needs from a report, no more.

- agents: their queue (backlog, unacknowledged) and the tickets at risk of breaching;
- team leads: the intake of the period, breaches and at-risk clocks, reassignment ping-pong;
- managers: SLA compliance, MTTR, first-contact resolution, backlog trend (and the charts);
- customers: their SLA compliance and resolution times per priority, no internal productivity figures.

Input is the report's JSON document (already cut down by `audience.for_audience`), so a figure a
reader may not see is not even there to leak.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from deskops.core.kpi.audience import Audience

_TITLES = {
    Audience.AGENT: "Your queue",
    Audience.LEAD: "Team lead digest",
    Audience.MANAGER: "Manager digest",
    Audience.CUSTOMER: "Service report",
}


@dataclass(frozen=True)
class Digest:
    """A digest ready to render: a title, a one-line summary and labelled figures (label, value)."""

    audience: Audience
    title: str
    summary: str
    figures: tuple[tuple[str, str], ...]
    at_risk: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    """Process-health findings (managers only): where the process should change."""

    def text(self) -> str:
        """Plain text: title, summary, one figure a line, then the tickets at risk and the findings."""
        lines = [self.title, self.summary, *(f"  {label}: {value}" for label, value in self.figures)]
        if self.at_risk:
            lines += ["At risk:", *(f"  {line}" for line in self.at_risk)]
        if self.findings:
            lines += ["Where the process should change:", *(f"  {line}" for line in self.findings)]
        return "\n".join(lines)


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * float(value):.1f} %"


def _hours(summary: Any) -> str:
    if not isinstance(summary, dict) or summary.get("median") is None:
        return "—"
    return f"median {summary['median']:.1f} h, p90 {summary['p90']:.1f} h (n={summary['count']})"


def _clock_totals(sla: dict[str, Any]) -> tuple[int, dict[str, int]]:
    """Breached clocks in the period and the at-risk bands of the clocks still running, over all clocks."""
    breached, bands = 0, dict[str, int]()
    for clock in sla.get("clocks", {}).values():
        breached += int(clock.get("breached", 0))
        for band, count in clock.get("at_risk", {}).items():
            bands[band] = bands.get(band, 0) + int(count)
    return breached, bands


def _bands(bands: dict[str, int]) -> str:
    return ", ".join(f"{count} at {band} %" for band, count in bands.items() if count) or "none"


def _compliance(clocks: dict[str, Any]) -> str:
    parts = [f"{name} {_pct(c.get('compliance'))} ({c.get('met', 0)} met, {c.get('breached', 0)} breached)"
             for name, c in clocks.items()]  # fmt: skip
    return "; ".join(parts) or "no clock decided"


def _trend(series: Sequence[dict[str, Any]]) -> str:
    values = [entry["backlog_end"] for entry in series if entry.get("backlog_end") is not None]
    if len(values) < 2:
        return "—"
    change = values[-1] - values[0]
    return f"{values[0]} → {values[-1]} ({change:+d})"


def compose_digest(document: dict[str, Any], audience: Audience, *, at_risk: Sequence[str] = (),
                   at_risk_total: int = 0, name: str | None = None, span: str | None = None,
                   findings: Sequence[str] = ()) -> Digest:
    """The digest of `audience` from its report document; `at_risk` lines go to agents and leads only.

    `span` names the period for the reader (e.g. in their local time); default: the document's UTC bounds.
    """
    period = document.get("period", {})
    span = span or f"{period.get('from') or 'start'} → {period.get('to') or 'now'}"
    sla = document.get("sla") or {}
    breached, bands = _clock_totals(sla)
    figures: list[tuple[str, str]]
    if audience is Audience.AGENT:
        figures = [("Open in queue", str(document.get("backlog_end", 0))),
                   ("Not yet acknowledged", str(document.get("unacknowledged", 0))),
                   ("Opened / resolved", f"{document.get('opened', 0)} / {document.get('resolved', 0)}"),
                   ("SLA clocks at risk", _bands(bands))]  # fmt: skip
    elif audience is Audience.LEAD:
        figures = [("Intake (opened)", str(document.get("opened", 0))),
                   ("Resolved", str(document.get("resolved", 0))),
                   ("SLA breaches", str(breached)),
                   ("SLA clocks at risk", _bands(bands)),
                   ("Ping-pong (3+ reassignments)", _pct(document.get("reassigned_3plus_share"))),
                   ("Reassignments per ticket", "—" if document.get("reassignments_mean") is None
                    else f"{document['reassignments_mean']:.2f}"),
                   ("Open at end", str(document.get("backlog_end", 0)))]  # fmt: skip
    elif audience is Audience.MANAGER:
        ttr = document.get("time_to_resolve_hours") or {}
        figures = [("SLA compliance", _compliance(sla.get("clocks", {}))),
                   ("MTTR (gross)", _hours(ttr.get("gross"))),
                   ("MTTR (net of pauses)", _hours(ttr.get("net"))),
                   ("First-contact resolution", _pct(document.get("first_contact_resolution"))),
                   ("Reopen rate", _pct(document.get("reopen_rate"))),
                   ("Opened / resolved", f"{document.get('opened', 0)} / {document.get('resolved', 0)}"),
                   ("Backlog trend", _trend(document.get("series", []))),
                   ("Open at end", str(document.get("backlog_end", 0)))]  # fmt: skip
    else:
        figures = [(f"{priority} SLA", _compliance(clocks)) for priority, clocks in
                   sorted(sla.get("by_priority", {}).items())]  # fmt: skip
        figures += [(f"{priority} resolved / time to resolve",
                     f"{m.get('resolved', 0)} / {_hours((m.get('time_to_resolve_hours') or {}).get('gross'))}")
                    for priority, m in sorted(document.get("by_priority", {}).items())]  # fmt: skip
    risky = tuple(at_risk) if audience in (Audience.AGENT, Audience.LEAD) else ()
    if risky and at_risk_total > len(risky):
        risky += (f"… and {at_risk_total - len(risky)} more",)
    title = _TITLES[audience] + (f" · {name}" if name else "")
    summary = f"{span}: {document.get('opened', 0)} opened, {document.get('resolved', 0)} resolved"
    shown = tuple(findings) if audience is Audience.MANAGER else ()  # internal: never to customers or agents
    return Digest(audience=audience, title=title, summary=summary, figures=tuple(figures), at_risk=risky,
                  findings=shown)
