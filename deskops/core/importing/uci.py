"""The UCI 498 ServiceNow incident event log: one row per update of an incident → DeskOps tickets.

Mapping (SOURCE.md of the dataset describes the columns):

| UCI | DeskOps |
| --- | --- |
| `number` | ticket ref (kept as is, e.g. `INC0000045`), kind `incident`, source `uci` |
| `incident_state` New, Active, Resolved, Closed | new, in_progress, resolved, closed |
| `incident_state` Awaiting User Info, Vendor, Problem, Evidence | pending (customer, supplier, problem, other) |
| `urgency`, `impact` `1 - High`… | high / medium / low; `priority` `1 - Critical`… → P1…P4 |
| `assignment_group`, `assigned_to` | group, assignee (a missing value keeps the previous one) |
| `caller_id`, `opened_by`, `sys_updated_by` | requester, actor of TicketOpened, actor of each update |
| `category`, `contact_type`, `cmdb_ci`, `closed_code` | category, channel, service, resolution code |
| `sys_mod_count`, then `sys_updated_at`, then file order | order of a ticket's updates |
| last row's `resolved_at`, `closed_at`, `reassignment_count`, `reopen_count` | the projection's figures |

The last four are the source's own record, which wins over its incomplete rows (SOURCE.md recipe).

Rows whose state is not one of the above (the log holds five `-100`) are left out and reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, tzinfo

from deskops.core.importing.history import build_ticket
from deskops.core.importing.records import ImportedTicket, Notice, Rejected, Snapshot, SourceFigures, TicketHeader
from deskops.core.importing.rows import NumberedRow, Row, TimeParser, group_rows, local_time_parser

SOURCE = "uci"
MISSING = "?"
REQUIRED_COLUMNS = (
    "number",
    "incident_state",
    "sys_mod_count",
    "sys_updated_at",
    "opened_at",
    "reassignment_count",
    "reopen_count",
)

STATES: dict[str, tuple[str, str | None]] = {
    "New": ("new", None),
    "Active": ("in_progress", None),
    "Awaiting User Info": ("pending", "customer"),
    "Awaiting Vendor": ("pending", "supplier"),
    "Awaiting Problem": ("pending", "problem"),
    "Awaiting Evidence": ("pending", "other"),
    "Resolved": ("resolved", None),
    "Closed": ("closed", None),
}
LEVELS = {"1 - High": "high", "2 - Medium": "medium", "3 - Low": "low"}
PRIORITIES = {"1 - Critical": "P1", "2 - High": "P2", "3 - Moderate": "P3", "4 - Low": "P4"}


def missing_columns(header: Iterable[str]) -> list[str]:
    """Return the UCI columns this parser needs that `header` lacks (empty when the file fits)."""
    present = set(header)
    return [column for column in REQUIRED_COLUMNS if column not in present]


def read_uci_time(text: str) -> datetime:
    """Read a UCI timestamp `d/m/yyyy HH:MM` (day first, no seconds, no zone) as a naive datetime."""
    try:
        day, month, rest = text.split("/")
        year, clock = rest.split(" ")
        hour, minute = clock.split(":")
        return datetime(int(year), int(month), int(day), int(hour), int(minute))  # noqa: DTZ001
    except ValueError:
        raise ValueError(f"{text!r} is not a UCI time (d/m/yyyy HH:MM)") from None


def _value(row: Row, column: str) -> str | None:
    text = (row.get(column) or "").strip()
    return None if not text or text == MISSING else text


def parse_uci(rows: Iterable[Row], *, timezone: tzinfo = UTC) -> Iterator[ImportedTicket | Rejected]:
    """Turn UCI event-log rows (column → text) into tickets; `timezone` is the file's local time."""
    parse_time = local_time_parser(read_uci_time, timezone)
    for item in group_rows(rows, "number"):
        if isinstance(item, Rejected):
            yield item
            continue
        ref, numbered = item
        yield _ticket(ref, numbered, parse_time)


def _ticket(ref: str, numbered: list[NumberedRow], parse_time: TimeParser) -> ImportedTicket | Rejected:
    """Build one incident from its rows, or reject it with the first problem found."""
    notices: list[Notice] = []
    keyed = []
    for position, (line, row) in enumerate(numbered):
        state = (row.get("incident_state") or "").strip()
        if state not in STATES:
            notices.append(Notice("unknown_state", f"line {line}: unknown state {state!r}; row left out"))
            continue
        try:
            mod_count = int(row.get("sys_mod_count") or "")
            at = parse_time(row.get("sys_updated_at") or "")
        except ValueError as error:
            notices.append(Notice("bad_row", f"line {line}: {error}; row left out"))
            continue
        keyed.append((mod_count, at, position, line, row, state))
    if not keyed:
        return Rejected(ref, numbered[0][0], "no row with a known state and a readable time")
    keyed.sort(key=lambda item: item[:3])
    last_line, last = keyed[-1][3], keyed[-1][4]
    try:
        opened_at = parse_time(last.get("opened_at") or "")
        figures = SourceFigures(
            resolved_at=_time_or_none(last, "resolved_at", parse_time),
            closed_at=_time_or_none(last, "closed_at", parse_time),
            reassignment_count=int(last.get("reassignment_count") or ""),
            reopen_count=int(last.get("reopen_count") or ""),
        )
    except ValueError as error:
        return Rejected(ref, last_line, f"unreadable ticket figures ({error})")
    first = keyed[0][4]
    header = TicketHeader(
        ref=ref,
        kind="incident",
        title=_title(ref, first),
        requester=_value(first, "caller_id") or "unknown caller",
        opened_at=opened_at,
        opened_by=_value(first, "opened_by") or "unknown",
        source=SOURCE,
        description=f"Imported from the UCI incident event log (location: {_value(first, 'location') or 'unknown'}).",
        channel=_channel(_value(first, "contact_type")),
        service=_value(first, "cmdb_ci"),
    )
    snapshots = [_snapshot(at, row, state) for _mod, at, _pos, _line, row, state in keyed]
    ticket = build_ticket(header, snapshots, figures)
    ticket.notices[:0] = notices
    return ticket


def _time_or_none(row: Row, column: str, parse_time: TimeParser) -> datetime | None:
    text = _value(row, column)
    return None if text is None else parse_time(text)


def _snapshot(at: datetime, row: Row, state_text: str) -> Snapshot:
    state, pending_reason = STATES[state_text]
    urgency, impact, priority = _value(row, "urgency"), _value(row, "impact"), _value(row, "priority")
    return Snapshot(
        at=at,
        actor=_value(row, "sys_updated_by") or "unknown",
        state=state,
        pending_reason=pending_reason,
        urgency=LEVELS.get(urgency, urgency) if urgency else None,
        impact=LEVELS.get(impact, impact) if impact else None,
        priority=PRIORITIES.get(priority, priority) if priority else None,
        category=_value(row, "category"),
        group=_value(row, "assignment_group"),
        assignee=_value(row, "assigned_to"),
        resolution_code=_value(row, "closed_code"),
    )


def _title(ref: str, row: Row) -> str:
    parts = [part for part in (_value(row, c) for c in ("category", "subcategory", "u_symptom")) if part]
    return f"{ref}: {' / '.join(parts)}" if parts else f"{ref} (imported incident)"


def _channel(contact_type: str | None) -> str | None:
    return contact_type.lower().replace(" ", "_") if contact_type else None
