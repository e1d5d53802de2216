"""The UCI parser on rows written here in the log's own shape (the real file is read in integration tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from deskops.core.events import EventType
from deskops.core.importing.records import ImportedTicket, Rejected
from deskops.core.importing.uci import missing_columns, parse_uci, read_uci_time


def row(number: str, mod: int, state: str, updated: str, **fields: str) -> dict[str, str]:
    base = {
        "number": number,
        "incident_state": state,
        "active": "true",
        "reassignment_count": "0",
        "reopen_count": "0",
        "sys_mod_count": str(mod),
        "made_sla": "true",
        "caller_id": "Caller 7",
        "opened_by": "Opened by  8",
        "opened_at": "29/2/2016 01:16",
        "sys_updated_by": "Updated by 21",
        "sys_updated_at": updated,
        "contact_type": "Self service",
        "category": "Category 55",
        "subcategory": "Subcategory 170",
        "u_symptom": "?",
        "cmdb_ci": "?",
        "impact": "2 - Medium",
        "urgency": "2 - Medium",
        "priority": "3 - Moderate",
        "assignment_group": "Group 56",
        "assigned_to": "?",
        "closed_code": "code 5",
        "resolved_at": "29/2/2016 11:29",
        "closed_at": "5/3/2016 12:00",
    }
    base.update(fields)
    return base


def one(items: list[ImportedTicket | Rejected]) -> ImportedTicket:
    assert len(items) == 1 and isinstance(items[0], ImportedTicket), items
    return items[0]


def test_an_incident_with_pending_time_and_a_hop() -> None:
    rows = [
        row("INC1", 0, "New", "29/2/2016 01:23"),
        # File order differs from sys_mod_count order: the count wins.
        row("INC1", 2, "Awaiting User Info", "29/2/2016 03:00", assigned_to="Resolver 9", reassignment_count="1",
            assignment_group="Group 24"),
        row("INC1", 1, "Active", "29/2/2016 02:00", assigned_to="Resolver 9"),
        row("INC1", 3, "Active", "29/2/2016 05:30", assignment_group="?"),
        row("INC1", 4, "Resolved", "29/2/2016 11:29", priority="2 - High", urgency="1 - High",
            assignment_group="Group 24", reassignment_count="1"),
        row("INC1", 5, "Closed", "5/3/2016 12:00", reassignment_count="1", assignment_group="Group 24",
            priority="2 - High", urgency="1 - High"),
    ]
    ticket = one(list(parse_uci(rows)))
    p = ticket.projection
    assert p["ref"] == "INC1" and p["source"] == "uci" and p["kind"] == "incident"
    assert p["channel"] == "self_service" and p["requester"] == "Caller 7"
    assert p["opened_at"] == datetime(2016, 2, 29, 1, 16, tzinfo=UTC)
    assert p["pending_seconds"] == 2.5 * 3600  # 03:00 → 05:30 awaiting the user
    assert p["group_name"] == "Group 24"  # a missing group keeps the last one (SOURCE.md: last non-null)
    assert (p["priority"], p["urgency"], p["impact"]) == ("P2", "high", "medium")
    assert p["resolved_at"] == datetime(2016, 2, 29, 11, 29, tzinfo=UTC)
    assert p["reassignment_count"] == 1
    opened = ticket.events[0]
    assert opened.type is EventType.TICKET_OPENED and opened.actor == "Opened by  8"
    assert opened.payload["title"] == "INC1: Category 55 / Subcategory 170"
    pending = [e for e in ticket.events if e.payload.get("to_state") == "pending"]
    assert pending[0].payload["pending_reason"] == "customer"
    resolved = [e for e in ticket.events if e.type is EventType.TICKET_RESOLVED]
    assert resolved[0].payload["resolution_code"] == "code 5"
    assert ticket.notices == []


def test_local_times_are_converted_with_the_timezone_given() -> None:
    rows = [row("INC2", 0, "New", "29/2/2016 01:23"), row("INC2", 1, "Closed", "5/3/2016 12:00")]
    ticket = one(list(parse_uci(rows, timezone=ZoneInfo("America/Sao_Paulo"))))
    # Brazil was on summer time (UTC-2) until 21 Feb 2016, so 29 Feb is UTC-3.
    assert ticket.projection["opened_at"] == datetime(2016, 2, 29, 4, 16, tzinfo=UTC)


def test_a_row_with_an_unknown_state_is_left_out_and_noticed() -> None:
    rows = [row("INC3", 0, "New", "29/2/2016 01:23"), row("INC3", 1, "-100", "29/2/2016 02:00"),
            row("INC3", 2, "Closed", "5/3/2016 12:00")]
    ticket = one(list(parse_uci(rows)))
    assert [n.code for n in ticket.notices][:1] == ["unknown_state"]
    assert "line 3" in ticket.notices[0].message
    assert ticket.projection["state"] == "closed"


def test_tickets_without_readable_rows_or_with_split_rows_are_rejected_with_the_reason() -> None:
    rows = [
        row("INC4", 0, "-100", "29/2/2016 01:23"),
        row("INC5", 0, "New", "29/2/2016 01:23"),
        row("INC6", 0, "New", "not a time"),
        row("INC5", 1, "Closed", "5/3/2016 12:00"),
    ]
    items = list(parse_uci(rows))
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert [r.ref for r in rejected] == ["INC4", "INC6", "INC5"]
    assert "sort the file by `number`" in rejected[2].reason and rejected[2].line == 5


def test_required_columns_and_time_format() -> None:
    assert missing_columns(["number", "incident_state"]) == [
        "sys_mod_count", "sys_updated_at", "opened_at", "reassignment_count", "reopen_count"]
    assert read_uci_time("5/3/2016 12:00") == datetime(2016, 3, 5, 12, 0)  # day first
    with pytest.raises(ValueError, match="d/m/yyyy"):
        read_uci_time("2016-03-05 12:00")
