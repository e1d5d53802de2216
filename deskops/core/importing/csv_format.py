"""DeskOps' generic CSV history format (docs/csv-format.md): one row per update of a ticket.

Each row shows the ticket as it is right after one update; a blank optional cell means "as
before". Required columns: `ref`, `at`, `state`. Optional: `kind`, `title`, `description`,
`requester`, `actor`, `opened_at`, `urgency`, `impact`, `priority`, `category`, `service`,
`customer`, `group`, `assignee`, `channel`, `pending_reason`, `resolution_code`, `note`.
A ticket's rows are consecutive; within a ticket they are replayed in order of `at` (then file
order). Times are ISO 8601; those without an offset are read in the `--timezone` given.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, tzinfo

from deskops.core.importing.history import build_ticket
from deskops.core.importing.records import ImportedTicket, Rejected, Snapshot, TicketHeader
from deskops.core.importing.rows import NumberedRow, Row, TimeParser, group_rows, local_time_parser
from deskops.core.tickets import PendingReason, TicketKind, TicketState

SOURCE = "csv"
REQUIRED_COLUMNS = ("ref", "at", "state")
OPTIONAL_COLUMNS = (
    "kind",
    "title",
    "description",
    "requester",
    "actor",
    "opened_at",
    "urgency",
    "impact",
    "priority",
    "category",
    "service",
    "customer",
    "group",
    "assignee",
    "channel",
    "pending_reason",
    "resolution_code",
    "note",
)
_STATES = {state.value for state in TicketState}
_REASONS = {reason.value for reason in PendingReason}
_KINDS = {kind.value for kind in TicketKind}


class _RowError(ValueError):
    """A row that cannot be read; the ticket it belongs to is rejected with this message."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def missing_columns(header: Iterable[str]) -> list[str]:
    """Return the required columns that `header` lacks (empty when the file fits)."""
    present = set(header)
    return [column for column in REQUIRED_COLUMNS if column not in present]


def unknown_columns(header: Iterable[str]) -> list[str]:
    """Return columns of `header` this format does not define (they are ignored)."""
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    return [column for column in header if column not in known]


def parse_csv(rows: Iterable[Row], *, timezone: tzinfo = UTC) -> Iterator[ImportedTicket | Rejected]:
    """Turn generic-CSV rows (column → text) into tickets; `timezone` is for times without an offset."""
    parse_time = local_time_parser(datetime.fromisoformat, timezone)
    for item in group_rows(rows, "ref"):
        if isinstance(item, Rejected):
            yield item
            continue
        ref, numbered = item
        try:
            yield _ticket(ref, numbered, parse_time)
        except _RowError as error:
            yield Rejected(ref, error.line, str(error))


def _cell(row: Row, column: str) -> str | None:
    text = (row.get(column) or "").strip()
    return text or None


def _choice(line: int, column: str, text: str | None, allowed: set[str]) -> str | None:
    if text is None:
        return None
    value = text.lower().replace(" ", "_").replace("-", "_")
    if value not in allowed:
        raise _RowError(line, f"{column} {text!r} is not one of: {', '.join(sorted(allowed))}")
    return value


def _time(line: int, column: str, text: str | None, parse_time: TimeParser) -> datetime:
    if text is None:
        raise _RowError(line, f"the `{column}` cell is empty; give an ISO 8601 time such as 2026-03-02T09:15+01:00")
    try:
        return parse_time(text)
    except ValueError:
        raise _RowError(line, f"{column} {text!r} is not an ISO 8601 time (e.g. 2026-03-02T09:15+01:00)") from None


def _ticket(ref: str, numbered: list[NumberedRow], parse_time: TimeParser) -> ImportedTicket:
    keyed = sorted(
        ((_time(line, "at", _cell(row, "at"), parse_time), position, line, row)
         for position, (line, row) in enumerate(numbered)),
        key=lambda item: item[:2],
    )
    first_line, first = keyed[0][2], keyed[0][3]
    opened_text = _cell(first, "opened_at")
    opened_at = keyed[0][0] if opened_text is None else _time(first_line, "opened_at", opened_text, parse_time)
    if opened_at > keyed[0][0]:
        raise _RowError(first_line, f"opened_at {opened_text} is after the first update; fix one of them")
    header = TicketHeader(
        ref=ref,
        kind=_choice(first_line, "kind", _cell(first, "kind"), _KINDS) or TicketKind.INCIDENT.value,
        title=_cell(first, "title") or ref,
        requester=_cell(first, "requester") or "unknown",
        opened_at=opened_at,
        opened_by=_cell(first, "actor") or _cell(first, "requester") or "unknown",
        source=SOURCE,
        description=_cell(first, "description") or "",
        channel=_cell(first, "channel"),
        service=_cell(first, "service"),
        customer=_cell(first, "customer"),
    )
    snapshots = [_snapshot(at, line, row) for at, _position, line, row in keyed]
    return build_ticket(header, snapshots)


def _snapshot(at: datetime, line: int, row: Row) -> Snapshot:
    state = _choice(line, "state", _cell(row, "state"), _STATES)
    if state is None:
        raise _RowError(line, f"the `state` cell is empty; give one of: {', '.join(sorted(_STATES))}")
    reason = _choice(line, "pending_reason", _cell(row, "pending_reason"), _REASONS)
    return Snapshot(
        at=at,
        actor=_cell(row, "actor") or "unknown",
        state=state,
        pending_reason=reason if state == TicketState.PENDING.value else None,
        urgency=_cell(row, "urgency"),
        impact=_cell(row, "impact"),
        priority=_cell(row, "priority"),
        category=_cell(row, "category"),
        group=_cell(row, "group"),
        assignee=_cell(row, "assignee"),
        resolution_code=_cell(row, "resolution_code"),
        note=_cell(row, "note") or "",
    )
