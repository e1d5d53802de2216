"""Importing the real UCI incident log: a slice at every run, the whole file in the slow run.

The expected figures for the slice are computed here with pandas straight from the file, by the
recipe in the dataset's SOURCE.md, independently of the importer. The slow test checks the whole
file against the reference figures SOURCE.md publishes.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session
from typer.testing import CliRunner

from deskops.bot.cli import app
from deskops.core.events import DomainEvent, EventType
from deskops.core.importing.records import ImportedTicket
from deskops.core.importing.uci import parse_uci
from deskops.core.persistence.bulk import load_batch
from deskops.core.persistence.tables import TicketEventRow, TicketRow
from deskops.core.tickets import Ticket
from tests.conftest import migrated_store

pytestmark = pytest.mark.realdata
SLICE_TICKETS = 400


def _uci_zip(shared_data: Path) -> Path:
    return shared_data / "uci-incident-event-log" / "incident_event_log.zip"


@pytest.fixture(scope="module")
def uci_slice(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rows of the first SLICE_TICKETS incidents of the real log, written to a temporary CSV."""
    target = tmp_path_factory.mktemp("uci") / "slice.csv"
    with zipfile.ZipFile(_uci_zip(shared_data)) as archive, archive.open("incident_event_log.csv") as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        with target.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(next(reader))
            seen: set[str] = set()
            for row in reader:
                if row[0] not in seen and len(seen) == SLICE_TICKETS:
                    break
                seen.add(row[0])
                writer.writerow(row)
    return target


def recipe_figures(path: Path) -> dict[str, float]:
    """SOURCE.md's "deriving one row per ticket" recipe, with pandas."""
    df = pd.read_csv(path, na_values="?", low_memory=False)
    for column in ("opened_at", "sys_updated_at", "resolved_at"):
        df[column] = pd.to_datetime(df[column], format="%d/%m/%Y %H:%M")
    df["order"] = range(len(df))
    df = df.sort_values(["number", "sys_mod_count", "sys_updated_at", "order"])
    last = df.groupby("number").tail(1).set_index("number")
    gross = (last.resolved_at - last.opened_at).dt.total_seconds() / 3600
    df["span"] = (df.groupby("number").sys_updated_at.shift(-1) - df.sys_updated_at).dt.total_seconds() / 3600
    pending = df[df.incident_state.str.startswith("Awaiting")].groupby("number").span.sum()
    net = gross - pending.reindex(last.index).fillna(0)
    return {
        "incidents": len(last),
        "resolved": int(last.resolved_at.notna().sum()),
        "reassignments_mean": float(last.reassignment_count.mean()),
        "reopened_share": float((last.reopen_count > 0).mean()),
        "gross_mean": float(gross.mean()),
        "gross_median": float(gross.median()),
        "gross_p90": float(gross.quantile(0.9)),
        "net_mean": float(net.mean()),
        "net_median": float(net.median()),
    }


def run_cli(args: list[str], database: str) -> Any:
    result = CliRunner().invoke(app, args, env={"DESKOPS_DATABASE_URL": database})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_import_of_a_slice_is_idempotent_and_reports_the_recipe_figures(uci_slice: Path, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'desk.db'}"
    first = run_cli(["import", str(uci_slice), "--format", "uci", "--json"], database)
    assert first["imported"] == first["tickets_read"] == SLICE_TICKETS
    assert first["skipped"] == {"already_stored": 0, "rejected": 0}
    second = run_cli(["import", str(uci_slice), "--format", "uci", "--json"], database)
    assert (second["imported"], second["events"]) == (0, 0)
    assert second["skipped"]["already_stored"] == SLICE_TICKETS

    report = run_cli(["report", "--json"], database)
    expected = recipe_figures(uci_slice)
    assert report["opened"] == expected["incidents"]
    assert report["resolved"] == expected["resolved"]
    assert report["reassignments_mean"] == pytest.approx(expected["reassignments_mean"])
    assert report["reopened_share_of_opened"] == pytest.approx(expected["reopened_share"])
    ttr = report["time_to_resolve_hours"]
    assert ttr["gross"]["mean"] == pytest.approx(expected["gross_mean"])
    assert ttr["gross"]["median"] == pytest.approx(expected["gross_median"])
    assert ttr["gross"]["p90"] == pytest.approx(expected["gross_p90"])
    assert ttr["net"]["mean"] == pytest.approx(expected["net_mean"])
    assert ttr["net"]["median"] == pytest.approx(expected["net_median"])
    assert report["backlog_end"] == 0  # every incident in the export is closed
    # The example desk's agreements (config/desk.yaml) are evaluated on every imported incident: one
    # resolution clock each, decided by its log (which also stops the clocks of the incidents whose
    # source has no resolution time, so there are more decided clocks than `resolved`).
    resolution = report["sla"]["clocks"]["resolution"]
    assert resolution["met"] + resolution["breached"] == SLICE_TICKETS
    assert resolution["compliance"] == resolution["met"] / SLICE_TICKETS


def test_report_for_a_period_counts_only_that_period(uci_slice: Path, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'desk.db'}"
    run_cli(["import", str(uci_slice), "--format", "uci", "--json"], database)
    df = pd.read_csv(uci_slice, na_values="?", low_memory=False)
    last = df.groupby("number").tail(1)
    opened = pd.to_datetime(last.opened_at, format="%d/%m/%Y %H:%M")
    resolved = pd.to_datetime(last.resolved_at, format="%d/%m/%Y %H:%M")
    day = pd.Timestamp("2016-03-01")
    report = run_cli(["report", "--from", "2016-03-01", "--to", "2016-03-01", "--json"], database)
    in_day = (opened >= day) & (opened < day + pd.Timedelta(days=1))
    assert report["opened"] == int(in_day.sum())
    assert report["resolved"] == int(((resolved >= day) & (resolved < day + pd.Timedelta(days=1))).sum())
    assert report["backlog_end"] == int(((opened < day + pd.Timedelta(days=1)) &
                                         ~(resolved < day + pd.Timedelta(days=1))).sum())
    assert report["period"] == {"from": "2016-03-01T00:00:00Z", "to": "2016-03-02T00:00:00Z"}


def _slice_tickets(path: Path) -> list[ImportedTicket]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [item for item in parse_uci(csv.DictReader(handle)) if isinstance(item, ImportedTicket)]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty store: a SQLite file, or a fresh schema on the test PostgreSQL server."""
    yield from migrated_store(request, tmp_path)


def test_stored_events_read_back_through_the_orm_and_fold_to_the_stored_row(uci_slice: Path, engine: Engine) -> None:
    tickets = _slice_tickets(uci_slice)
    result = load_batch(engine, tickets)
    assert len(result.inserted) == SLICE_TICKETS
    assert load_batch(engine, tickets[:50]).existing == [t.ref for t in tickets[:50]]
    with Session(engine) as session:
        for imported in tickets[:: SLICE_TICKETS // 40]:
            row = session.exec(select(TicketRow).where(TicketRow.ref == imported.ref)).scalars().one()
            stored = session.exec(
                select(TicketEventRow).where(TicketEventRow.ticket_id == row.id).order_by(TicketEventRow.seq)
            ).scalars().all()
            events = [DomainEvent(type=EventType(e.type), occurred_at=e.occurred_at, actor=e.actor, payload=e.payload)
                      for e in stored]
            assert events == imported.events
            assert row.opened_at.tzinfo is not None and row.last_seq == len(stored)
            replayed = Ticket.replay(events, ref=row.ref)
            # Every field the log carries folds to the stored row; the source's own counters and
            # resolution time are laid over it (and reported as notices when they differ).
            for name in ("state", "priority", "urgency", "impact", "category", "assignee", "requester",
                         "pending_seconds", "acknowledged_at", "updated_at", "opened_at"):
                assert getattr(replayed, name) == getattr(row, name), (row.ref, name)
            assert replayed.group == row.group_name
            if not imported.notices:
                assert (replayed.resolved_at, replayed.reassignment_count) == (row.resolved_at, row.reassignment_count)


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_the_whole_log_gives_the_reference_figures_of_source_md(shared_data: Path, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'desk.db'}"
    summary = run_cli(["import", str(_uci_zip(shared_data)), "--format", "uci", "--json"], database)
    assert summary["rows"] == 141_712 and summary["imported"] == 24_918
    # The published figures do not involve SLA clocks; --no-sla keeps the slow run shorter.
    report = run_cli(["report", "--no-sla", "--json"], database)
    ttr = report["time_to_resolve_hours"]
    assert report["opened"] == 24_918
    assert report["resolved"] == 23_362
    assert round(report["reassignments_mean"], 3) == 0.940
    assert round(report["reassigned_share"] * 100, 1) == 45.6
    assert round(report["reopened_share_of_opened"] * 100, 2) == 1.10
    assert round(ttr["gross"]["mean"], 1) == 178.2 and round(ttr["gross"]["median"], 1) == 22.1
    assert round(ttr["net"]["mean"], 1) == 109.4 and round(ttr["net"]["median"], 1) == 6.7
    march = run_cli(["report", "--from", "2016-03-01", "--to", "2016-05-31", "--no-sla", "--json"], database)
    assert march["opened"] == 24_437  # SOURCE.md: Mar–May 2016 openings


def _assert_same(ours: Any, theirs: Any, path: str = "") -> None:
    if isinstance(ours, dict):
        assert ours.keys() == theirs.keys(), path
        for key in ours:
            _assert_same(ours[key], theirs[key], f"{path}.{key}")
    elif isinstance(ours, float) and isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-6), path  # SQLite's julianday keeps milliseconds
    else:
        assert ours == theirs, path


@pytest.mark.parametrize(
    "bounds",
    [(None, None), ("2016-03-01", "2016-03-02"), ("2016-02-29T06:00:00+00:00", "2016-03-04T18:30:00+00:00")],
)
def test_totals_computed_in_sql_equal_the_report_from_ticket_facts(
    uci_slice: Path, engine: Engine, bounds: tuple[str | None, str | None]
) -> None:
    from datetime import UTC, datetime

    from deskops.core.kpi.period import Period
    from deskops.core.kpi.report import ReportOptions, build_report, report_from_cells
    from deskops.core.persistence.kpi_facts import load_ticket_facts
    from deskops.core.persistence.kpi_sql import aggregate_cells

    load_batch(engine, _slice_tickets(uci_slice))
    start, end = (None if b is None else datetime.fromisoformat(b).replace(tzinfo=UTC) for b in bounds)
    period = Period(start, end)
    options = ReportOptions(as_of=datetime(2017, 3, 1, tzinfo=UTC), older_than_days=2,
                            first_level_groups=frozenset({"Group 70", "Group 24"}))
    from_facts = build_report(load_ticket_facts(engine, period), period, options=options)
    cells, channels, categories, workload = aggregate_cells(engine, period, options)
    from_sql = report_from_cells(cells, period, channels=channels, categories=categories, options=options,
                                workload=workload)
    if end is not None:
        assert from_facts.backlog_end > 0 and from_facts.unacknowledged >= 0  # the periods cut through open work
    _assert_same(from_sql.model_dump(mode="json"), from_facts.model_dump(mode="json"))
    filtered = aggregate_cells(engine, period, options, priority="P3", group="Group 70")[0]
    assert set(filtered) <= {("P3", "Group 70")}
