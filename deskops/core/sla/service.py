"""SLA use cases over the store: a ticket's clocks, the tickets at risk, and the warning/breach sweep.

Each takes a unit of work and `now` (never the wall clock). The sweep writes each `SlaWarning` and
`SlaBreached` event into the ticket's log, with its outbox notifications, exactly once: it reads
the log for what was already written, locks the ticket row (PostgreSQL `FOR UPDATE`), and the
unique `(ticket_id, seq)` and outbox keys (`sla:{ticket_id}:{agreement}:{clock}:{threshold}`) turn
a race between two sweeps into a `Conflict` for the loser, who then changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from deskops.core.access import require_agent, require_see
from deskops.core.business_calendar import BusinessCalendar, format_business_time
from deskops.core.clock import ensure_utc
from deskops.core.config.agreements import AgreementConfig, AgreementKind
from deskops.core.config.desk import DeskConfig
from deskops.core.errors import Conflict, NotFound
from deskops.core.events import DomainEvent, EventType
from deskops.core.ports import OutboxMessage, TicketQuery, UnitOfWork
from deskops.core.services.context import Desk
from deskops.core.services.paging import record_event
from deskops.core.sla.clocks import ClockState, ClockStatus, calendars_from_config, evaluate_events, threshold_instant
from deskops.core.tickets import OPEN_STATES, Ticket, TicketState

SWEEP_ACTOR = "sla"
"""The actor of the events the sweep writes."""

WARNING_KIND = "sla.warning"
BREACH_KIND = "sla.breached"
SCAN_LIMIT = 10_000
"""Most open tickets one sweep or at-risk list looks at."""
FINISHED_LOOKBACK = timedelta(days=1)
"""How long after a ticket is finished the sweep still writes a breach it missed (sweeps run every minute)."""
FINISHED_STATES = (TicketState.RESOLVED, TicketState.CLOSED, TicketState.CANCELLED)
STALE_AFTER = timedelta(days=1)
"""Warnings and breaches reached longer ago than this are not announced by the sweep."""
LIVE_SOURCE = "chat"
"""Tickets opened at the desk; imported ones (`uci`, `csv`: history) are left out of sweeps and at-risk lists."""


class SlaEngine:
    """The desk's agreements and their calendars, built once (the calendars cache converted days)."""

    def __init__(self, agreements: Mapping[str, AgreementConfig], calendars: Mapping[str, BusinessCalendar]) -> None:
        self.agreements = dict(agreements)
        self.calendars = dict(calendars)

    @classmethod
    def from_config(cls, config: DeskConfig) -> SlaEngine:
        """Build the engine from a validated desk file."""
        return cls(config.agreements, calendars_from_config(config.calendars))

    def clocks(self, events: Sequence[DomainEvent], now: datetime) -> list[ClockStatus]:
        """Every clock of a ticket, as of `now`."""
        if not self.agreements:
            return []
        return evaluate_events(events, agreements=self.agreements, calendars=self.calendars, now=now)

    def calendar_of(self, status: ClockStatus) -> BusinessCalendar:
        """The calendar a clock runs on."""
        return self.calendars[status.calendar]

    def sla_due(self, ticket: Ticket, events: list[Any], now: datetime) -> Mapping[tuple[str, int], datetime]:
        """For escalation steps: when each (clock, percent) of the ticket's SLA is (or was) reached.

        Matches `deskops.core.services.escalation.SlaDue`. The customer SLA is used (else the first
        agreement); a threshold of a paused or finished clock that was not reached is left out.
        """
        return SlaThresholds(self, self.clocks(events, now))


class SlaThresholds(Mapping[tuple[str, int], datetime]):
    """(clock, percent) → the instant that share of the target is reached, computed on demand."""

    def __init__(self, engine: SlaEngine, statuses: Sequence[ClockStatus]) -> None:
        self._engine = engine
        by_clock: dict[str, ClockStatus] = {}
        for status in sorted(statuses, key=lambda s: s.kind != AgreementKind.SLA):  # SLA first
            by_clock.setdefault(str(status.clock), status)
        self._by_clock = by_clock

    def __getitem__(self, key: tuple[str, int]) -> datetime:
        clock, percent = key
        status = self._by_clock.get(clock)
        if status is None:
            raise KeyError(key)
        reached = status.consumed >= status.target * (percent / 100)
        if not reached and status.state != ClockState.RUNNING:
            raise KeyError(key)  # paused or finished short of it: the instant is not known
        return threshold_instant(status, percent, self._engine.calendar_of(status))

    def __iter__(self) -> Iterator[tuple[str, int]]:
        for clock, status in self._by_clock.items():
            agreement = self._engine.agreements[status.agreement]
            for percent in (*agreement.warnings, 100):
                if (clock, percent) in self:
                    yield clock, percent

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            return False
        return True


@dataclass(frozen=True)
class TicketClocks:
    """A ticket's clocks, for `show` and `/ticket sla`."""

    ref: str
    title: str
    state: str
    priority: str | None
    clocks: tuple[ClockStatus, ...]
    zones: Mapping[str, str] = field(default_factory=dict)  # calendar → IANA zone


@dataclass(frozen=True)
class AtRisk:
    """One open ticket with its most urgent clock."""

    ref: str
    title: str
    priority: str | None
    group: str | None
    assignee: str | None
    clock: ClockStatus


@dataclass
class SweepReport:
    """What one sweep wrote: the warning and breach events, by clock name and ticket ref."""

    warnings: list[str] = field(default_factory=list)
    breaches: list[str] = field(default_factory=list)
    conflicts: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # ref → the error that stopped its sweep


def ticket_clocks(*, uow: UnitOfWork, desk: Desk, engine: SlaEngine, actor: str, ref: str,
                  now: datetime) -> TicketClocks:
    """The clocks of one ticket the actor may see, as of `now`."""
    with uow:
        ticket = _load(uow, ref)
        require_see(desk.directory, actor, ticket)
        assert ticket.id is not None
        statuses = engine.clocks(uow.tickets.events(ticket.id), ensure_utc(now))
    return TicketClocks(
        ref=ticket.ref, title=ticket.title, state=str(ticket.state), priority=ticket.priority,
        clocks=tuple(statuses), zones={name: cal.zone.key for name, cal in engine.calendars.items()},
    )  # fmt: skip


def at_risk(*, uow: UnitOfWork, desk: Desk, engine: SlaEngine, actor: str, now: datetime, group: str | None = None,
            percent: int = 75, limit: int = 20) -> tuple[list[AtRisk], int]:
    """Open tickets whose clock has used at least `percent` of its target (breached ones first).

    Returns up to `limit` entries, most urgent first (least business time remaining), and how many
    tickets are at risk in all. Agents and managers only.
    """
    require_agent(desk.directory, actor, "see the tickets at risk")
    now = ensure_utc(now)
    found: list[AtRisk] = []
    with uow:
        for ticket in _open_tickets(uow, desk, actor, group):
            assert ticket.id is not None
            risky = [s for s in engine.clocks(uow.tickets.events(ticket.id), now)
                     if (s.is_open or (s.state == ClockState.BREACHED and s.stopped_at is None))
                     and s.percent_used >= percent]  # fmt: skip
            if risky:
                worst = min(risky, key=lambda s: s.remaining)
                found.append(AtRisk(ticket.ref, ticket.title, ticket.priority, ticket.group, ticket.assignee, worst))
    found.sort(key=lambda r: r.clock.remaining)
    return found[:limit], len(found)


def sweep(*, uow: UnitOfWork, desk: Desk, engine: SlaEngine, now: datetime) -> SweepReport:
    """Write the warnings and breaches that came due by `now`, each once, one ticket per transaction."""
    now = ensure_utc(now)
    report = SweepReport()
    if not engine.agreements:
        return report
    with uow:  # a read-only pass first, so tickets with nothing new are never locked
        refs = []
        for ticket in [*_open_tickets(uow, desk, None, None), *_recently_finished(uow, now)]:
            assert ticket.id is not None
            events = uow.tickets.events(ticket.id)
            try:
                if _new_marks(engine.clocks(events, now), _already_written(events), now):
                    refs.append(ticket.ref)
            except ValueError:
                refs.append(ticket.ref)  # reported by the locked pass below
    for ref in refs:
        try:
            _sweep_ticket(uow, desk, engine, ref, now, report)
        except Conflict:
            report.conflicts += 1  # another sweep wrote this ticket at the same moment: its writes count
        except ValueError as exc:
            # One ticket's unusable history (e.g. an import without its opening) must not hold back
            # every other ticket's warnings; the caller logs what failed.
            report.failed[ref] = str(exc)
    return report


def _sweep_ticket(uow: UnitOfWork, desk: Desk, engine: SlaEngine, ref: str, now: datetime,
                  report: SweepReport) -> None:
    with uow:
        ticket = uow.tickets.get(ref, for_update=True)
        if ticket is None or ticket.id is None:
            return
        events = uow.tickets.events(ticket.id)
        messages: list[OutboxMessage] = []
        for status, mark in _new_marks(engine.clocks(events, now), _already_written(events), now):
            messages += _record(ticket, status, mark, engine.calendar_of(status), desk, now)
            (report.breaches if mark == 100 else report.warnings).append(f"{ticket.ref} {status.name} {mark}%")
        if not messages:
            return
        uow.tickets.save(ticket)
        for message in messages:
            uow.outbox.add(message)
        uow.commit()


def _new_marks(statuses: Sequence[ClockStatus], written: set[tuple[str, str, int, int]],
               now: datetime) -> list[tuple[ClockStatus, int]]:
    """The warnings (threshold %) and breaches (100) the clocks call for that the log does not hold yet.

    A breached clock gets only its breach: warnings a late sweep missed would be noise by then.
    Marks reached more than `STALE_AFTER` ago are not announced (after a long outage, news of
    last week's warnings helps no one; the clocks and the KPIs still show them).
    """
    marks: list[tuple[ClockStatus, int]] = []
    for status in statuses:
        if status.state == ClockState.BREACHED:
            wanted = {100: status.breached_at or status.due}
        elif status.is_open:
            wanted = {p: status.warnings[p] for p in status.crossed}
        else:
            continue
        key = (status.agreement, str(status.clock), status.instance)
        marks += [(status, m) for m, reached in wanted.items()
                  if (*key, m) not in written and reached >= now - STALE_AFTER]  # fmt: skip
    return marks


def _already_written(events: Sequence[DomainEvent]) -> set[tuple[str, str, int, int]]:
    """The (agreement, clock, instance, threshold; 100 = breach) marks the log already holds."""
    marks: set[tuple[str, str, int, int]] = set()
    for event in events:
        p = event.payload
        if event.type == EventType.SLA_WARNING:
            marks.add((str(p.get("agreement")), str(p.get("clock")), int(p.get("instance") or 0),
                       int(p.get("threshold_percent") or 0)))
        elif event.type == EventType.SLA_BREACHED:
            marks.add((str(p.get("agreement")), str(p.get("clock")), int(p.get("instance") or 0), 100))
    return marks


def _record(ticket: Ticket, status: ClockStatus, mark: int, calendar: BusinessCalendar, desk: Desk,
            now: datetime) -> list[OutboxMessage]:
    """Append the warning/breach event to the ticket and return the notifications it calls for."""
    payload: dict[str, Any] = {
        "clock": str(status.clock), "agreement": status.agreement, "kind": str(status.kind),
        "instance": status.instance, "priority": status.priority, "due": status.due.isoformat(),
        "consumed_seconds": int(status.consumed.total_seconds()), "target_seconds": int(status.target.total_seconds()),
    }  # fmt: skip
    due_text = calendar.local(status.due).strftime("%a %d %b %H:%M %Z")
    clock_text = f"{status.agreement} {status.clock}" + (f" #{status.instance}" if status.instance else "")
    if mark == 100:
        record_event(ticket, EventType.SLA_BREACHED, SWEEP_ACTOR, now, **payload)
        kind = BREACH_KIND
        text = f"{ticket.ref} breached {clock_text} (due {due_text}): {ticket.title}"
    else:
        record_event(ticket, EventType.SLA_WARNING, SWEEP_ACTOR, now, threshold_percent=mark, **payload)
        kind = WARNING_KIND
        text = (f"{ticket.ref} {clock_text} at {mark}% — due {due_text}, "
                f"{format_business_time(status.remaining)} of business time left: {ticket.title}")
    base = f"sla:{ticket.id}:{status.agreement}:{status.clock}{f'#{status.instance}' if status.instance else ''}:{mark}"
    return [
        OutboxMessage(key=f"{base}:{recipient}", kind=kind, recipient=recipient, ticket_id=ticket.id,
                      payload={"ticket": ticket.ref, "text": text, **payload, "threshold_percent": mark},
                      created_at=now)
        for recipient in _recipients(ticket, desk, breach=mark == 100)
    ]


def _recipients(ticket: Ticket, desk: Desk, *, breach: bool) -> list[str]:
    """Who hears of a clock: the assignee, else the group's queue, else the first level-1 (service
    desk) queue; on a breach also the group's manager. No one when the desk has no such group."""
    queue = ticket.group or next((n for n, g in desk.config.groups.items() if g.level == 1), None)
    people = [ticket.assignee] if ticket.assignee else ([f"group:{queue}"] if queue else [])
    group = desk.directory.group(queue) if queue else None
    if breach and group is not None and group.manager and group.manager not in people:
        people.append(group.manager)
    return people


def _recently_finished(uow: UnitOfWork, now: datetime) -> list[Ticket]:
    """Tickets resolved, closed or cancelled within `FINISHED_LOOKBACK`: a clock that breached just
    before the ticket was finished still gets its breach written."""
    query = TicketQuery(states=FINISHED_STATES, sort="updated", limit=SCAN_LIMIT)
    tickets, _ = uow.tickets.find(query)
    return [t for t in tickets if t.source == LIVE_SOURCE and t.updated_at is not None
            and t.updated_at >= now - FINISHED_LOOKBACK]  # fmt: skip


def _open_tickets(uow: UnitOfWork, desk: Desk, viewer: str | None, group: str | None) -> list[Ticket]:
    """Open live tickets (of `group`), those `viewer` may see when given (confidential categories hidden)."""
    directory = desk.directory
    confidential = tuple(name for name, c in desk.config.categories.items() if c.confidential)
    query = TicketQuery(
        states=tuple(OPEN_STATES), group=group, sort="opened", limit=SCAN_LIMIT,
        viewer=None if viewer is None or directory.is_manager(viewer) else viewer,
        viewer_groups=tuple(directory.groups_of(viewer)) if viewer else (), confidential_categories=confidential,
    )  # fmt: skip
    tickets, _ = uow.tickets.find(query)
    return [t for t in tickets if t.source == LIVE_SOURCE]


def _load(uow: UnitOfWork, ref: str) -> Ticket:
    ticket = uow.tickets.get(ref.strip())
    if ticket is None:
        raise NotFound(f"There is no ticket {ref.strip()}.", hint="Check the reference; /ticket list mine shows yours.")
    return ticket
