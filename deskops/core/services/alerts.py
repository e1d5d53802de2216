"""Use case: take an alert from a monitoring source — open an incident for a new fingerprint, note a
repeat on the incident it opened, reopen it if it fires again after resolution, resolve it when the
alert resolves. The fingerprint is kept as the ticket's request id `alert:<source>:<fingerprint>`,
so the store's uniqueness makes two racing posts of one alert open a single incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from deskops.core.alerts import Alert
from deskops.core.clock import ensure_utc
from deskops.core.config.interfaces import AlertSourceConfig
from deskops.core.errors import Conflict
from deskops.core.events import EventType
from deskops.core.ports import UnitOfWork
from deskops.core.services._support import CONFLICT_RETRIES, finish
from deskops.core.services.context import Desk
from deskops.core.services.timeline import register_summary
from deskops.core.tickets import REOPENABLE, Ticket, TicketKind

RESOLVED_CODE = "alert resolved"


@dataclass(frozen=True)
class AlertOutcome:
    """What one alert did: `opened`, `repeated`, `reopened`, `resolved` or `ignored`, and on which ticket."""

    fingerprint: str
    action: str
    ticket: str | None


def take_alert(*, uow: UnitOfWork, desk: Desk, source: str, alert: Alert, now: datetime) -> AlertOutcome:
    """Apply one alert of `source` (already parsed and authenticated) to its incident."""
    config = desk.config.alerts.sources[source]
    key = f"alert:{source}:{alert.fingerprint}"[:200]
    at = ensure_utc(now)
    for attempt in range(1, CONFLICT_RETRIES + 1):
        try:
            with uow:
                ticket = uow.tickets.ticket_for_request(key)
                if ticket is not None:
                    ticket = uow.tickets.get(ticket.ref, for_update=True) or ticket
                action = _apply(ticket, config, source, alert, at, desk)
                if action[1] is None:
                    return AlertOutcome(alert.fingerprint, action[0], ticket.ref if ticket else None)
                finish(uow, desk, action[1], request_id=key if ticket is None else None)
                return AlertOutcome(alert.fingerprint, action[0], action[1].ref)
        except Conflict:
            if attempt == CONFLICT_RETRIES:
                raise
    raise AssertionError("unreachable")


def _apply(
    ticket: Ticket | None, config: AlertSourceConfig, source: str, alert: Alert, at: datetime, desk: Desk
) -> tuple[str, Ticket | None]:
    actor = f"alerts:{source}"
    mark = {"source": source, "fingerprint": alert.fingerprint, "status": alert.status, "summary": alert.title}
    if ticket is None:
        if alert.status == "resolved":
            return "ignored", None  # resolved before we ever saw it fire: nothing to open
        priority = desk.priorities.classify(config.urgency, config.impact)
        group = config.group or (desk.directory.require_category(config.category).default_group
                                 if config.category else None)  # fmt: skip
        opened = Ticket.open(
            kind=TicketKind.INCIDENT, title=alert.title, description=alert.description, requester=config.reporter,
            actor=actor, at=at, urgency=priority.urgency, impact=priority.impact, priority=priority.priority,
            category=config.category, service=config.service, group=group, channel="alerts",
        )  # fmt: skip
        opened.record(EventType.ALERT_RECEIVED, actor, at, **mark)
        return "opened", opened
    if alert.status == "resolved":
        if not ticket.is_open:
            return "ignored", None
        ticket.record(EventType.ALERT_RECEIVED, actor, at, **mark)
        ticket.resolve(resolution_code=RESOLVED_CODE, note=f"{source} reports the alert resolved", actor=actor, at=at)
        return "resolved", ticket
    ticket.record(EventType.ALERT_RECEIVED, actor, at, **mark)
    if ticket.state in REOPENABLE:
        ticket.reopen(reason=f"{source}: the alert fires again", actor=actor, at=at)
        return "reopened", ticket
    return "repeated", ticket


register_summary(EventType.ALERT_RECEIVED, lambda p, _d: f"reported the alert {p.get('status')}: {p.get('summary')} "
                 f"(fingerprint {p.get('fingerprint')})")
