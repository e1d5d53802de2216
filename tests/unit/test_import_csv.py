"""The generic CSV history format (docs/csv-format.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from deskops.core.events import EventType
from deskops.core.importing.csv_format import missing_columns, parse_csv, unknown_columns
from deskops.core.importing.records import ImportedTicket, Rejected


def test_rows_replay_in_time_order_and_blank_cells_keep_the_previous_value() -> None:
    rows = [
        {"ref": "HR-7", "at": "2026-03-02T09:00+01:00", "state": "new", "title": "Laptop for Erin",
         "kind": "service request", "requester": "erin", "group": "workplace", "priority": "P3"},
        {"ref": "HR-7", "at": "2026-03-02T11:00+01:00", "state": "pending", "pending_reason": "supplier"},
        {"ref": "HR-7", "at": "2026-03-02T10:00+01:00", "state": "In progress", "assignee": "bob"},
        {"ref": "HR-7", "at": "2026-03-03T09:00+01:00", "state": "resolved", "resolution_code": "delivered"},
    ]
    (ticket,) = list(parse_csv(rows))
    assert isinstance(ticket, ImportedTicket)
    p = ticket.projection
    assert p["kind"] == "service_request" and p["source"] == "csv"
    assert p["opened_at"] == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert (p["group_name"], p["assignee"], p["priority"]) == ("workplace", "bob", "P3")
    assert p["pending_seconds"] == 22 * 3600
    assert p["resolved_at"] == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert [e.type for e in ticket.events][-1] is EventType.TICKET_RESOLVED


def test_times_without_offset_are_read_in_the_timezone_given() -> None:
    rows = [{"ref": "A", "at": "2026-07-01 09:00", "state": "new"}]
    (ticket,) = list(parse_csv(rows, timezone=ZoneInfo("Europe/Zurich")))
    assert isinstance(ticket, ImportedTicket)
    assert ticket.projection["opened_at"] == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


def test_bad_values_reject_the_ticket_with_line_and_choices() -> None:
    rows = [
        {"ref": "A", "at": "2026-03-02T09:00Z", "state": "new"},
        {"ref": "A", "at": "2026-03-02T10:00Z", "state": "done"},
        {"ref": "B", "at": "yesterday", "state": "new"},
        {"ref": "C", "at": "2026-03-02T09:00Z", "state": "pending", "pending_reason": "lunch"},
    ]
    items = list(parse_csv(rows))
    assert all(isinstance(item, Rejected) for item in items)
    reasons = {item.ref: (item.line, item.reason) for item in items if isinstance(item, Rejected)}
    assert reasons["A"][0] == 3 and "cancelled, closed, in_progress" in reasons["A"][1]
    assert reasons["B"][0] == 4 and "ISO 8601" in reasons["B"][1]
    assert "customer" in reasons["C"][1]


def test_columns() -> None:
    assert missing_columns(["ref", "state"]) == ["at"]
    assert unknown_columns(["ref", "at", "state", "colour"]) == ["colour"]


def test_the_documented_example_gives_the_documented_figures() -> None:
    import csv
    import re
    from pathlib import Path
    from zoneinfo import ZoneInfo

    doc = (Path(__file__).resolve().parents[2] / "docs" / "csv-format.md").read_text(encoding="utf-8")
    block = re.search(r"```csv\n(.*?)```", doc, re.S)
    assert block is not None
    items = list(parse_csv(csv.DictReader(block.group(1).splitlines()), timezone=ZoneInfo("Europe/Zurich")))
    old101, old102 = items
    assert isinstance(old101, ImportedTicket) and isinstance(old102, ImportedTicket)
    p = old101.projection
    assert (p["resolved_at"] - p["opened_at"]).total_seconds() == 7 * 3600 + 10 * 60  # "7 h 10 min gross"
    assert p["pending_seconds"] == 4.5 * 3600 and p["reassignment_count"] == 1
    assert old102.projection["opened_at"] == datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
    assert old102.projection["state"] == "cancelled"
